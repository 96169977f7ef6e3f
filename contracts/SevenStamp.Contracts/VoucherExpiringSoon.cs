namespace SevenStamp.Contracts;

/// <summary>
/// A voucher is about to expire: its program reminds customers this many days before, and the wallet pass now says so
/// (sent once per voucher).
/// </summary>
public sealed record VoucherExpiringSoon
{
    public required string MerchantId { get; init; }

    public required Guid CardId { get; init; }

    public required Guid VoucherId { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    public required DateTimeOffset RemindedAt { get; init; }
}
