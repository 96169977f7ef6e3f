namespace SevenStamp.Contracts;

/// <summary>A voucher went back to issued because the sale that redeemed it was refunded.</summary>
public sealed record VoucherReinstated
{
    public required string MerchantId { get; init; }

    public required Guid CardId { get; init; }

    public required Guid VoucherId { get; init; }

    /// <summary>The refunded sale that had redeemed it.</summary>
    public required string ExternalSaleId { get; init; }

    public required DateTimeOffset ReinstatedAt { get; init; }
}
