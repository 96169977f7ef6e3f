using Microsoft.EntityFrameworkCore;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// A card a search found: stamps toward the goal, vouchers ready to use, the last sale that stamped it, and what the
/// search text was to it (<c>MatchedBy</c>: <c>cardId</c>, <c>loyaltyCardId</c>, <c>posCustomerId</c>, <c>email</c>,
/// <c>phone</c> or <c>redeemCode</c>).
/// </summary>
public sealed record CardMatch(Guid CardId, string ShortId, int Progress, int Goal, int Debt, int VouchersReady, DateTimeOffset? LastVisit, IReadOnlyList<string> MatchedBy);

/// <summary>What made a line of a card's stamp ledger.</summary>
public enum LedgerKind
{
    /// <summary>A sale earned the stamps.</summary>
    Sale = 0,

    /// <summary>Refunds of a sale took (some of) its stamps back.</summary>
    Refund = 1,

    /// <summary>A person added or took away stamps by hand, with a reason.</summary>
    Adjustment = 2,
}

/// <summary>One line of a card's stamp ledger: when, what, the stamps (negative when taken away), and the sale or the person and reason.</summary>
public sealed record LedgerLine(DateTimeOffset At, LedgerKind Kind, int Stamps, string? SaleId, string? ConnectorId, string? Reason, string? Actor);

/// <summary>A voucher with every change of its state, oldest first.</summary>
public sealed record VoucherStory(Voucher Voucher, IReadOnlyList<VoucherHistoryEntry> History);

/// <summary>
/// Everything the merchant may see of a card: its stamps, its program, its stamp ledger (newest first), its vouchers
/// with their histories, and who it belongs to by the identifiers that may be shown (an e-mail address or phone number
/// is kept only as a hash: the card says whether there is one).
/// </summary>
public sealed record CardStory(
    CardView Card,
    string ProgramName,
    string Reward,
    DateTimeOffset CreatedAt,
    IReadOnlyList<LedgerLine> Ledger,
    IReadOnlyList<VoucherStory> Vouchers,
    IReadOnlyList<string> LoyaltyCardIds,
    IReadOnlyList<string> PosCustomerIds,
    bool HasEmail,
    bool HasPhone);

/// <summary>The merchant's sales that earned nothing, newest first: how many in all, and one page of them.</summary>
public sealed record UnmatchedPage(int Count, IReadOnlyList<UnmatchedSale> Sales);

/// <summary>
/// The merchant's customers, as the console and the API both see them: finding a card by whatever the merchant has at
/// hand (the card's id, a loyalty card id, a POS customer id, an e-mail address or phone number, a Redeem Code), a
/// card's full story, adjusting its stamps by hand, voiding a voucher, and the sales that found no card. The rules for
/// the input live here once; the changes are the engine's (<see cref="LoyaltyEngine"/>).
/// </summary>
/// <remarks>
/// An e-mail address or phone number is compared through the hash every connector sends
/// (<see cref="CustomerHash"/>): it is hashed here and neither kept nor logged.
/// </remarks>
public sealed class CustomerCards(LoyaltyDbContext db, LoyaltyEngine engine)
{
    /// <summary>The most cards a search returns.</summary>
    public const int MaxMatches = 20;

    /// <summary>The most stamps one adjustment adds or takes away.</summary>
    public const int MaxAdjustment = 1000;

    /// <summary>The most ledger lines a card's story holds.</summary>
    public const int MaxLedgerLines = 200;

    private const int MaxReasonLength = LoyaltyDbContext.TextLength;

