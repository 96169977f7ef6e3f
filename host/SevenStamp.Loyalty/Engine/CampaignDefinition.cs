using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// A campaign as an owner or manager writes it, through the API or the console: one voucher of <see cref="Reward"/> for
/// every card of a segment, now or at <see cref="StartAt"/>. <see cref="Validate"/> names each field at fault (in the
/// API's camelCase) and how to fix it.
/// </summary>
public sealed partial class CampaignDefinition
{
    /// <summary>The most cards a list may name.</summary>
    public const int MaxListedCards = 100_000;

    /// <summary>How far ahead a campaign may be scheduled.</summary>
    public static readonly TimeSpan MaxScheduleAhead = TimeSpan.FromDays(366);

    /// <summary>The owner's name for it, e.g. "Spring thank-you".</summary>
    public string? Name { get; set; }

    /// <summary>The reward in one sentence, shown on the voucher.</summary>
    public string? Reward { get; set; }

    /// <summary>Days each voucher stays valid after it is issued; leave out (with <see cref="ExpiresAt"/>) for no expiry.</summary>
    public int? ValidDays { get; set; }

    /// <summary>When every voucher of the campaign expires; leave out (with <see cref="ValidDays"/>) for no expiry.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    public RedemptionPath RedemptionPath { get; set; } = RedemptionPath.RedeemCode;

    public RedeemCodeSource CodeSource { get; set; } = RedeemCodeSource.Generated;

    /// <summary>Generated codes: the text before the random part; empty for the program's prefix.</summary>
    public string? CodePrefix { get; set; }

    public CampaignSegment Segment { get; set; } = CampaignSegment.AllCards;

    /// <summary>Days for the two visit segments, stamps for <see cref="CampaignSegment.AtLeastStamps"/>.</summary>
    public int? SegmentValue { get; set; }

    /// <summary>When it starts; null (or a time already past) for now.</summary>
    public DateTimeOffset? StartAt { get; set; }

    /// <summary>The <see cref="CampaignSegment.CardList"/> segment: the card ids.</summary>
    public List<string>? CardIds { get; set; }

    /// <summary>
    /// The <see cref="CampaignSegment.CardList"/> segment as a CSV file instead of <see cref="CardIds"/>: one card id per
    /// line, or the ids in the first column (a header row such as <c>card_id</c> is skipped).
    /// </summary>
    public string? CardListCsv { get; set; }

    /// <summary>
    /// Every problem of the fields that need no database, as (field, message); empty when valid. <paramref name="now"/>
    /// is the time it is written at. The card list's ids are read by <see cref="ReadCardList"/> and checked against the
    /// merchant's cards by the service.
    /// </summary>
    public IReadOnlyList<SettingError> Validate(DateTimeOffset now)
    {
        var errors = new List<SettingError>();
        void Error(string field, string message) => errors.Add(new SettingError(field, message));

        if (string.IsNullOrWhiteSpace(Name) || Name.Trim().Length > 200)
        {
            Error("name", "is required: your name for the campaign (at most 200 characters), e.g. \"Spring thank-you\"");
        }

        if (string.IsNullOrWhiteSpace(Reward) || Reward.Trim().Length > LoyaltyDbContext.TextLength)
        {
            Error("reward", $"is required: the reward in one sentence (at most {LoyaltyDbContext.TextLength} characters), e.g. \"A free cinnamon bun\"");
        }

        if (ValidDays is not null && ExpiresAt is not null)
        {
            Error("expiresAt", "give either validDays or expiresAt, not both");
        }
        else if (ValidDays is not null and not (>= 1 and <= 3650))
        {
            Error("validDays", "must be between 1 and 3650 days, or left out for no expiry");
        }

        var start = StartAt is { } at && at > now ? at : now;
        if (ExpiresAt is { } expires && ValidDays is null && expires <= start)
        {
            Error("expiresAt", $"is {Instant(expires)}, not after the campaign starts ({Instant(start)}): every voucher would be issued expired. Give a later date, or validDays");
        }

        if (StartAt is { } later && later - now > MaxScheduleAhead)
        {
            Error("startAt", $"is more than {MaxScheduleAhead.TotalDays:0} days ahead; schedule it within a year");
        }

        if (!Enum.IsDefined(RedemptionPath))
        {
            Error("redemptionPath", "must be RedeemCode, StaffScan or SelfRedeem");
        }

        if (!Enum.IsDefined(CodeSource))
        {
            Error("codeSource", "must be Generated or Pool");
        }

        if (CodePrefix is { Length: > 0 } prefix && !PrefixPattern().IsMatch(prefix))
        {
            Error("codePrefix", "may hold capital letters, digits and dashes only, at most 16, e.g. \"SPRING-\"");
        }

        switch (Segment)
        {
            case CampaignSegment.AllCards or CampaignSegment.BirthdayThisMonth:
                break;
            case CampaignSegment.VisitedWithinDays or CampaignSegment.NotVisitedForDays when SegmentValue is not (>= 1 and <= 3650):
                Error("segmentValue", $"is required for the {Segment} segment: the number of days, between 1 and 3650");
                break;
            case CampaignSegment.AtLeastStamps when SegmentValue is not (>= 1 and <= 1000):
                Error("segmentValue", "is required for the AtLeastStamps segment: the stamps a card holds toward its next voucher, between 1 and 1000");
                break;
            case CampaignSegment.CardList when CardIds is not { Count: > 0 } && string.IsNullOrWhiteSpace(CardListCsv):
                Error("cardIds", "is required for the CardList segment: the card ids, in a JSON array or a CSV file with one id per line");
                break;
            case CampaignSegment.CardList when CardIds is { Count: > 0 } && !string.IsNullOrWhiteSpace(CardListCsv):
                Error("cardIds", "give either cardIds or cardListCsv, not both");
                break;
            case CampaignSegment.VisitedWithinDays or CampaignSegment.NotVisitedForDays or CampaignSegment.AtLeastStamps or CampaignSegment.CardList:
                break;
            default:
                Error("segment", "must be AllCards, VisitedWithinDays, NotVisitedForDays, AtLeastStamps, BirthdayThisMonth or CardList");
                break;
        }

        return errors;
    }

