using System.Text;
using Microsoft.Extensions.Logging;
using SevenStamp.Connectors.Sdk;

namespace Company.PosConnector1;

/// <summary>
/// One configured connector: the host routes <c>POST /webhooks/{connectorId}</c> here. Verify the signature over the
/// raw bytes, parse, skip what was already handled, hand the sale to the sink, and only then mark the event seen.
/// </summary>
internal sealed partial class PosWebhookTask : IConnectorTask, IWebhookReceiver
{
    /// <summary>Bodies larger than this are refused before anything is parsed (the host has its own, larger limit).</summary>
    public const int MaxBodyBytes = 256 * 1024;

    private readonly ConnectorContext _context;
    private readonly byte[][] _keys;

    public PosWebhookTask(ConnectorContext context)
    {
        _context = context;
        // The current secret and, during a rotation, the previous one: a body signed with either is authentic.
        _keys = [.. new[] { context.Settings.GetString("signingSecret"), context.Settings.GetString("previousSigningSecret") }
            .Where(secret => !string.IsNullOrEmpty(secret))
            .Select(secret => Encoding.UTF8.GetBytes(secret!))];
    }

    // A webhook connector has no background work: the host calls HandleWebhookAsync for each request.
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public async Task<WebhookResponse> HandleWebhookAsync(WebhookRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Body.Length > MaxBodyBytes)
        {
            return WebhookResponse.Invalid($"the body is larger than {MaxBodyBytes} bytes");
        }

        var signature = request.GetHeader(PosConnector.SignatureHeader);
        if (!WebhookSignatures.VerifyHmacSha256(request.Body.Span, signature, _keys, SignatureEncoding.Hex))
        {
            LogRefused(_context.Logger, _context.ConnectorId, signature is null ? "no signature" : "a wrong signature");
            return WebhookResponse.Unauthorized(signature is null ? $"missing {PosConnector.SignatureHeader} header" : "signature verification failed");
        }

        PosEvent posEvent;
        try
        {
            posEvent = PosEventParser.Parse(request.Body.Span, _context.MerchantId, _context.ConnectorId);
        }
        catch (PosPayloadException ex)
        {
            LogInvalid(_context.Logger, _context.ConnectorId, ex.Message);
            return WebhookResponse.Invalid(ex.Message);
        }

        if (posEvent.Sale is null)
        {
            return WebhookResponse.Ignored($"event type '{posEvent.Type}' is not a completed sale");
        }

        // A repeat delivery is acknowledged and does nothing. The event is marked seen only after the sink's call
        // completed (the sale is durable); if the sink throws, the host answers 503 and the POS retries.
        if (await _context.Store.IsSeenAsync(posEvent.EventId, cancellationToken).ConfigureAwait(false))
        {
            return WebhookResponse.Duplicate($"event {posEvent.EventId} was received before");
        }

        await _context.Sink.PublishAsync(posEvent.Sale, cancellationToken).ConfigureAwait(false);
        await _context.Store.MarkSeenAsync(posEvent.EventId, cancellationToken).ConfigureAwait(false);
        return WebhookResponse.Accepted($"sale {posEvent.Sale.ExternalSaleId} accepted");
    }

    // Log ids and reasons, never secrets, signatures, bodies or customer data.
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Webhook for {ConnectorId} refused: {Problem}")]
    private static partial void LogRefused(ILogger logger, string connectorId, string problem);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Webhook for {ConnectorId} is invalid: {Reason}")]
    private static partial void LogInvalid(ILogger logger, string connectorId, string reason);
}
