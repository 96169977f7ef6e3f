using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.JsonWebhook;

/// <summary>
/// One JSON webhook instance: verify the signature over the raw bytes, parse (depth- and size-limited, no duplicate
/// keys), filter on the event type, dedupe on the delivery id, map every record (with the event type's own mapping
/// when it has one), hand them to the sink, answer. Every record of a body is mapped before any is published: a bad
/// single-record body publishes nothing; in a batch (<c>mapping.records</c>) the good records are published and the
/// bad ones are refused by index and field. A record an ignore rule holds for is acknowledged, not published.
/// </summary>
internal sealed partial class JsonWebhookTask : IConnectorTask, IWebhookReceiver
{
    /// <summary>The largest body the connector reads; the host's own limit (1 MiB by default) usually applies first.</summary>
    public const int MaxBodyBytes = 2 * 1024 * 1024;

    public const int MaxDepth = 64;
    public const int MaxRecords = 1000;
    private const int MaxEventIdLength = 200;

    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = MaxDepth, AllowDuplicateProperties = false };

    private readonly ConnectorContext _context;
    private readonly JsonWebhookOptions _options;

    public JsonWebhookTask(ConnectorContext context, JsonWebhookOptions options)
    {
        _context = context;
        _options = options;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public async Task<WebhookResponse> HandleWebhookAsync(WebhookRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Body.Length > MaxBodyBytes)
        {
            LogInvalid(_context.Logger, _context.ConnectorId, "body too large");
            return WebhookResponse.Invalid($"the body is larger than {MaxBodyBytes} bytes; send one event per request");
        }

        // A template that reads fields of the body (Zettle) needs it parsed first; the parse is bounded like any other.
        JsonDocument? outer = null;
        try
        {
            string? parseProblem = null;
            if (_options.Signature.ReadsJson)
            {
                outer = TryParse(request.Body, out parseProblem);
            }

            if (!_options.Signature.Verify(request, outer?.RootElement, out var reason))
            {
                LogBadSignature(_context.Logger, _context.ConnectorId, request.GetHeader(_options.Signature.Header) is null ? "missing" : "wrong");
                return WebhookResponse.Unauthorized(reason);
            }

            if (outer is null)
            {
                outer = TryParse(request.Body, out parseProblem);
                if (outer is null)
                {
                    LogInvalid(_context.Logger, _context.ConnectorId, "malformed JSON");
                    return WebhookResponse.Invalid(parseProblem!);
                }
            }

            return await HandleAuthenticAsync(request, outer.RootElement, cancellationToken);
        }
        finally
        {
            outer?.Dispose();
        }
    }

    private async Task<WebhookResponse> HandleAuthenticAsync(WebhookRequest request, JsonElement root, CancellationToken cancellationToken)
    {
        // Events that are not sales are acknowledged, so the POS does not retry them for days.
        var type = ReadEventType(request, root, out var typeProblem);
        if (type is not null)
        {
            if (!_options.AcceptEventTypes.Contains(type, StringComparer.Ordinal))
            {
                return WebhookResponse.Ignored($"event type '{JsonPath.Describe(type)}' is not one of acceptEventTypes; acknowledged and ignored");
            }
        }
        else if (typeProblem is not null)
        {
            return Invalid(typeProblem);
        }

        var eventId = ReadEventId(request, root, out var idProblem);
        if (idProblem is not null)
        {
            return Invalid(idProblem);
        }

        if (eventId is not null && await _context.Store.IsSeenAsync("event:" + eventId, cancellationToken))
        {
            return WebhookResponse.Duplicate($"event {eventId} was received before");
        }

        MappedBody mapped;
        JsonDocument? inner = null;
        try
        {
            var payload = root;
            if (_options.Unwrap is { } unwrap)
            {
                var wrapped = unwrap.SelectOne(root);
                if (wrapped is not { ValueKind: JsonValueKind.String } text)
                {
                    return Invalid($"unwrap ({JsonPath.Describe(unwrap.Text)}) must be a JSON text holding the payload; it is {(wrapped is null ? "missing" : "a " + wrapped.Value.ValueKind.ToString().ToLowerInvariant())}");
                }

                inner = TryParse(System.Text.Encoding.UTF8.GetBytes(JsonText.Read(text, $"unwrap ({JsonPath.Describe(unwrap.Text)})")), out var innerProblem);
                if (inner is null)
                {
                    return Invalid($"unwrap ({JsonPath.Describe(unwrap.Text)}): the payload inside {innerProblem}");
                }

                payload = inner.RootElement;
            }

            mapped = MapRecords(_options.Mapping.ForEventType(type), payload, eventId);
        }
        catch (MappingException ex)
        {
            return Invalid(ex.Message);
        }
        finally
        {
            inner?.Dispose();
        }

        var records = mapped.Records;
        var ignored = mapped.Ignored;
        if (records.Count == 0 && mapped.Refused.Count > 0)
        {
            // Every record of the body is bad or ignored: nothing to publish.
            return Invalid(Refusals(mapped) + Ignorals(mapped, "; "));
        }

        if (records.Count == 0)
        {
            // Authentic, well-formed, and earning nothing (a test order, an unpaid one): acknowledged, so the POS
            // stops sending it, and marked, so a redelivery is a duplicate.
            LogIgnored(_context.Logger, _context.ConnectorId, string.Join("; ", ignored));
            if (eventId is not null)
            {
                await _context.Store.MarkSeenAsync("event:" + eventId, cancellationToken);
            }

            return WebhookResponse.Ignored(ignored.Count == 1 ? $"{ignored[0]}; acknowledged and ignored" : $"all {ignored.Count} records ignored: {string.Join("; ", ignored)}");
        }

        // Each record is published once: a record already published (by an earlier delivery of the same sale, e.g.
        // orders/create then orders/paid, or a retry of a batch that was partly refused) is skipped; a record is
        // marked only after the sink made it durable.
        var published = 0;
        foreach (var record in records)
        {
            var key = RecordKey(record);
            if (await _context.Store.IsSeenAsync(key, cancellationToken))
            {
                continue;
            }

            switch (record)
            {
                case SaleCompleted sale:
                    await _context.Sink.PublishAsync(sale, cancellationToken);
                    break;
                case SaleRefunded refund:
                    await _context.Sink.PublishAsync(refund, cancellationToken);
                    break;
                default:
                    throw new InvalidOperationException("Unknown record kind.");
            }

            await _context.Store.MarkSeenAsync(key, cancellationToken);
            published++;
        }

        if (mapped.Refused.Count > 0)
        {
            // The good part of the batch is durable; the bad records are named, so the merchant can fix them at the
            // POS. The delivery id is not marked: a retry of it publishes nothing twice (each record is deduped on
            // its own key) and is answered the same way.
            var total = records.Count + mapped.Refused.Count + ignored.Count;
            return Invalid($"{records.Count} of {total} records accepted ({published} published now, {records.Count - published} received before); {Refusals(mapped)}{Ignorals(mapped, "; ")}");
        }

        if (eventId is not null)
        {
            await _context.Store.MarkSeenAsync("event:" + eventId, cancellationToken);
        }

        if (published == 0)
        {
            return WebhookResponse.Duplicate((records.Count == 1 ? $"{Describe(records[0])} was received before" : $"all {records.Count} records were received before") + Ignorals(mapped, "; "));
        }

        return WebhookResponse.Accepted((records.Count == 1 ? $"{Describe(records[0])} accepted" : $"{published} of {records.Count} records accepted ({records.Count - published} received before)") + Ignorals(mapped, "; "));
    }

    /// <summary>
    /// Maps the body. Without <c>mapping.records</c> the body is one record and any problem refuses it. With it, each
    /// entry is mapped on its own: the good ones are returned, each bad one is named by its index and field.
    /// </summary>
    private MappedBody MapRecords(SaleMapping mapping, JsonElement payload, string? eventId)
    {
        if (mapping.Records is not { } recordsPath)
        {
            if (payload.ValueKind != JsonValueKind.Object)
            {
                throw new MappingException($"the {(_options.Unwrap is null ? "body" : "unwrapped payload")} is a JSON {payload.ValueKind.ToString().ToLowerInvariant()}; it must be a JSON object (one sale or refund), or set mapping.records for a list");
            }

            var single = mapping.Map(payload, _context.MerchantId, _context.ConnectorId, eventId);
            return single is IgnoredRecord skip ? new MappedBody([], [], [skip.ToString()]) : new MappedBody([single], [], []);
        }

        var records = new List<object>();
        var refused = new List<string>();
        var ignored = new List<string>();
        var index = 0;
        foreach (var record in recordsPath.SelectAll(payload))
        {
            if (index == MaxRecords)
            {
                throw new MappingException($"records ({JsonPath.Describe(recordsPath.Text)})", $"has more than {MaxRecords} entries; send fewer per request");
            }

            if (record.ValueKind != JsonValueKind.Object)
            {
                refused.Add($"records[{index}]: is a JSON {record.ValueKind.ToString().ToLowerInvariant()}; each must be an object");
            }
            else
            {
                try
                {
                    switch (mapping.Map(record, _context.MerchantId, _context.ConnectorId, eventId))
                    {
                        case IgnoredRecord skip:
                            ignored.Add($"records[{index}]: {skip}");
                            break;
                        case var mappedRecord:
                            records.Add(mappedRecord);
                            break;
                    }
                }
                catch (MappingException ex)
                {
                    refused.Add($"records[{index}]: {ex.Message}");
                }
            }

            index++;
        }

        return index > 0
            ? new MappedBody(records, refused, ignored)
            : throw new MappingException($"records ({JsonPath.Describe(recordsPath.Text)})", "matched nothing in the body; check mapping.records");
    }

    private static string Refusals(MappedBody mapped) =>
        $"{mapped.Refused.Count} refused: " + string.Join("; ", mapped.Refused);

    private static string Ignorals(MappedBody mapped, string separator) =>
        mapped.Ignored.Count == 0 ? string.Empty : $"{separator}{mapped.Ignored.Count} ignored: " + string.Join("; ", mapped.Ignored);

    /// <summary>
    /// The records of a body that mapped, a description (index and field, never a value) of each that did not, and
    /// of each an ignore rule held for (which record, and the rule's reason).
    /// </summary>
    private sealed record MappedBody(List<object> Records, List<string> Refused, List<string> Ignored);

    private static string RecordKey(object record) => record switch
    {
        SaleCompleted sale => sale.ExternalSaleVersion is { } version
            ? $"sale:{sale.ExternalSaleId}:{version.ToString(CultureInfo.InvariantCulture)}"
            : "sale:" + sale.ExternalSaleId,
        SaleRefunded refund => "refund:" + refund.ExternalRefundId,
        _ => throw new InvalidOperationException("Unknown record kind."),
    };

    private static string Describe(object record) => record switch
    {
        SaleCompleted sale => "sale " + sale.ExternalSaleId,
        SaleRefunded refund => "refund " + refund.ExternalRefundId,
        _ => "record",
    };

    private string? ReadEventType(WebhookRequest request, JsonElement root, out string? problem)
    {
        problem = null;
        if (_options.EventTypeHeader is { } header)
        {
            var value = request.GetHeader(header)?.Trim();
            if (string.IsNullOrEmpty(value))
            {
                problem = $"the {header} header (eventTypeHeader) is missing";
            }

            return string.IsNullOrEmpty(value) ? null : value;
        }

        if (_options.EventTypePath is { } path)
        {
            var where = $"the event type ({JsonPath.Describe(path.Text)}, eventTypePath)";
            string? value = null;
            if (path.SelectOne(root) is { ValueKind: JsonValueKind.String } text)
            {
                if (!JsonText.TryRead(text, out value))
                {
                    problem = $"{where} {JsonText.NotText}";
                    return null;
                }

                value = value.Trim();
            }

            if (string.IsNullOrEmpty(value))
            {
                problem = $"{where} is missing or not a text";
            }

            return string.IsNullOrEmpty(value) ? null : value;
        }

        return null;
    }

    private string? ReadEventId(WebhookRequest request, JsonElement root, out string? problem)
    {
        problem = null;
        string? value = null;
        string? where = null;
        if (_options.EventIdHeader is { } header)
        {
            value = request.GetHeader(header)?.Trim();
            where = $"the {header} header (eventIdHeader)";
        }
        else if (_options.EventIdPath is { } path)
        {
            where = $"the event id ({JsonPath.Describe(path.Text)}, eventIdPath)";
            var found = path.SelectOne(root);
            if (found is { ValueKind: JsonValueKind.String } text && !JsonText.TryRead(text, out value))
            {
                problem = $"{where} {JsonText.NotText}";
                return null;
            }

            value = found switch
            {
                { ValueKind: JsonValueKind.String } => value!.Trim(),
                { ValueKind: JsonValueKind.Number } number => number.GetRawText(),
                _ => null,
            };
        }

        if (where is null)
        {
            return null;
        }

        if (string.IsNullOrEmpty(value))
        {
            problem = where + " is missing";
            return null;
        }

        if (value.Length > MaxEventIdLength || value.Any(char.IsControl))
        {
            problem = where + $" is longer than {MaxEventIdLength} characters or has control characters";
            return null;
        }

        if (JsonText.IsBroken(value))
        {
            // A header decoded from bytes that were not UTF-8 carries U+FFFD; such an id would dedupe unrelated deliveries.
            problem = $"{where} {JsonText.NotText}";
            return null;
        }

        return value;
    }

    private static JsonDocument? TryParse(ReadOnlyMemory<byte> body, out string? problem)
    {
        problem = null;
        try
        {
            return JsonDocument.Parse(body, ParseOptions);
        }
        catch (JsonException ex)
        {
            problem = $"the body is not valid JSON (line {(ex.LineNumber ?? 0) + 1}, position {(ex.BytePositionInLine ?? 0) + 1}): send one JSON document in UTF-8, nested at most {MaxDepth} levels, without repeated property names";
            return null;
        }
    }

    private WebhookResponse Invalid(string message)
    {
        LogInvalid(_context.Logger, _context.ConnectorId, message);
        return WebhookResponse.Invalid(message);
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "JSON webhook for {ConnectorId} refused: {Problem} signature")]
    private static partial void LogBadSignature(ILogger logger, string connectorId, string problem);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "JSON webhook for {ConnectorId} refused: {Problem}")]
    private static partial void LogInvalid(ILogger logger, string connectorId, string problem);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "JSON webhook for {ConnectorId} ignored: {Reasons}")]
    private static partial void LogIgnored(ILogger logger, string connectorId, string reasons);
}