    /// <summary>
    /// The card list's ids, each with where it was given (<c>line 3</c> of the CSV, <c>cardIds[2]</c> of the array), and
    /// the entries that are no card id at all. Repeated ids count once.
    /// </summary>
    public (IReadOnlyList<(string Where, Guid CardId)> Cards, IReadOnlyList<string> Problems) ReadCardList()
    {
        var entries = new List<(string Where, string Raw)>();
        if (CardIds is { Count: > 0 } ids)
        {
            entries.AddRange(ids.Select((id, i) => (string.Create(CultureInfo.InvariantCulture, $"cardIds[{i}]"), id ?? string.Empty)));
        }
        else if (CardListCsv is { } csv)
        {
            var lines = csv.TrimStart('\uFEFF').Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var cell = FirstCell(lines[i].TrimEnd('\r')).Trim();
                if (cell.Length == 0 || (i == 0 && !Guid.TryParse(cell, out _) && HeaderPattern().IsMatch(cell)))
                {
                    continue;
                }

                entries.Add((string.Create(CultureInfo.InvariantCulture, $"line {i + 1}"), cell));
            }
        }

        var cards = new List<(string, Guid)>();
        var seen = new HashSet<Guid>();
        var problems = new List<string>();
        foreach (var (where, raw) in entries)
        {
            if (!Guid.TryParse(raw.Trim(), out var id))
            {
                problems.Add($"{where}: \"{Shorten(raw.Trim())}\" is not a card id; card ids look like 3f2b8c1e-5d4a-4b6e-9f10-2a7c3e8d9b41");
            }
            else if (seen.Add(id))
            {
                cards.Add((where, id));
            }
        }

        if (entries.Count == 0)
        {
            problems.Add("the list has no card ids");
        }
        else if (cards.Count > MaxListedCards)
        {
            problems.Add($"the list names {cards.Count} cards; at most {MaxListedCards} may be sent at once, so split it into two campaigns");
        }

        return (cards, problems);
    }

    /// <summary>The name, reward and prefix trimmed, as stored.</summary>
    internal Campaign ToCampaign(string merchantId, Guid programId, string? createdBy, DateTimeOffset now) => new()
    {
        Id = Guid.NewGuid(),
        MerchantId = merchantId,
        ProgramId = programId,
        Name = Name!.Trim(),
        Reward = Reward!.Trim(),
        ValidDays = ValidDays,
        ExpiresAt = ValidDays is null ? ExpiresAt?.ToUniversalTime() : null,
        RedemptionPath = RedemptionPath,
        CodeSource = CodeSource,
        CodePrefix = CodePrefix?.Trim() ?? string.Empty,
        Segment = Segment,
        SegmentValue = Segment is CampaignSegment.VisitedWithinDays or CampaignSegment.NotVisitedForDays or CampaignSegment.AtLeastStamps ? SegmentValue : null,
        StartAt = StartAt is { } at && at > now ? at.ToUniversalTime() : now,
        State = CampaignState.Scheduled,
        CreatedBy = createdBy is { Length: > LoyaltyDbContext.IdLength } ? createdBy[..LoyaltyDbContext.IdLength] : createdBy,
        CreatedAt = now,
    };

    private static string FirstCell(string line)
    {
        var cell = new StringBuilder();
        var quoted = false;
        foreach (var c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if ((c == ',' || c == ';' || c == '\t') && !quoted)
            {
                break;
            }
            else
            {
                cell.Append(c);
            }
        }

        return cell.ToString();
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static string Instant(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex("^[A-Z0-9-]{0,16}$", RegexOptions.CultureInvariant)]
    private static partial Regex PrefixPattern();

    [GeneratedRegex("^[A-Za-z _-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex HeaderPattern();
}
