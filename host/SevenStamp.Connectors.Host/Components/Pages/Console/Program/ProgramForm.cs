using System.Globalization;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Engine;

namespace SevenStamp.Connectors.Host.Components.Pages.Console.Program;

/// <summary>
/// The program form as the browser posts it: numbers and dates as typed (a field that is not a number gets its own
/// error), the rest as the <see cref="ProgramDefinition"/> the API takes, which validates it.
/// </summary>
public sealed class ProgramForm
{
    public string? Name { get; set; }

    public string? StampGoal { get; set; }

    public EarningRuleKind EarningRule { get; set; }

    public string? StampsPerVisit { get; set; }

    public string? AmountPerStamp { get; set; }

    /// <summary>One item per line.</summary>
    public string? QualifyingItems { get; set; }

    public string? MinimumSpend { get; set; }

    public string? Currency { get; set; }

    public string? Reward { get; set; }

    public VoucherExpiryKind VoucherExpiry { get; set; }

    public string? VoucherValidDays { get; set; }

    /// <summary>The day (yyyy-MM-dd) vouchers expire at the end of, in UTC.</summary>
    public string? VoucherExpiresAt { get; set; }

    public RedemptionPath RedemptionPath { get; set; }

    public RedeemCodeSource CodeSource { get; set; }

    public string? CodePrefix { get; set; }

    public string? CodeLength { get; set; }

    // False unless posted: a checkbox left unticked posts nothing.
    public bool AutoEnroll { get; set; }

    public bool ReinstateVoucherOnRefund { get; set; }

    /// <summary>The visit milestones, one row each, and empty rows to add more; an empty row is left out.</summary>
    public List<MilestoneRow> Milestones { get; set; } = [];

    /// <summary>Days before expiry to remind; empty for no reminder.</summary>
    public string? ExpiryReminderDays { get; set; }

    /// <summary>Days without a visit before the invitation back; empty for none.</summary>
    public string? InactivityNudgeDays { get; set; }

    /// <summary>Empty milestone rows the form offers beside the program's own.</summary>
    public const int EmptyMilestoneRows = 2;

    // The form row of each milestone of the last definition made, so the store's errors land on their row.
    private List<int> _milestoneRows = [];

    /// <summary>
    /// A field name of the definition (e.g. <c>Milestones[0].Reward</c>) as the form names it: the milestones left
    /// out as empty rows shift the definition's indexes.
    /// </summary>
    public string FormField(string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        const string prefix = nameof(Milestones) + "[";
        if (!field.StartsWith(prefix, StringComparison.Ordinal))
        {
            return field;
        }

        var close = field.IndexOf(']', StringComparison.Ordinal);
        return close > prefix.Length && int.TryParse(field.AsSpan(prefix.Length, close - prefix.Length), NumberStyles.Integer, CultureInfo.InvariantCulture, out var index) && index < _milestoneRows.Count
            ? string.Concat(prefix, _milestoneRows[index].ToString(CultureInfo.InvariantCulture), field.AsSpan(close))
            : field;
    }

    /// <summary>A new program's form: the definition's defaults.</summary>
    public static ProgramForm Defaults()
    {
        var definition = new ProgramDefinition();
        return new ProgramForm
        {
            StampGoal = Number(definition.StampGoal),
            EarningRule = definition.EarningRule,
            StampsPerVisit = Number(definition.StampsPerVisit),
            VoucherExpiry = definition.VoucherExpiry,
            RedemptionPath = definition.RedemptionPath,
            CodeSource = definition.CodeSource,
            CodePrefix = definition.CodePrefix,
            CodeLength = Number(definition.CodeLength),
            AutoEnroll = definition.AutoEnroll,
            ReinstateVoucherOnRefund = definition.ReinstateVoucherOnRefund,
            Milestones = [.. Enumerable.Range(0, EmptyMilestoneRows + 1).Select(_ => new MilestoneRow())],
        };
    }

    public static ProgramForm From(LoyaltyProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        return new ProgramForm
        {
            Name = program.Name,
            StampGoal = Number(program.StampGoal),
            EarningRule = program.EarningRule,
            StampsPerVisit = Number(program.StampsPerVisit),
            AmountPerStamp = program.AmountPerStamp?.ToString(CultureInfo.InvariantCulture),
            QualifyingItems = string.Join('\n', program.QualifyingItems),
            MinimumSpend = program.MinimumSpend?.ToString(CultureInfo.InvariantCulture),
            Currency = program.Currency,
            Reward = program.Reward,
            VoucherExpiry = program.VoucherExpiry,
            VoucherValidDays = program.VoucherValidDays is { } days ? Number(days) : null,
            VoucherExpiresAt = program.VoucherExpiresAt?.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            RedemptionPath = program.RedemptionPath,
            CodeSource = program.CodeSource,
            CodePrefix = program.CodePrefix,
            CodeLength = Number(program.CodeLength),
            AutoEnroll = program.AutoEnroll,
            ReinstateVoucherOnRefund = program.ReinstateVoucherOnRefund,
            Milestones = [.. program.Milestones.Select(MilestoneRow.From), .. Enumerable.Range(0, EmptyMilestoneRows).Select(_ => new MilestoneRow())],
            ExpiryReminderDays = program.ExpiryReminderDays is { } reminder ? Number(reminder) : null,
            InactivityNudgeDays = program.InactivityNudgeDays is { } nudge ? Number(nudge) : null,
        };
    }

