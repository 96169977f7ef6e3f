namespace SevenStamp.Contracts;

/// <summary>A Smart Voucher was minted because a card reached its stamp goal.</summary>
public sealed record VoucherIssued
{
    public required string MerchantId { get; init; }

    public required Guid CardId { get; init; }

    public required Guid VoucherId { get; init; }

    /// <summary>Which completed cycle of the card this voucher rewards (1 for the first goal reached).</summary>
    public required int Cycle { get; init; }

    /// <summary>The Redeem Code shown on the voucher.</summary>
    public required string RedeemCode { get; init; }

    /// <summary>The reward, in one sentence, as the merchant configured it.</summary>
    public required string Reward { get; init; }

    public required DateTimeOffset IssuedAt { get; init; }

    /// <summary>When the voucher stops being redeemable; null for no expiry.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}
