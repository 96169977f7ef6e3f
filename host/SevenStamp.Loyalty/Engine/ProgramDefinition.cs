using System.Text.RegularExpressions;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// A program as a merchant writes it, in configuration (<c>SevenStamp:Programs</c>) or through the API.
/// <see cref="Validate"/> names each field at fault and how to fix it.
/// </summary>
public sealed partial class ProgramDefinition
{
    public string? MerchantId { get; set; }

    public string? Name { get; set; }

    public int StampGoal { get; set; } = 10;

    public EarningRuleKind EarningRule { get; set; } = EarningRuleKind.PerVisit;

    public int StampsPerVisit { get; set; } = 1;

    public decimal? AmountPerStamp { get; set; }

    public List<string> QualifyingItems { get; set; } = [];

    public decimal? MinimumSpend { get; set; }

    public string? Currency { get; set; }

    public string? Reward { get; set; }

    public VoucherExpiryKind VoucherExpiry { get; set; } = VoucherExpiryKind.None;

    public int? VoucherValidDays { get; set; }

    public DateTimeOffset? VoucherExpiresAt { get; set; }

    public RedemptionPath RedemptionPath { get; set; } = RedemptionPath.RedeemCode;

    public RedeemCodeSource CodeSource { get; set; } = RedeemCodeSource.Generated;

    public string CodePrefix { get; set; } = string.Empty;

    public int CodeLength { get; set; } = 8;

    public bool AutoEnroll { get; set; } = true;

    public bool ReinstateVoucherOnRefund { get; set; } = true;

    /// <summary>Rewards at a card's Nth qualifying visit; null (left out) keeps the program's, an empty list removes them.</summary>
    public List<VisitMilestone>? Milestones { get; set; }

    /// <summary>Days before a voucher expires when the pass reminds the customer; 0 turns reminders off; null (left out) keeps the program's.</summary>
    public int? ExpiryReminderDays { get; set; }

    /// <summary>Days without a visit after which the pass nudges the customer; 0 turns nudges off; null (left out) keeps the program's.</summary>
    public int? InactivityNudgeDays { get; set; }

    /// <summary>The most milestones a program may have.</summary>
    public const int MaxMilestones = 20;