    /// <summary>
    /// The definition the form describes, for <see cref="ProgramDefinition.Validate"/>; or the fields that are not
    /// numbers or dates at all. An empty optional number is left out; an empty number the program always has keeps the
    /// default, except the stamp goal, which the merchant must give.
    /// </summary>
    public (ProgramDefinition Definition, IReadOnlyList<SettingError> Errors) ToDefinition(string merchantId)
    {
        var errors = new List<SettingError>();
        var definition = new ProgramDefinition
        {
            MerchantId = merchantId,
            Name = Name?.Trim(),
            EarningRule = EarningRule,
            QualifyingItems = [.. (QualifyingItems ?? string.Empty).Split('\n').Select(i => i.Trim()).Where(i => i.Length > 0)],
            Currency = string.IsNullOrWhiteSpace(Currency) ? null : Currency.Trim().ToUpperInvariant(),
            Reward = Reward?.Trim(),
            VoucherExpiry = VoucherExpiry,
            RedemptionPath = RedemptionPath,
            CodeSource = CodeSource,
            CodePrefix = (CodePrefix ?? string.Empty).Trim().ToUpperInvariant(),
            AutoEnroll = AutoEnroll,
            ReinstateVoucherOnRefund = ReinstateVoucherOnRefund,
        };

        if (string.IsNullOrWhiteSpace(StampGoal))
        {
            errors.Add(new(nameof(StampGoal), "is required: how many stamps earn the reward, e.g. 10"));
        }
        else
        {
            definition.StampGoal = Whole(nameof(StampGoal), StampGoal, errors) ?? definition.StampGoal;
        }

        definition.StampsPerVisit = Whole(nameof(StampsPerVisit), StampsPerVisit, errors) ?? definition.StampsPerVisit;
        definition.AmountPerStamp = Amount(nameof(AmountPerStamp), AmountPerStamp, errors);
        definition.MinimumSpend = Amount(nameof(MinimumSpend), MinimumSpend, errors);
        definition.VoucherValidDays = Whole(nameof(VoucherValidDays), VoucherValidDays, errors);
        definition.CodeLength = Whole(nameof(CodeLength), CodeLength, errors) ?? definition.CodeLength;
        if (!string.IsNullOrWhiteSpace(VoucherExpiresAt))
        {
            if (DateOnly.TryParseExact(VoucherExpiresAt.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                definition.VoucherExpiresAt = new DateTimeOffset(day.ToDateTime(new TimeOnly(23, 59, 59)), TimeSpan.Zero);
            }
            else
            {
                errors.Add(new(nameof(VoucherExpiresAt), "is not a date; pick one, e.g. 2027-03-31"));
            }
        }

        definition.ExpiryReminderDays = Whole(nameof(ExpiryReminderDays), ExpiryReminderDays, errors) ?? 0;
        definition.InactivityNudgeDays = Whole(nameof(InactivityNudgeDays), InactivityNudgeDays, errors) ?? 0;
        definition.Milestones = [];
        _milestoneRows = [];
        for (var row = 0; row < Milestones.Count; row++)
        {
            var milestone = Milestones[row];
            if (milestone.IsEmpty)
            {
                continue;
            }

            var field = $"{nameof(Milestones)}[{row.ToString(CultureInfo.InvariantCulture)}]";
            var visit = Whole($"{field}.{nameof(MilestoneRow.Visit)}", milestone.Visit, errors);
            var days = Whole($"{field}.{nameof(MilestoneRow.ValidDays)}", milestone.ValidDays, errors);
            _milestoneRows.Add(row);
            definition.Milestones.Add(new VisitMilestone
            {
                Visit = visit ?? 0,
                Reward = milestone.Reward?.Trim() ?? string.Empty,
                ValidDays = days,
                RedemptionPath = milestone.RedemptionPath ?? RedemptionPath,
                CodeSource = milestone.CodeSource ?? RedeemCodeSource.Generated,
            });
        }

        return (definition, errors);
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static int? Whole(string field, string? text, List<SettingError> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        errors.Add(new(field, "is not a whole number; type digits only, e.g. 10"));
        return null;
    }

    private static decimal? Amount(string field, string? text, List<SettingError> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (decimal.TryParse(text.Trim(), NumberStyles.Number, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        errors.Add(new(field, "is not an amount; type digits with a point for cents, e.g. 5.00"));
        return null;
    }
}

/// <summary>
/// One visit milestone as the form shows it. Its redemption path and code source are kept as they were (the API sets
/// them); a new row takes the program's path and generated codes.
/// </summary>
public sealed class MilestoneRow
{
    public string? Visit { get; set; }

    public string? Reward { get; set; }

    public string? ValidDays { get; set; }

    public RedemptionPath? RedemptionPath { get; set; }

    public RedeemCodeSource? CodeSource { get; set; }

    public bool IsEmpty => string.IsNullOrWhiteSpace(Visit) && string.IsNullOrWhiteSpace(Reward) && string.IsNullOrWhiteSpace(ValidDays);

    public static MilestoneRow From(VisitMilestone milestone)
    {
        ArgumentNullException.ThrowIfNull(milestone);
        return new MilestoneRow
        {
            Visit = milestone.Visit.ToString(CultureInfo.InvariantCulture),
            Reward = milestone.Reward,
            ValidDays = milestone.ValidDays?.ToString(CultureInfo.InvariantCulture),
            RedemptionPath = milestone.RedemptionPath,
            CodeSource = milestone.CodeSource,
        };
    }
}
