namespace SevenStamp.Loyalty.Data;

/// <summary>
/// A refund as the POS reported it, unique on (merchant, connector, refund id). Stamps to take back are worked
/// out from all refunds of a sale together, so refunds apply once whatever order they and the sale arrive in.
/// </summary>
public sealed class SaleRefund
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

    public required string ExternalRefundId { get; set; }

    public required string ExternalSaleId { get; set; }

    public decimal Amount { get; set; }

    public bool IsFullRefund { get; set; }

    public DateTimeOffset OccurredAt { get; set; }
}