    /// <summary>
    /// The merchant's cards the text names, each once, with what it matched; or the error of field <c>q</c> when the
    /// text is empty or too long. Nothing found is an empty list.
    /// </summary>
    public async Task<(IReadOnlyList<CardMatch> Matches, IReadOnlyList<SettingError> Errors)> SearchAsync(string merchantId, string? query, CancellationToken cancellationToken)
    {
        var text = query?.Trim() ?? string.Empty;
        if (text.Length == 0)
        {
            return ([], [new SettingError("q", "is empty: type a loyalty card id, a POS customer id, an e-mail address, a phone number or a Redeem Code")]);
        }

        if (text.Length > CheckoutText.MaxIdentifierLength || text.Any(char.IsControl))
        {
            return ([], [new SettingError("q", $"must be at most {CheckoutText.MaxIdentifierLength} characters on one line")]);
        }

        var found = new Dictionary<Guid, List<string>>();
        void Found(Guid cardId, string by)
        {
            if (!found.TryGetValue(cardId, out var reasons))
            {
                found[cardId] = reasons = [];
            }

            if (!reasons.Contains(by, StringComparer.Ordinal))
            {
                reasons.Add(by);
            }
        }

        if (Guid.TryParse(text, out var id))
        {
            foreach (var card in await db.Cards.AsNoTracking().Where(c => c.Id == id && c.MerchantId == merchantId).Select(c => c.Id).ToListAsync(cancellationToken))
            {
                Found(card, "cardId");
            }
        }

        // The identifiers the customer links hold: as sales carry them (CustomerIdentity).
        var wanted = new List<(string Kind, string Value, string By)>();
        var identifier = CheckoutText.TryNormalizeIdentifier(text, out var normalized, out _) && normalized.Length > 0 ? normalized : null;
        if (identifier is not null)
        {
            wanted.Add((CustomerIdentity.Card, identifier, "loyaltyCardId"));
        }

        if (text.Contains('@', StringComparison.Ordinal) && CustomerHash.Email(text) is { } email)
        {
            wanted.Add((CustomerIdentity.Email, email, "email"));
        }

        if (text.All(c => char.IsAsciiDigit(c) || c is '+' or ' ' or '-' or '(' or ')' or '.' or '/') && CustomerHash.Phone(text) is { } phone)
        {
            wanted.Add((CustomerIdentity.Phone, phone, "phone"));
        }

        var values = wanted.Select(w => w.Value).Distinct(StringComparer.Ordinal).ToList();
        var links = await db.CustomerLinks.AsNoTracking()
            .Where(l => l.MerchantId == merchantId && values.Contains(l.Value))
            .Select(l => new { l.Kind, l.Value, l.CustomerId })
            .ToListAsync(cancellationToken);
        var customers = links
            .SelectMany(l => wanted.Where(w => w.Kind == l.Kind && w.Value == l.Value).Select(w => (l.CustomerId, w.By)))
            .ToList();

        // A POS customer id, in whichever point-of-sale system: stored as "{sourceSystem}:{id}", source systems have no ':'.
        if (identifier is not null)
        {
            var suffix = ":" + identifier;
            var pos = await db.CustomerLinks.AsNoTracking()
                .Where(l => l.MerchantId == merchantId && l.Kind == CustomerIdentity.Pos && l.Value.EndsWith(suffix))
                .OrderBy(l => l.Id)
                .Select(l => new { l.Value, l.CustomerId })
                .Take(MaxMatches * 5)
                .ToListAsync(cancellationToken);
            customers.AddRange(pos.Where(l => l.Value[(l.Value.IndexOf(':', StringComparison.Ordinal) + 1)..] == identifier).Select(l => (l.CustomerId, "posCustomerId")));
        }

        if (customers.Count > 0)
        {
            var customerIds = customers.Select(c => c.CustomerId).Distinct().ToList();
            var cards = await db.Cards.AsNoTracking().Where(c => c.MerchantId == merchantId && customerIds.Contains(c.CustomerId)).Select(c => new { c.Id, c.CustomerId }).ToListAsync(cancellationToken);
            foreach (var card in cards)
            {
                foreach (var (_, by) in customers.Where(c => c.CustomerId == card.CustomerId))
                {
                    Found(card.Id, by);
                }
            }
        }

        if (RedeemCodes.Normalize(text) is { } code)
        {
            foreach (var card in await db.Vouchers.AsNoTracking().Where(v => v.MerchantId == merchantId && v.NormalizedCode == code).Select(v => v.CardId).ToListAsync(cancellationToken))
            {
                Found(card, "redeemCode");
            }
        }

        return (await MatchesAsync(merchantId, found, cancellationToken), []);
    }

