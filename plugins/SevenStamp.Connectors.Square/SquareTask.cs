using System.Globalization;
using Microsoft.Extensions.Logging;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.Square;

/// <summary>
/// One Square connector instance: receives signed webhooks, fetches the orders they name and publishes their sales
/// and refunds; a background loop catches up on completed orders missed while the host was down.
/// </summary>
/// <remarks>
/// Besides webhook event ids, the store remembers which orders already gave a sale (<c>order-sale:{id}</c>) and which
/// refunds were published (<c>refund:{id}</c>), so the several payment and order events of one checkout, and the
/// catch-up, publish each sale once. The engine would drop a repeat anyway (sales are keyed by order id).
/// An authentic event that cannot become a sale or refund (no event id, no object, an order Square does not have or
/// answers with fields it cannot read) is answered 200 ignored and marked seen, so it is logged once: Square would
/// retry anything else for days and disable the endpoint. 503 is kept for what a later delivery can get past: the
/// API unreachable, throttling (429), failing (5xx) or refusing the token, and the broker unavailable.
/// </remarks>
internal sealed partial class SquareTask : BackgroundConnectorTask, IWebhookReceiver
{
    /// <summary>The offset key of the catch-up: the <c>updated_at</c> up to which completed orders were published.</summary>
    public const string OffsetKey = "orders.updatedAt";

    /// <summary>SearchOrders takes at most this many locations per call.</summary>
    public const int LocationsPerSearch = 10;

    /// <summary>Each catch-up looks back this much before its offset, for orders Square indexed late; what was published is skipped.</summary>
    public static readonly TimeSpan CatchUpOverlap = TimeSpan.FromMinutes(2);

    /// <summary>The largest body read; Square's notifications are a few kilobytes, and the host's own limit (1 MiB by default) usually applies first.</summary>
    public const int MaxBodyBytes = 2 * 1024 * 1024;

    private const int MaxPagesPerPass = 10_000;

    private readonly ConnectorContext _context;
    private readonly SquareSettings _settings;
    private readonly SquareSignature _signature;
    private readonly SquareApiClient _api;
    private readonly HashSet<string> _locations;

    public SquareTask(ConnectorContext context, SquareClientOptions options)
    {
        _context = context;
        _settings = SquareSettings.From(context.Settings);
        _signature = new SquareSignature(_settings.NotificationUrl, _settings.SignatureKeys);
        _api = new SquareApiClient(_settings, options);
        _locations = new HashSet<string>(_settings.LocationIds, StringComparer.Ordinal);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        // The loop never throws; the base waits briefly for it so it does not use the client after disposal.
        await base.DisposeAsyncCore();
        _api.Dispose();
    }

    public async Task<WebhookResponse> HandleWebhookAsync(WebhookRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        // The signature is checked over the raw bytes before anything is parsed.
        var signature = request.GetHeader(SquareSignature.HeaderName);
        if (!_signature.Verify(request.Body.Span, signature))
        {
            LogBadSignature(_context.Logger, _context.ConnectorId, signature is null ? "missing" : "wrong");
            return WebhookResponse.Unauthorized(signature is null ? $"missing {SquareSignature.HeaderName} header" : "signature verification failed");
        }

        if (request.Body.Length > MaxBodyBytes)
        {
            LogInvalid(_context.Logger, _context.ConnectorId, "body too large");
            return WebhookResponse.Invalid($"the body is larger than {MaxBodyBytes} bytes; a Square event notification is far smaller");
        }

        SquareEvent parsed;
        try
        {
            parsed = SquareEventParser.Parse(request.Body);
        }
        catch (SquarePayloadException ex)
        {
            LogInvalid(_context.Logger, _context.ConnectorId, ex.Message);
            return WebhookResponse.Invalid(ex.Message);
        }

        if (parsed is SquareEvent.NotActedOn { HasEventId: false } anonymous)
        {
            // Nothing to remember it by: every delivery of it is answered the same way.
            return WebhookResponse.Ignored(anonymous.Reason);
        }

        if (await _context.Store.IsSeenAsync(parsed.EventId, cancellationToken))
        {
            return WebhookResponse.Duplicate($"event {parsed.EventId} was received before");
        }

        WebhookResponse response;
        try
        {
            response = parsed switch
            {
                SquareEvent.Payment payment => await OnPaymentAsync(payment, cancellationToken),
                SquareEvent.Order order => await OnOrderAsync(order, cancellationToken),
                SquareEvent.Refund refund => await OnRefundAsync(refund, cancellationToken),
                SquareEvent.NotActedOn notActedOn => WebhookResponse.Ignored(notActedOn.Reason),
                _ => WebhookResponse.Ignored($"event type '{parsed.Type}' is not acted on"),
            };
        }
        catch (SquareApiException ex)
        {
            // Not marked seen: Square delivers the event again and the next attempt may reach the API.
            LogApiFailed(_context.Logger, _context.ConnectorId, parsed.Type, ex.Message);
            return WebhookResponse.Unavailable("the Square API could not be reached to read the order; retry later");
        }
        catch (SquarePayloadException ex)
        {
            // Square answered with an order whose fields cannot be read (the catch-up skips such an order too): no
            // retry reads it better. Acknowledged and marked seen, so it is logged once.
            LogUnreadableAnswer(_context.Logger, _context.ConnectorId, parsed.Type, parsed.EventId, ex.Message);
            response = WebhookResponse.Ignored($"Square's answer for event {parsed.EventId} could not be read ({ex.Message}); acknowledged and ignored");
        }

        await _context.Store.MarkSeenAsync(parsed.EventId, cancellationToken);
        return response;
    }

