namespace SevenStamp.Contracts;

/// <summary>A voucher passed its expiry date unredeemed.</summary>
public sealed record VoucherExpired
{
    public required string MerchantId { get; init; }

    public required Guid CardId { get; init; }

    public required Guid VoucherId { get; init; }

    public required DateTimeOffset ExpiredAt { get; init; }
}
