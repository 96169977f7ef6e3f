namespace SevenStamp.Connectors.Sdk;

/// <summary>
/// Implemented by a connector task that receives POS webhooks. The host routes
/// <c>POST /webhooks/{connectorId}</c> here with the raw body and headers, and answers the POS with
/// the returned status. Verify the signature over the raw bytes before parsing anything, hand the
/// normalized records to the sink, and return <see cref="WebhookResponse.Accepted"/> only after the sink's
/// task completed: that is when the event is durable.
/// </summary>
public interface IWebhookReceiver
{
    Task<WebhookResponse> HandleWebhookAsync(WebhookRequest request, CancellationToken cancellationToken);
}