    /// <summary>
    /// Every problem, as (field, message); empty when the definition is valid. The one validation of a program: the
    /// API, the configuration's programs and the store all call it. <paramref name="now"/> is the time it is written
    /// at: a fixed expiry date already past would mint every voucher expired.
    /// </summary>
    public IReadOnlyList<(string Field, string Message)> Validate(DateTimeOffset now)
    {
        var errors = new List<(string, string)>();
        void Error(string field, string message) => errors.Add((field, message));

        if (string.IsNullOrWhiteSpace(MerchantId) || MerchantId.Length > LoyaltyDbContext.IdLength)
        {
            Error(nameof(MerchantId), $"is required: the merchant id your connectors use (at most {LoyaltyDbContext.IdLength} characters)");
        }

        if (string.IsNullOrWhiteSpace(Name) || Name.Length > LoyaltyDbContext.TextLength)
        {
            Error(nameof(Name), "is required: the program's name as customers see it, e.g. \"Coffee card\"");
        }

        if (string.IsNullOrWhiteSpace(Reward) || Reward.Length > LoyaltyDbContext.TextLength)
        {
            Error(nameof(Reward), "is required: the reward in one sentence, e.g. \"A free coffee of your choice\"");
        }

        if (StampGoal is < 1 or > 1000)
        {
            Error(nameof(StampGoal), "must be between 1 and 1000 stamps");
        }

        switch (EarningRule)
        {
            case EarningRuleKind.PerVisit when StampsPerVisit is < 1 or > 100:
                Error(nameof(StampsPerVisit), "must be between 1 and 100 for the PerVisit rule");
                break;
            case EarningRuleKind.PerAmount when AmountPerStamp is not > 0:
                Error(nameof(AmountPerStamp), "is required for the PerAmount rule: the amount spent per stamp, e.g. 5.00");
                break;
            case EarningRuleKind.PerItem when QualifyingItems.Count == 0 || QualifyingItems.Any(string.IsNullOrWhiteSpace):
                Error(nameof(QualifyingItems), "is required for the PerItem rule: the SKUs, catalog ids or categories that earn a stamp each, e.g. [\"Coffee\"]");
                break;
        }

        if (MinimumSpend is < 0)
        {
            Error(nameof(MinimumSpend), "must not be negative");
        }

        if (Currency is not null && !CurrencyPattern().IsMatch(Currency))
        {
            Error(nameof(Currency), "must be a three-letter ISO 4217 code in capitals, e.g. EUR");
        }

        if (VoucherExpiry == VoucherExpiryKind.DaysAfterIssue && VoucherValidDays is not (>= 1 and <= 3650))
        {
            Error(nameof(VoucherValidDays), "is required for DaysAfterIssue expiry: between 1 and 3650 days");
        }

        if (VoucherExpiry == VoucherExpiryKind.FixedDate && VoucherExpiresAt is null)
        {
            Error(nameof(VoucherExpiresAt), "is required for FixedDate expiry, e.g. 2027-03-31T23:59:59Z");
        }
        else if (VoucherExpiry == VoucherExpiryKind.FixedDate && VoucherExpiresAt <= now)
        {
            Error(nameof(VoucherExpiresAt), $"is {VoucherExpiresAt.Value.ToUniversalTime():yyyy-MM-ddTHH:mm:ssZ}, which has passed: every voucher would be issued expired. Give a later date, or use DaysAfterIssue expiry");
        }

        if (!PrefixPattern().IsMatch(CodePrefix))
        {
            Error(nameof(CodePrefix), "may hold capital letters, digits and dashes only, at most 16, e.g. \"CAFE-\"");
        }

        if (CodeLength is < 4 or > 32)
        {
            Error(nameof(CodeLength), "must be between 4 and 32 characters");
        }

        if (Milestones is { } milestones)
        {
            if (milestones.Count > MaxMilestones)
            {
                Error(nameof(Milestones), $"may hold at most {MaxMilestones} milestones");
            }

            for (var i = 0; i < milestones.Count; i++)
            {
                var milestone = milestones[i];
                var field = $"{nameof(Milestones)}[{i}]";
                if (milestone is null)
                {
                    Error(field, "is empty: give each milestone a visit and a reward, e.g. {\"visit\": 5, \"reward\": \"A free pastry\"}");
                    continue;
                }

                if (milestone.Visit is < 1 or > 10000)
                {
                    Error($"{field}.Visit", "must be between 1 and 10000: the qualifying visit it rewards, e.g. 5 for the 5th visit");
                }
                else if (milestones.Take(i).Any(m => m?.Visit == milestone.Visit))
                {
                    Error($"{field}.Visit", $"repeats visit {milestone.Visit}: each visit may have one milestone");
                }

                if (string.IsNullOrWhiteSpace(milestone.Reward) || milestone.Reward.Length > LoyaltyDbContext.TextLength)
                {
                    Error($"{field}.Reward", "is required: the reward in one sentence, e.g. \"A free pastry\"");
                }

                if (milestone.ValidDays is not null and not (>= 1 and <= 3650))
                {
                    Error($"{field}.ValidDays", "must be between 1 and 3650 days, or left out for no expiry");
                }
            }
        }

        if (ExpiryReminderDays is < 0 or > 365)
        {
            Error(nameof(ExpiryReminderDays), "must be between 1 and 365 days before expiry, or 0 for no reminder");
        }

        if (InactivityNudgeDays is < 0 or > 3650)
        {
            Error(nameof(InactivityNudgeDays), "must be between 1 and 3650 days without a visit, or 0 for no nudge");
        }

        return errors;
    }

    /// <summary>Copies the definition onto <paramref name="program"/> (a valid definition only).</summary>
    public void ApplyTo(LoyaltyProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        program.Name = Name!.Trim();
        program.StampGoal = StampGoal;
        program.EarningRule = EarningRule;
        program.StampsPerVisit = StampsPerVisit;
        program.AmountPerStamp = AmountPerStamp;
        program.QualifyingItems = [.. QualifyingItems.Select(i => i.Trim())];
        program.MinimumSpend = MinimumSpend;
        program.Currency = Currency;
        program.Reward = Reward!.Trim();
        program.VoucherExpiry = VoucherExpiry;
        program.VoucherValidDays = VoucherValidDays;
        program.VoucherExpiresAt = VoucherExpiresAt?.ToUniversalTime();
        program.RedemptionPath = RedemptionPath;
        program.CodeSource = CodeSource;
        program.CodePrefix = CodePrefix;
        program.CodeLength = CodeLength;
        program.AutoEnroll = AutoEnroll;
        program.ReinstateVoucherOnRefund = ReinstateVoucherOnRefund;
        if (Milestones is { } milestones)
        {
            program.Milestones = [.. milestones.Select(m => m with { Reward = m.Reward.Trim() }).OrderBy(m => m.Visit)];
        }

        if (ExpiryReminderDays is { } reminder)
        {
            program.ExpiryReminderDays = reminder == 0 ? null : reminder;
        }

        if (InactivityNudgeDays is { } nudge)
        {
            program.InactivityNudgeDays = nudge == 0 ? null : nudge;
        }
    }

    [GeneratedRegex("^[A-Z]{3}$", RegexOptions.CultureInvariant)]
    private static partial Regex CurrencyPattern();

    [GeneratedRegex("^[A-Z0-9-]{0,16}$", RegexOptions.CultureInvariant)]
    private static partial Regex PrefixPattern();
}