    /// <summary>A card's story, or null when the merchant has no such card.</summary>
    public async Task<CardStory?> StoryAsync(string merchantId, Guid cardId, CancellationToken cancellationToken)
    {
        var card = await db.Cards.AsNoTracking().SingleOrDefaultAsync(c => c.Id == cardId && c.MerchantId == merchantId, cancellationToken);
        if (card is null)
        {
            return null;
        }

        var program = await db.Programs.AsNoTracking().SingleAsync(p => p.Id == card.ProgramId, cancellationToken);
        var vouchers = await db.Vouchers.AsNoTracking().Where(v => v.CardId == cardId).OrderBy(v => v.IssuedAt).ThenBy(v => v.Cycle).ToListAsync(cancellationToken);
        var voucherIds = vouchers.Select(v => v.Id).ToList();
        var history = (await db.VoucherHistory.AsNoTracking().Where(h => voucherIds.Contains(h.VoucherId)).ToListAsync(cancellationToken))
            .OrderBy(h => h.Id)
            .ToLookup(h => h.VoucherId);

        var awards = await db.StampAwards.AsNoTracking().Where(a => a.CardId == cardId).OrderByDescending(a => a.Id).Take(MaxLedgerLines).ToListAsync(cancellationToken);
        var refunded = awards.Where(a => a.StampsRevoked > 0).Select(a => a.ExternalSaleId).Distinct(StringComparer.Ordinal).ToList();
        var refunds = refunded.Count == 0
            ? []
            : await db.Refunds.AsNoTracking().Where(r => r.MerchantId == merchantId && refunded.Contains(r.ExternalSaleId))
                .Select(r => new { r.SourceSystem, r.ExternalSaleId, r.OccurredAt }).ToListAsync(cancellationToken);
        var adjustments = await db.StampAdjustments.AsNoTracking().Where(a => a.CardId == cardId).OrderByDescending(a => a.At).Take(MaxLedgerLines).ToListAsync(cancellationToken);

        var ledger = new List<LedgerLine>();
        foreach (var award in awards)
        {
            ledger.Add(new LedgerLine(award.AwardedAt, LedgerKind.Sale, award.Stamps, award.ExternalSaleId, award.ConnectorId, null, null));
            if (award.StampsRevoked > 0)
            {
                var at = refunds.Where(r => r.SourceSystem == award.SourceSystem && r.ExternalSaleId == award.ExternalSaleId).Select(r => (DateTimeOffset?)r.OccurredAt).Max() ?? award.AwardedAt;
                ledger.Add(new LedgerLine(at, LedgerKind.Refund, -award.StampsRevoked, award.ExternalSaleId, award.ConnectorId, null, null));
            }
        }

        ledger.AddRange(adjustments.Select(a => new LedgerLine(a.At, LedgerKind.Adjustment, a.Stamps, null, null, a.Reason, a.Actor)));

        var identifiers = await db.CustomerLinks.AsNoTracking().Where(l => l.MerchantId == merchantId && l.CustomerId == card.CustomerId)
            .OrderBy(l => l.Id).Select(l => new { l.Kind, l.Value }).ToListAsync(cancellationToken);
        var view = new CardView(card.Id, card.MerchantId, card.ProgramId, card.TotalStamps, card.CyclesCompleted,
            Card.Progress(card.TotalStamps, card.CyclesCompleted, program.StampGoal), program.StampGoal, Card.Debt(card.TotalStamps, card.CyclesCompleted, program.StampGoal), vouchers);
        return new CardStory(
            view,
            program.Name,
            program.Reward,
            card.CreatedAt,
            [.. ledger.OrderByDescending(l => l.At).Take(MaxLedgerLines)],
            [.. vouchers.Select(v => new VoucherStory(v, [.. history[v.Id]]))],
            [.. identifiers.Where(i => i.Kind == CustomerIdentity.Card).Select(i => i.Value)],
            [.. identifiers.Where(i => i.Kind == CustomerIdentity.Pos).Select(i => i.Value)],
            identifiers.Any(i => i.Kind == CustomerIdentity.Email),
            identifiers.Any(i => i.Kind == CustomerIdentity.Phone));
    }

    /// <summary>
    /// Adds (<paramref name="stamps"/> &gt; 0) or takes away stamps by hand, for <paramref name="reason"/>: the errors
    /// by field (<c>delta</c>, <c>reason</c>) when the input is wrong or the card has fewer stamps toward its next
    /// voucher than would be taken away; otherwise the engine's result (<see cref="StampAdjusting"/>), null when the
    /// merchant has no such card.
    /// </summary>
    public async Task<(StampAdjustmentResult? Result, IReadOnlyList<SettingError> Errors)> AdjustStampsAsync(string merchantId, Guid cardId, int? stamps, string? reason, string? actor, CancellationToken cancellationToken)
    {
        var errors = new List<SettingError>();
        if (stamps is null or 0)
        {
            errors.Add(new SettingError("delta", "is required: the stamps to add (e.g. 1) or to take away (e.g. -1)"));
        }
        else if (Math.Abs(stamps.Value) > MaxAdjustment)
        {
            errors.Add(new SettingError("delta", $"must be between -{MaxAdjustment} and {MaxAdjustment}"));
        }

        var why = ReasonError(reason, errors);
        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var result = await engine.AdjustStampsAsync(merchantId, cardId, stamps!.Value, why!, Actor(actor), cancellationToken);
        return result.Outcome switch
        {
            StampAdjustmentOutcome.NoCard => (null, []),
            StampAdjustmentOutcome.BelowZero => (result, [new SettingError("delta", result.Debt > 0
                ? $"cannot take stamps away: the card owes {result.Debt} after a refund and has none toward its next voucher"
                : $"would go below zero: the card has {result.Progress} stamp{(result.Progress == 1 ? string.Empty : "s")} toward its next voucher")]),
            _ => (result, []),
        };
    }

