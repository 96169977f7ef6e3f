namespace SevenStamp.Loyalty.Messaging;

/// <summary>Wakes the outbox relay right after a commit, so events go out without waiting for the next poll.</summary>
public sealed class OutboxSignal : WakeSignal;
