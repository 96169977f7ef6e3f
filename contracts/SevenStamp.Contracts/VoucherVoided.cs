namespace SevenStamp.Contracts;

/// <summary>The merchant voided an unredeemed voucher; it can no longer be redeemed.</summary>
public sealed record VoucherVoided
{
    public required string MerchantId { get; init; }

    public required Guid CardId { get; init; }

    public required Guid VoucherId { get; init; }

    /// <summary>Why, as the merchant wrote it.</summary>
    public string? Reason { get; init; }

    public required DateTimeOffset VoidedAt { get; init; }
}