    /// <summary>
    /// Voids an issued voucher for <paramref name="reason"/> (required): the errors by field (<c>reason</c>) when the
    /// reason is missing or too long; otherwise whether it was voided and the voucher as it now stands (null when the
    /// merchant has no such voucher).
    /// </summary>
    public async Task<(bool Voided, Voucher? Voucher, IReadOnlyList<SettingError> Errors)> VoidVoucherAsync(string merchantId, Guid voucherId, string? reason, string? actor, CancellationToken cancellationToken)
    {
        var errors = new List<SettingError>();
        var why = ReasonError(reason, errors);
        if (errors.Count > 0)
        {
            return (false, null, errors);
        }

        var (voided, voucher) = await engine.VoidAsync(merchantId, voucherId, why, Actor(actor), cancellationToken);
        return (voided, voucher, []);
    }

    /// <summary>The merchant's unmatched sales, newest first: <paramref name="take"/> of them after <paramref name="skip"/>, and how many in all.</summary>
    public async Task<UnmatchedPage> UnmatchedAsync(string merchantId, int skip, int take, CancellationToken cancellationToken)
    {
        var count = await db.UnmatchedSales.CountAsync(u => u.MerchantId == merchantId, cancellationToken);
        var sales = await db.UnmatchedSales.AsNoTracking().Where(u => u.MerchantId == merchantId)
            .OrderByDescending(u => u.Id).Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, 200)).ToListAsync(cancellationToken);
        return new UnmatchedPage(count, sales);
    }

    /// <summary>The reason, trimmed, or null with its error added: required, at most 500 characters on one line.</summary>
    private static string? ReasonError(string? reason, List<SettingError> errors)
    {
        var why = reason?.Trim();
        if (string.IsNullOrEmpty(why))
        {
            errors.Add(new SettingError("reason", "is required: say in a few words why, for whoever reads the card's history later"));
            return null;
        }

        if (why.Length > MaxReasonLength || why.Any(char.IsControl))
        {
            errors.Add(new SettingError("reason", $"must be at most {MaxReasonLength} characters on one line"));
            return null;
        }

        return why;
    }

    private static string? Actor(string? actor) => actor is { Length: > LoyaltyDbContext.IdLength } ? actor[..LoyaltyDbContext.IdLength] : actor;

    private async Task<IReadOnlyList<CardMatch>> MatchesAsync(string merchantId, Dictionary<Guid, List<string>> found, CancellationToken cancellationToken)
    {
        if (found.Count == 0)
        {
            return [];
        }

        var ids = found.Keys.Take(MaxMatches).ToList();
#pragma warning disable VSTHRD103 // Inside the query: translated to SQL subqueries, nothing blocks.
        var cards = await (
            from card in db.Cards.AsNoTracking()
            join program in db.Programs.AsNoTracking() on card.ProgramId equals program.Id
            where card.MerchantId == merchantId && ids.Contains(card.Id)
            select new
            {
                card.Id,
                card.TotalStamps,
                card.CyclesCompleted,
                program.StampGoal,
                Ready = db.Vouchers.Count(v => v.CardId == card.Id && v.State == VoucherState.Issued),
            }).ToListAsync(cancellationToken);
#pragma warning restore VSTHRD103

        // The last visit: the newest sale that stamped the card (read apart: SQLite cannot take MAX of an instant stored as an integer in EF's translation).
        var visits = (await db.StampAwards.AsNoTracking().Where(a => ids.Contains(a.CardId)).Select(a => new { a.CardId, a.AwardedAt }).ToListAsync(cancellationToken))
            .GroupBy(a => a.CardId).ToDictionary(g => g.Key, g => g.Max(a => a.AwardedAt));
        return [.. cards
            .Select(c => new CardMatch(c.Id, ShortId(c.Id), Card.Progress(c.TotalStamps, c.CyclesCompleted, c.StampGoal), c.StampGoal, Card.Debt(c.TotalStamps, c.CyclesCompleted, c.StampGoal),
                c.Ready, visits.TryGetValue(c.Id, out var visit) ? visit : null, found[c.Id]))
            .OrderByDescending(m => m.LastVisit ?? DateTimeOffset.MinValue)];
    }

    /// <summary>A card's id as people read it: its first eight hex digits, upper case.</summary>
    public static string ShortId(Guid cardId) => cardId.ToString("N")[..8].ToUpperInvariant();
}
