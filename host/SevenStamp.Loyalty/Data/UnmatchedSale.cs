using SevenStamp.Contracts;

namespace SevenStamp.Loyalty.Data;

/// <summary>A sale that earned nothing because no card could be found for it; counted and visible, not an error.</summary>
public sealed class UnmatchedSale
{
    public long Id { get; set; }

    public required string MerchantId { get; set; }

    public required string ConnectorId { get; set; }

    public required string ExternalSaleId { get; set; }

    public UnmatchedReason Reason { get; set; }

    public decimal Total { get; set; }

    public required string Currency { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    public DateTimeOffset RecordedAt { get; set; }
}
