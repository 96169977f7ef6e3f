using SevenStamp.Loyalty.Messaging;

namespace SevenStamp.Webhooks.Delivery;

/// <summary>Wakes the dispatcher when new deliveries are stored, so they go out without waiting for the next poll.</summary>
public sealed class WebhookSignal : WakeSignal;
