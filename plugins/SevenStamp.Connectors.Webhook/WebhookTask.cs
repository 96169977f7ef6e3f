using System.Text;
using Microsoft.Extensions.Logging;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Webhook;

/// <summary>One generic webhook connector instance: verify, parse, hand to the sink, answer.</summary>
internal sealed partial class WebhookTask : IConnectorTask, IWebhookReceiver
{
    public const string DefaultSignatureHeader = "X-SevenStamp-Signature";

    private readonly ConnectorContext _context;
    private readonly byte[][] _keys;
    private readonly string _header;
    private readonly SignatureEncoding _encoding;

    public WebhookTask(ConnectorContext context)
    {
        _context = context;
        var settings = context.Settings;
        _keys = new[] { settings.GetString("signingSecret"), settings.GetString("previousSigningSecret") }
            .Where(s => !string.IsNullOrEmpty(s))
            .Select(s => Encoding.UTF8.GetBytes(s!))
            .ToArray();
        _header = settings.GetString("signatureHeader") ?? DefaultSignatureHeader;
        _encoding = settings.GetString("signatureEncoding") == "base64" ? SignatureEncoding.Base64 : SignatureEncoding.Hex;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public async Task<WebhookResponse> HandleWebhookAsync(WebhookRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        // The signature is checked over the raw bytes before anything is parsed.
        var signature = request.GetHeader(_header);
        if (signature is not null && signature.StartsWith("sha256=", StringComparison.OrdinalIgnoreCase))
        {
            signature = signature["sha256=".Length..];
        }

        if (!WebhookSignatures.VerifyHmacSha256(request.Body.Span, signature, _keys, _encoding))
        {
            LogBadSignature(_context.Logger, _context.ConnectorId, signature is null ? "missing" : "wrong");
            return WebhookResponse.Unauthorized(signature is null ? $"missing {_header} header" : "signature verification failed");
        }

        SevenStampEvent parsed;
        try
        {
            parsed = SevenStampEventParser.Parse(request.Body.Span, _context.MerchantId, _context.ConnectorId);
        }
        catch (PayloadException ex)
        {
            LogInvalid(_context.Logger, _context.ConnectorId, ex.Message);
            return WebhookResponse.Invalid(ex.Message);
        }

        // A repeat delivery is acknowledged and does nothing; an event is marked seen only once it is durable.
        if (await _context.Store.IsSeenAsync(parsed.EventId, cancellationToken))
        {
            return WebhookResponse.Duplicate($"event {parsed.EventId} was received before");
        }

        WebhookResponse response;
        switch (parsed)
        {
            case SevenStampEvent.Sale sale:
                await _context.Sink.PublishAsync(sale.Record, cancellationToken);
                response = WebhookResponse.Accepted($"sale {sale.Record.ExternalSaleId} accepted");
                break;
            case SevenStampEvent.Refund refund:
                await _context.Sink.PublishAsync(refund.Record, cancellationToken);
                response = WebhookResponse.Accepted($"refund {refund.Record.ExternalRefundId} accepted");
                break;
            case SevenStampEvent.Other other:
                response = WebhookResponse.Ignored($"event type '{other.Type}' is not acted on");
                break;
            default:
                throw new InvalidOperationException("Unhandled event kind.");
        }

        await _context.Store.MarkSeenAsync(parsed.EventId, cancellationToken);
        return response;
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Webhook for {ConnectorId} refused: {Problem} signature")]
    private static partial void LogBadSignature(ILogger logger, string connectorId, string problem);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Webhook for {ConnectorId} refused: {Problem}")]
    private static partial void LogInvalid(ILogger logger, string connectorId, string problem);
}
