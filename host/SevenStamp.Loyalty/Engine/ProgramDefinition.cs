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
    }

    [GeneratedRegex("^[A-Z]{3}$", RegexOptions.CultureInvariant)]
    private static partial Regex CurrencyPattern();

    [GeneratedRegex("^[A-Z0-9-]{0,16}$", RegexOptions.CultureInvariant)]
    private static partial Regex PrefixPattern();
}
