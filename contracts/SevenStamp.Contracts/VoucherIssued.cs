namespace SevenStamp.Contracts;

/// <summary>A Smart Voucher was minted: a card reached its stamp goal or a visit milestone, or a campaign sent it.</summary>
public sealed record VoucherIssued
{
    public required string MerchantId { get; init; }

    public required Guid CardId { get; init; }

    public required Guid VoucherId { get; init; }

    /// <summary>Which completed cycle of the card this voucher rewards (1 for the first goal reached); 0 when not a stamp goal's.</summary>
    public required int Cycle { get; init; }

    /// <summary>Why it was minted: <c>goal</c> (the default), <c>milestone</c> or <c>campaign</c>.</summary>
    public string Kind { get; init; } = "goal";

    /// <summary>A milestone's voucher: the qualifying visit it rewards.</summary>
    public int? MilestoneVisit { get; init; }

    /// <summary>A campaign's voucher: the campaign.</summary>
    public Guid? CampaignId { get; init; }

    /// <summary>The Redeem Code shown on the voucher.</summary>
    public required string RedeemCode { get; init; }

    /// <summary>The reward, in one sentence, as the merchant configured it.</summary>
    public required string Reward { get; init; }

    public required DateTimeOffset IssuedAt { get; init; }

    /// <summary>When the voucher stops being redeemable; null for no expiry.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}
