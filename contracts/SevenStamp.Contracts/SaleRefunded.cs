namespace SevenStamp.Contracts;

/// <summary>A completed sale was refunded, in full or in part.</summary>
public sealed record SaleRefunded
{
    /// <summary>The merchant that owns the connector instance. Set by the host.</summary>
    public required string MerchantId { get; init; }

    /// <summary>The connector instance the refund came through. Set by the host.</summary>
    public required string ConnectorId { get; init; }

    /// <summary>The point-of-sale system, as <see cref="SaleCompleted.SourceSystem"/>; the refunded sale is looked up under it.</summary>
    public string? SourceSystem { get; init; }

    /// <summary>The refund's own id in the POS; refunds are keyed on it.</summary>
    public required string ExternalRefundId { get; init; }

    /// <summary>The id of the sale being refunded, as in <see cref="SaleCompleted.ExternalSaleId"/>.</summary>
    public required string ExternalSaleId { get; init; }

    /// <summary>The id of the POS event that carried the refund.</summary>
    public string? SourceEventId { get; init; }

    /// <summary>When the refund happened at the POS.</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>ISO 4217 currency code, upper case.</summary>
    public required string Currency { get; init; }

    /// <summary>The amount given back, in major units of <see cref="Currency"/>.</summary>
    public required decimal Amount { get; init; }

    /// <summary>True when the whole sale was refunded; false for a partial refund.</summary>
    public required bool IsFullRefund { get; init; }
}
