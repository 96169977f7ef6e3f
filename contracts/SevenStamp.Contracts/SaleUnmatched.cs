namespace SevenStamp.Contracts;

/// <summary>A sale was recorded but awarded nothing because no card could be found for it. Not an error.</summary>
public sealed record SaleUnmatched
{
    public required string MerchantId { get; init; }

    public required string ConnectorId { get; init; }

    public required string ExternalSaleId { get; init; }

    public required UnmatchedReason Reason { get; init; }

    public required DateTimeOffset OccurredAt { get; init; }
}