    /// <summary>
    /// One catch-up pass: every completed order of the watched locations updated since the stored offset (or
    /// <c>catchUpLookback</c> ago) that has not given a sale yet is published; the offset moves on only once a page's
    /// sales are durable, and only forward (<see cref="IConnectorStore.AdvanceOffsetAsync"/>): when replicas catch up
    /// together, a pass that started earlier and ends later does not put back an older offset. Returns how many sales
    /// it published.
    /// </summary>
    internal async Task<int> CatchUpOnceAsync(CancellationToken cancellationToken)
    {
        var now = _context.TimeProvider.GetUtcNow();
        var stored = await _context.Store.GetOffsetAsync(OffsetKey, cancellationToken);
        DateTimeOffset? offset = stored is not null && DateTimeOffset.TryParse(stored, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed) ? parsed : null;
        if (stored is not null && offset is null)
        {
            LogBadOffset(_context.Logger, _context.ConnectorId);
        }

        var from = offset is { } o ? o - CatchUpOverlap : now - _settings.CatchUpLookback;
        if (from > now)
        {
            // A stored offset ahead of this clock (another replica's, or a clock set back): search the overlap only.
            from = now - CatchUpOverlap;
        }

        var chunks = _settings.LocationIds.Chunk(LocationsPerSearch).ToList();
        var published = 0;
        var complete = true;
        foreach (var chunk in chunks)
        {
            string? cursor = null;
            var pages = 0;
            do
            {
                var page = await _api.SearchCompletedOrdersAsync(chunk, from, now, cursor, cancellationToken);
                foreach (var problem in page.Problems)
                {
                    LogUnreadableOrder(_context.Logger, _context.ConnectorId, problem);
                }

                DateTimeOffset? last = null;
                foreach (var order in page.Orders)
                {
                    if (await PublishSaleOnceAsync(order, null, null, cancellationToken))
                    {
                        published++;
                    }

                    last = order.UpdatedAt is { } u && (last is null || u > last) ? u : last;
                }

                // With one search per pass the page's last order is a safe offset; with several, only the end of the pass is.
                if (chunks.Count == 1 && last is { } reached && (offset is null || reached > offset))
                {
                    offset = reached;
                    await _context.Store.AdvanceOffsetAsync(OffsetKey, OffsetText(reached), cancellationToken);
                }

                cursor = page.Cursor;
            }
            while (cursor is not null && ++pages < MaxPagesPerPass);
            complete &= cursor is null;
        }

        // Everything up to the end of the searched range is published: the next pass continues from there.
        if (complete && (offset is null || now > offset))
        {
            await _context.Store.AdvanceOffsetAsync(OffsetKey, OffsetText(now), cancellationToken);
        }

        if (published > 0)
        {
            LogCaughtUp(_context.Logger, _context.ConnectorId, published, now);
        }
        else
        {
            LogNothingMissed(_context.Logger, _context.ConnectorId, now);
        }

        return published;
    }

    protected override async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await CatchUpOnceAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The loop must survive anything a pass throws; it logs and tries again next time.
            catch (Exception ex) when (ex is not OutOfMemoryException)
#pragma warning restore CA1031
            {
                LogCatchUpFailed(_context.Logger, _context.ConnectorId, ex.GetType().Name, ex.Message, _settings.CatchUpEvery);
            }

