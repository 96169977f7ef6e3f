namespace SevenStamp.Loyalty.Data;

/// <summary>A Redeem Code the merchant created in the POS and imported; assigned to at most one voucher.</summary>
public sealed class PoolCode
{
    public long Id { get; set; }

    public Guid ProgramId { get; set; }

    public required string MerchantId { get; set; }

    /// <summary>
    /// The pool it belongs to: <see cref="GoalPool"/> for the stamp goal's vouchers, <c>milestone:N</c> for the
    /// milestone of the Nth visit, <c>campaign:{id}</c> for a campaign's.
    /// </summary>
    public string Pool { get; set; } = GoalPool;

    public required string Code { get; set; }

    public required string NormalizedCode { get; set; }

    /// <summary>The voucher it went to; null while unused.</summary>
    public Guid? VoucherId { get; set; }

    public DateTimeOffset ImportedAt { get; set; }

    /// <summary>The pool of the stamp goal's vouchers.</summary>
    public const string GoalPool = "";

    /// <summary>The pool of a visit milestone's vouchers.</summary>
    public static string MilestonePool(int visit) => "milestone:" + visit.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The pool of a campaign's vouchers.</summary>
    public static string CampaignPool(Guid campaignId) => "campaign:" + campaignId.ToString("N");
}
