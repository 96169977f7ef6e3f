namespace SevenStamp.Loyalty.Data;

/// <summary>
/// A campaign: one voucher of its reward for every card of its segment, now or at <see cref="StartAt"/>. Each card gets
/// at most one voucher of a campaign (unique on campaign and card), however often and wherever it runs.
/// </summary>
public sealed class Campaign
{
    public Guid Id { get; set; }

    public required string MerchantId { get; set; }

    public Guid ProgramId { get; set; }

    /// <summary>The owner's name for it, e.g. "Spring thank-you".</summary>
    public required string Name { get; set; }

    /// <summary>The reward, in one sentence, shown on the voucher.</summary>
    public required string Reward { get; set; }

    /// <summary>Days the voucher stays valid; null for none (or <see cref="ExpiresAt"/>).</summary>
    public int? ValidDays { get; set; }

    /// <summary>When every voucher of the campaign expires; null for none (or <see cref="ValidDays"/>).</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    public RedemptionPath RedemptionPath { get; set; } = RedemptionPath.RedeemCode;

    public RedeemCodeSource CodeSource { get; set; } = RedeemCodeSource.Generated;

    /// <summary>Generated codes: the text before the random part.</summary>
    public string CodePrefix { get; set; } = string.Empty;

    /// <summary>Which cards get a voucher.</summary>
    public CampaignSegment Segment { get; set; } = CampaignSegment.AllCards;

    /// <summary>
    /// The segment's number: days for <see cref="CampaignSegment.VisitedWithinDays"/> and
    /// <see cref="CampaignSegment.NotVisitedForDays"/>, stamps for <see cref="CampaignSegment.AtLeastStamps"/>.
    /// </summary>
    public int? SegmentValue { get; set; }

    /// <summary>When it starts; it runs at once when this is not later than its creation.</summary>
    public DateTimeOffset StartAt { get; set; }

    public CampaignState State { get; set; } = CampaignState.Scheduled;

    /// <summary>Who created it (a person, key or "operator").</summary>
    public string? CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    public DateTimeOffset? CancelledAt { get; set; }

    /// <summary>Cards in the segment when it started.</summary>
    public int CardsInSegment { get; set; }

    /// <summary>Vouchers it has issued so far.</summary>
    public int VouchersIssued { get; set; }

    /// <summary>Cards of the segment left without a voucher because the campaign's pool ran out of codes.</summary>
    public int PoolShortfall { get; set; }

    /// <summary>The replica running it now, and until when its claim holds; another replica takes over after that.</summary>
    public string? LockedBy { get; set; }

    public DateTimeOffset? LockedUntil { get; set; }
}

/// <summary>A card named by a campaign's list (the <see cref="CampaignSegment.CardList"/> segment).</summary>
public sealed class CampaignCard
{
    public Guid CampaignId { get; set; }

    public Guid CardId { get; set; }
}

public enum CampaignSegment
{
    /// <summary>Every card of the program.</summary>
    AllCards = 0,

    /// <summary>Cards with a qualifying visit in the last <see cref="Campaign.SegmentValue"/> days.</summary>
    VisitedWithinDays = 1,

    /// <summary>Cards with no qualifying visit for <see cref="Campaign.SegmentValue"/> days (never counts as not visited since the card was made).</summary>
    NotVisitedForDays = 2,

    /// <summary>Cards holding at least <see cref="Campaign.SegmentValue"/> stamps toward the next voucher.</summary>
    AtLeastStamps = 3,

    /// <summary>Cards whose customer gave a birthday in the month the campaign runs.</summary>
    BirthdayThisMonth = 4,

    /// <summary>The cards listed when it was created (a CSV of card ids).</summary>
    CardList = 5,
}

public enum CampaignState
{
    Scheduled = 0,
    Running = 1,
    Completed = 2,
    Cancelled = 3,
}