            try
            {
                await Task.Delay(_settings.CatchUpEvery, _context.TimeProvider, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<WebhookResponse> OnPaymentAsync(SquareEvent.Payment payment, CancellationToken cancellationToken)
    {
        if (payment.Status != "COMPLETED")
        {
            return WebhookResponse.Ignored($"payment {payment.PaymentId} is {payment.Status}; only a completed payment makes a sale");
        }

        if (payment.OrderId is null)
        {
            return WebhookResponse.Ignored($"payment {payment.PaymentId} has no order");
        }

        if (payment.LocationId is not null && !_locations.Contains(payment.LocationId))
        {
            return WebhookResponse.Ignored($"location {payment.LocationId} is not watched by this connector");
        }

        return await SaleOfOrderAsync(payment.OrderId, payment.EventId, payment.CustomerId, cancellationToken);
    }

    private async Task<WebhookResponse> OnOrderAsync(SquareEvent.Order order, CancellationToken cancellationToken)
    {
        if (order.State != "COMPLETED")
        {
            return WebhookResponse.Ignored($"order {order.OrderId} is {order.State ?? "without a state"}; only a completed order makes a sale");
        }

        if (order.LocationId is not null && !_locations.Contains(order.LocationId))
        {
            return WebhookResponse.Ignored($"location {order.LocationId} is not watched by this connector");
        }

        return await SaleOfOrderAsync(order.OrderId, order.EventId, null, cancellationToken);
    }

    private async Task<WebhookResponse> SaleOfOrderAsync(string orderId, string eventId, string? customerId, CancellationToken cancellationToken)
    {
        // Checked before the API call: the later events of a checkout (more payment.updated, order.updated) cost nothing.
        if (await _context.Store.IsSeenAsync(SaleKey(orderId), cancellationToken))
        {
            return WebhookResponse.Duplicate($"the sale of order {orderId} was published before");
        }

        if (await _api.RetrieveOrderAsync(orderId, cancellationToken) is not { } order)
        {
            return OrderNotFound(eventId, orderId);
        }

        if (order.LocationId is not null && !_locations.Contains(order.LocationId))
        {
            return WebhookResponse.Ignored($"location {order.LocationId} is not watched by this connector");
        }

        if (!order.IsPaid)
        {
            return WebhookResponse.Ignored($"order {orderId} is {order.State ?? "without a state"} and not paid in full yet");
        }

        return await PublishSaleOnceAsync(order, eventId, customerId, cancellationToken)
            ? WebhookResponse.Accepted($"sale {orderId} accepted")
            : WebhookResponse.Duplicate($"the sale of order {orderId} was published before");
    }

    /// <summary>Publishes the order's sale unless it was, and remembers it once the sale is durable.</summary>
    private async Task<bool> PublishSaleOnceAsync(SquareOrder order, string? eventId, string? customerId, CancellationToken cancellationToken)
    {
        if (!order.IsPaid || (order.LocationId is not null && !_locations.Contains(order.LocationId))
            || await _context.Store.IsSeenAsync(SaleKey(order.Id), cancellationToken))
        {
            return false;
        }

        await _context.Sink.PublishAsync(order.ToSale(_context.MerchantId, _context.ConnectorId, eventId, customerId), cancellationToken);
        await _context.Store.MarkSeenAsync(SaleKey(order.Id), cancellationToken);
        return true;
    }

    private async Task<WebhookResponse> OnRefundAsync(SquareEvent.Refund refund, CancellationToken cancellationToken)
    {
        if (refund.Status != "COMPLETED")
        {
            return WebhookResponse.Ignored($"refund {refund.RefundId} is {refund.Status}; only a completed refund is passed on");
        }

        if (refund.LocationId is not null && !_locations.Contains(refund.LocationId))
        {
            return WebhookResponse.Ignored($"location {refund.LocationId} is not watched by this connector");
        }

        if (refund.OrderId is null)
        {
            return WebhookResponse.Ignored($"refund {refund.RefundId} has no order");
        }

        if (await _context.Store.IsSeenAsync(RefundKey(refund.RefundId), cancellationToken))
        {
            return WebhookResponse.Duplicate($"refund {refund.RefundId} was published before");
        }

        // The refund's order is the sale itself, or a return order naming the sale as its source.
        if (await _api.RetrieveOrderAsync(refund.OrderId, cancellationToken) is not { } order)
        {
            return OrderNotFound(refund.EventId, refund.OrderId);
        }

        var sale = order;
        if (order.SourceOrderId is { } source && source != order.Id)
        {
            if (await _api.RetrieveOrderAsync(source, cancellationToken) is not { } sourceOrder)
            {
                return OrderNotFound(refund.EventId, source);
            }

            sale = sourceOrder;
        }

        var record = new SaleRefunded
        {
            MerchantId = _context.MerchantId,
            ConnectorId = _context.ConnectorId,
            ExternalRefundId = refund.RefundId,
            ExternalSaleId = sale.Id,
            SourceEventId = refund.EventId,
            OccurredAt = refund.OccurredAt,
            Currency = refund.Amount.Currency,
            Amount = refund.Amount.ToMajorUnits(),
            IsFullRefund = refund.Amount.Currency == sale.Total.Currency && refund.Amount.Amount >= sale.Total.Amount,
        };
        await _context.Sink.PublishAsync(record, cancellationToken);
        await _context.Store.MarkSeenAsync(RefundKey(refund.RefundId), cancellationToken);
        return WebhookResponse.Accepted($"refund {refund.RefundId} of sale {sale.Id} accepted");
    }

    /// <summary>
    /// Square answered 404 NOT_FOUND for the order an event names (the Developer Console's test events name made-up
    /// orders): no retry will find it, so the event is acknowledged; the caller marks it seen, so it is logged once.
    /// </summary>
    private WebhookResponse OrderNotFound(string eventId, string orderId)
    {
        LogOrderNotFound(_context.Logger, _context.ConnectorId, eventId, orderId);
        return WebhookResponse.Ignored($"order {orderId} does not exist in Square (RetrieveOrder answered 404 NOT_FOUND); acknowledged and ignored");
    }

    /// <summary>The stored form of an offset: UTC, round-trip format, fixed width, so later times sort after earlier ones.</summary>
    private static string OffsetText(DateTimeOffset value) => value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private static string SaleKey(string orderId) => "order-sale:" + orderId;

    private static string RefundKey(string refundId) => "refund:" + refundId;

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Square webhook for {ConnectorId} refused: {Problem} signature")]
    private static partial void LogBadSignature(ILogger logger, string connectorId, string problem);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Square webhook for {ConnectorId} refused: {Problem}")]
    private static partial void LogInvalid(ILogger logger, string connectorId, string problem);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Square webhook {EventType} for {ConnectorId} answered 503: {Reason}")]
    private static partial void LogApiFailed(ILogger logger, string connectorId, string eventType, string reason);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Error, Message = "Square catch-up of {ConnectorId} failed ({ExceptionType}: {Reason}); next try in {Interval}")]
    private static partial void LogCatchUpFailed(ILogger logger, string connectorId, string exceptionType, string reason, TimeSpan interval);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Information, Message = "Square catch-up of {ConnectorId} published {Count} missed sales; caught up to {Offset}")]
    private static partial void LogCaughtUp(ILogger logger, string connectorId, int count, DateTimeOffset offset);

    [LoggerMessage(EventId = 4108, Level = LogLevel.Debug, Message = "Square catch-up of {ConnectorId} found no missed sales; caught up to {Offset}")]
    private static partial void LogNothingMissed(ILogger logger, string connectorId, DateTimeOffset offset);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Warning, Message = "Square catch-up of {ConnectorId} skipped an order it could not read: {Problem}")]
    private static partial void LogUnreadableOrder(ILogger logger, string connectorId, string problem);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Warning, Message = "Square catch-up of {ConnectorId} found an unreadable stored offset; starting from the lookback")]
    private static partial void LogBadOffset(ILogger logger, string connectorId);

    [LoggerMessage(EventId = 4109, Level = LogLevel.Warning, Message = "Square webhook {EventId} for {ConnectorId} names order {OrderId}, which Square does not have (404 NOT_FOUND); ignored")]
    private static partial void LogOrderNotFound(ILogger logger, string connectorId, string eventId, string orderId);

    [LoggerMessage(EventId = 4110, Level = LogLevel.Warning, Message = "Square webhook {EventType} {EventId} for {ConnectorId} ignored: Square's answer could not be read: {Problem}")]
    private static partial void LogUnreadableAnswer(ILogger logger, string connectorId, string eventType, string eventId, string problem);
}
