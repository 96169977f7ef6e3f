namespace SevenStamp.Connectors.Square;

/// <summary>A verified and parsed Square webhook event: only the fields the connector acts on.</summary>
internal abstract record SquareEvent(string EventId, string Type)
{
    /// <summary><c>payment.created</c> / <c>payment.updated</c>.</summary>
    public sealed record Payment(string EventId, string Type, string PaymentId, string Status, string? OrderId, string? LocationId, string? CustomerId)
        : SquareEvent(EventId, Type);

    /// <summary><c>order.created</c> / <c>order.updated</c>.</summary>
    public sealed record Order(string EventId, string Type, string OrderId, string? State, long? Version, string? LocationId)
        : SquareEvent(EventId, Type);

    /// <summary><c>refund.created</c> / <c>refund.updated</c>.</summary>
    public sealed record Refund(string EventId, string Type, string RefundId, string Status, string? OrderId, string? LocationId, SquareMoney Amount, DateTimeOffset OccurredAt)
        : SquareEvent(EventId, Type);

    /// <summary>Any other event type (e.g. <c>customer.created</c>): acknowledged and ignored.</summary>
    public sealed record Other(string EventId, string Type) : SquareEvent(EventId, Type);

    /// <summary>
    /// Authentic JSON that is no event the connector can act on: no <c>event_id</c> (Square's v1 webhooks and their
    /// test notification), no <c>type</c>, or a known type without its object. Acknowledged and ignored with
    /// <see cref="Reason"/>; marked seen only when it has an event id (<see cref="HasEventId"/>).
    /// </summary>
    public sealed record NotActedOn(string? Id, string Type, string Reason) : SquareEvent(Id ?? string.Empty, Type)
    {
        public bool HasEventId => Id is not null;
    }
}
