namespace SevenStamp.Loyalty.Data;

/// <summary>
/// A refund as the POS reported it, unique on (merchant, connector, refund id). Stamps to take back are worked
/// out from all refunds of a sale together, so refunds apply once whatever order they and the sale arrive in.
/// </summary>
public sealed class SaleRefund
{
    public long Id { get; set; }

    public required string MerchantId { get; set; }

    public required string ConnectorId { get; set; }

    public required string ExternalRefundId { get; set; }

    public required string ExternalSaleId { get; set; }

    public decimal Amount { get; set; }

    public bool IsFullRefund { get; set; }

    public DateTimeOffset OccurredAt { get; set; }
}
