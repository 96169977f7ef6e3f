using SevenStamp.Contracts;

namespace SevenStamp.Connectors.Webhook;

/// <summary>A parsed webhook body.</summary>
internal abstract record SevenStampEvent(string EventId)
{
    public sealed record Sale(string EventId, SaleCompleted Record) : SevenStampEvent(EventId);

    public sealed record Refund(string EventId, SaleRefunded Record) : SevenStampEvent(EventId);

    public sealed record Other(string EventId, string Type) : SevenStampEvent(EventId);
}
