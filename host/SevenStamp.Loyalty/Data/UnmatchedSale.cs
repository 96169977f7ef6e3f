using SevenStamp.Contracts;

namespace SevenStamp.Loyalty.Data;

/// <summary>A sale that earned nothing because no card could be found for it; counted and visible, not an error.</summary>
public sealed class UnmatchedSale
{
    public long Id { get; set; }

    public required string MerchantId { get; set; }

    /// <summary>
    /// The point-of-sale system the sale came from (<see cref="SevenStamp.Contracts.SaleCompleted.SourceSystem"/>; the
    /// connector id for sales of connectors that name none). Part of the key, so a sale reaching the host by two
    /// connectors of the same till counts once.
    /// </summary>
    public required string SourceSystem { get; set; }

    /// <summary>The connector instance that delivered it (the first to, when several see the same till).</summary>
    public required string ConnectorId { get; set; }

    public required string ExternalSaleId { get; set; }

    public UnmatchedReason Reason { get; set; }

    public decimal Total { get; set; }

    public required string Currency { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    public DateTimeOffset RecordedAt { get; set; }
}
