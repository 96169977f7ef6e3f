namespace SevenStamp.Loyalty.Data;

/// <summary>A merchant's stamp card program: how stamps are earned, the goal, and the voucher it unlocks.</summary>
public sealed class LoyaltyProgram
{
    public Guid Id { get; set; }

    /// <summary>One program per merchant.</summary>
    public required string MerchantId { get; set; }

    public required string Name { get; set; }

    /// <summary>Stamps needed for one voucher.</summary>
    public int StampGoal { get; set; } = 10;

    public EarningRuleKind EarningRule { get; set; } = EarningRuleKind.PerVisit;

    /// <summary><see cref="EarningRuleKind.PerVisit"/>: stamps per qualifying sale.</summary>
    public int StampsPerVisit { get; set; } = 1;

    /// <summary><see cref="EarningRuleKind.PerAmount"/>: one stamp per this much spent, in major units.</summary>
    public decimal? AmountPerStamp { get; set; }

    /// <summary><see cref="EarningRuleKind.PerItem"/>: SKUs, catalog ids or categories that earn one stamp per unit.</summary>
    public List<string> QualifyingItems { get; set; } = [];

    /// <summary>A sale below this total earns nothing; null for no minimum.</summary>
    public decimal? MinimumSpend { get; set; }

    /// <summary>The currency amounts are in; sales in another currency earn no amount-based stamps. Null accepts any.</summary>
    public string? Currency { get; set; }

    /// <summary>The reward, in one sentence, shown on the voucher.</summary>
    public required string Reward { get; set; }

    public VoucherExpiryKind VoucherExpiry { get; set; } = VoucherExpiryKind.None;

    /// <summary><see cref="VoucherExpiryKind.DaysAfterIssue"/>: days a voucher stays valid.</summary>
    public int? VoucherValidDays { get; set; }

    /// <summary><see cref="VoucherExpiryKind.FixedDate"/>: when every voucher expires.</summary>
    public DateTimeOffset? VoucherExpiresAt { get; set; }

    public RedemptionPath RedemptionPath { get; set; } = RedemptionPath.RedeemCode;

    public RedeemCodeSource CodeSource { get; set; } = RedeemCodeSource.Generated;

    /// <summary>Generated codes: the text before the random part, e.g. <c>CAFE-</c>.</summary>
    public string CodePrefix { get; set; } = string.Empty;

    /// <summary>Generated codes: how many random characters follow the prefix.</summary>
    public int CodeLength { get; set; } = 8;

    /// <summary>Customers unknown to the program get a card from their first sale; otherwise such sales are unmatched.</summary>
    public bool AutoEnroll { get; set; } = true;

    /// <summary>A voucher redeemed by a sale that is refunded in full goes back to issued.</summary>
    public bool ReinstateVoucherOnRefund { get; set; } = true;

    /// <summary>Rewards at a card's Nth qualifying visit (a sale that earned stamps), each minted once per card.</summary>
    public List<VisitMilestone> Milestones { get; set; } = [];

    /// <summary>Days before a voucher expires when the customer's pass reminds them; null for no reminder.</summary>
    public int? ExpiryReminderDays { get; set; }

    /// <summary>Days without a visit after which the customer's pass nudges them (once per inactivity period); null for none.</summary>
    public int? InactivityNudgeDays { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A reward at a card's Nth qualifying visit, beside the stamp cycle and independent of it.</summary>
public sealed record VisitMilestone
{
    /// <summary>The qualifying visit it rewards, from 1 (e.g. 5: the 5th visit).</summary>
    public int Visit { get; init; }

    /// <summary>The reward, in one sentence, shown on the voucher.</summary>
    public string Reward { get; init; } = string.Empty;

    /// <summary>Days the voucher stays valid; null for no expiry.</summary>
    public int? ValidDays { get; init; }

    public RedemptionPath RedemptionPath { get; init; } = RedemptionPath.RedeemCode;

    public RedeemCodeSource CodeSource { get; init; } = RedeemCodeSource.Generated;
}

public enum EarningRuleKind
{
    /// <summary>A fixed number of stamps per sale.</summary>
    PerVisit = 0,

    /// <summary>One stamp per <see cref="LoyaltyProgram.AmountPerStamp"/> spent.</summary>
    PerAmount = 1,

    /// <summary>One stamp per unit of a qualifying item.</summary>
    PerItem = 2,
}

public enum VoucherExpiryKind
{
    None = 0,
    FixedDate = 1,
    DaysAfterIssue = 2,
}

public enum RedemptionPath
{
    /// <summary>A sale carrying the voucher's code redeems it (the code exists in the POS as a discount); staff may scan too.</summary>
    RedeemCode = 0,

    /// <summary>Staff scan the voucher at the counter.</summary>
    StaffScan = 1,

    /// <summary>The customer redeems it from their own voucher link; staff may scan too.</summary>
    SelfRedeem = 2,
}

public enum RedeemCodeSource
{
    /// <summary>Codes are generated from an unambiguous alphabet.</summary>
    Generated = 0,

    /// <summary>Codes come from a pool the merchant imported from the POS.</summary>
    Pool = 1,
}
