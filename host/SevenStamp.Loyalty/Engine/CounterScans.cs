using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Contracts;
using SevenStamp.Http.Access;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Engine;

/// <summary>How the counter scanner treats a customer's card (a voucher's Redeem Code is redeemed in each but the kiosk).</summary>
public enum ScanMode
{
    /// <summary>Staff scan or type a code: a card is looked up and shown, and stamped only when they confirm.</summary>
    Manual = 0,

    /// <summary>An external scanner types the code and Enter: a card gets a stamp at once, no confirm (speed first).</summary>
    Autopilot = 1,

    /// <summary>
    /// A stand where customers scan their own card: one stamp per card per <see cref="ScannerOptions.KioskStampInterval"/>;
    /// a voucher's code is not redeemed here (that is the staff's).
    /// </summary>
    Kiosk = 2,
}

/// <summary>What a scan at the counter did.</summary>
public enum ScanOutcome
{
    /// <summary>The voucher of the code was redeemed by this scan.</summary>
    Redeemed = 0,

    /// <summary>The voucher was redeemed before (when, how and by whom: the voucher says).</summary>
    AlreadyRedeemed = 1,

    Expired = 2,

    Voided = 3,

    /// <summary>A customer's card, shown with its progress; nothing changed (the manual scanner confirms a stamp apart).</summary>
    CardFound = 4,

    /// <summary>A stamp was added to the card.</summary>
    Stamped = 5,

    /// <summary>At a kiosk: the card got a kiosk stamp within the interval; <see cref="ScanResult.NextStampAt"/> says from when.</summary>
    TooSoon = 6,

    /// <summary>At a kiosk: a voucher's code, which staff redeem at the counter.</summary>
    VoucherAtKiosk = 7,

    /// <summary>No voucher or card of this merchant has this code (another merchant's is unknown here too).</summary>
    Unknown = 8,

    /// <summary>The staff account works at some locations only, and this is not one of them (or none was named).</summary>
    NotHere = 9,
}

/// <summary>
/// A customer's card as the counter sees it: stamps toward the goal, the reward, the vouchers it has ready now, and
/// how many vouchers this scan's stamp issued (it reached the goal).
/// </summary>
public sealed record ScannedCard(Guid CardId, string ShortId, int Progress, int Goal, int Debt, string Reward, int VouchersIssued, IReadOnlyList<Voucher> Ready);

/// <summary>The answer to one scan: the outcome, the counter's location, and the voucher or card it was about.</summary>
public sealed record ScanResult(ScanOutcome Outcome, string? LocationId, Voucher? Voucher = null, ScannedCard? Card = null, DateTimeOffset? NextStampAt = null)
{
    /// <summary>For a voucher's code: the redemption's own answer (what <c>POST /api/staff/redeem</c> says).</summary>
    public RedemptionResult? Redemption { get; init; }

    /// <summary>For <see cref="ScanOutcome.Stamped"/>: the stamp as the card's ledger keeps it.</summary>
    public StampAdjustmentResult? Stamp { get; init; }

    /// <summary>A sentence for the API's callers (the pages say it in the reader's language).</summary>
    public string Message => Outcome switch
    {
        ScanOutcome.Redeemed => new RedemptionResult(RedemptionOutcome.RedeemedNow, Voucher).Message,
        ScanOutcome.AlreadyRedeemed => new RedemptionResult(RedemptionOutcome.AlreadyRedeemed, Voucher).Message,
        ScanOutcome.Expired => new RedemptionResult(RedemptionOutcome.Expired, Voucher).Message,
        ScanOutcome.Voided => new RedemptionResult(RedemptionOutcome.Voided, Voucher).Message,
        ScanOutcome.CardFound => $"Card {Card!.ShortId}: {Card.Progress} of {Card.Goal} stamps" + Ready(Card),
        ScanOutcome.Stamped => $"Stamp added: {Card!.Progress} of {Card.Goal}" + (Card.VouchersIssued > 0 ? $"; the card reached its goal: {Card.Reward}" : string.Empty) + Ready(Card),
        ScanOutcome.TooSoon => $"Already stamped: next stamp from {NextStampAt:u}",
        ScanOutcome.VoucherAtKiosk => "This is a voucher: show it at the counter",
        ScanOutcome.NotHere => LocationId is null
            ? "This account works at some locations only: name the counter's location"
            : $"Location {LocationId} is not one of this account's locations",
        _ => "Unknown code",
    };

    private static string Ready(ScannedCard card) =>
        card.Ready.Count == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"; voucher ready: {card.Ready[0].Reward} ({card.Ready[0].Code})");
}

/// <summary>
/// The counter scanner's one rule, for the scanner's pages and the staff API alike: what a scanned or typed code is
/// (a voucher's Redeem Code, or a customer's card: its id as the wallet pass's QR code carries it, 32 hex digits) and
/// what follows (redeem; show the card, stamp it, or at a kiosk stamp it once per interval). Stamps go through the
/// engine's stamp adjustment, so a stamp that reaches the goal mints the voucher as a sale would, and the card's
/// ledger names the staff account and the location. Only the caller's own merchant's codes and cards are found.
/// </summary>
public sealed class CounterScans(LoyaltyDbContext db, LoyaltyEngine engine, IOptions<ScannerOptions> options, TimeProvider timeProvider)
{
    /// <summary>The most characters a scanned code may have.</summary>
    public const int MaxCodeLength = 64;

    /// <summary>The reason of a stamp staff add at the counter, as the card's ledger keeps it (the location follows).</summary>
    public const string CounterReason = "Counter scan";

    /// <summary>The reason of a kiosk's stamp, as the card's ledger keeps it: the kiosk interval is read from these rows.</summary>
    public const string KioskReason = "Kiosk stamp";

    /// <summary>Handles one scanned or typed code: the errors by field (<c>code</c>, <c>locationId</c>) when the input is wrong, else the result.</summary>
    public async Task<(ScanResult? Result, IReadOnlyList<SettingError> Errors)> ScanAsync(Caller staff, string? code, string? locationId, ScanMode mode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(staff);
        var (text, location, errors) = Check(code, "code", locationId);
        if (errors.Count > 0)
        {
            return (null, errors);
        }

        if (!staff.MayAt(location))
        {
            return (new ScanResult(ScanOutcome.NotHere, location), []);
        }

        var merchantId = staff.MerchantId!;
        if (CardId(text!) is { } cardId && await db.Cards.AnyAsync(c => c.Id == cardId && c.MerchantId == merchantId, cancellationToken))
        {
            return mode switch
            {
                ScanMode.Manual => (await CardResultAsync(ScanOutcome.CardFound, merchantId, cardId, location, 0, cancellationToken), []),
                ScanMode.Kiosk => (await StampCardAsync(staff, cardId, location, new StampGuard(KioskReason, options.Value.KioskStampInterval), cancellationToken), []),
                _ => (await StampCardAsync(staff, cardId, location, null, cancellationToken), []),
            };
        }

        if (mode == ScanMode.Kiosk)
        {
            var normalized = RedeemCodes.Normalize(text);
            var voucher = await db.Vouchers.AnyAsync(v => v.MerchantId == merchantId && v.NormalizedCode == normalized, cancellationToken);
            return (new ScanResult(voucher ? ScanOutcome.VoucherAtKiosk : ScanOutcome.Unknown, location), []);
        }

        return (await RedeemCheckedAsync(staff, text!, location, cancellationToken), []);
    }

    /// <summary>
    /// Redeems a voucher by its code or QR content (<c>POST /api/staff/redeem</c>, and every scan of a code): the
    /// errors by field when the input is wrong, else the result.
    /// </summary>
    public async Task<(ScanResult? Result, IReadOnlyList<SettingError> Errors)> RedeemAsync(Caller staff, string? code, string? locationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(staff);
        var (text, location, errors) = Check(code, "code", locationId);
        if (errors.Count > 0)
        {
            return (null, errors);
        }

        return staff.MayAt(location) ? (await RedeemCheckedAsync(staff, text!, location, cancellationToken), []) : (new ScanResult(ScanOutcome.NotHere, location), []);
    }

    /// <summary>
    /// Adds one stamp to the card <paramref name="cardId"/> names (its id, or the pass's QR content), as staff confirm
    /// it at the counter: the errors by field (<c>cardId</c>, <c>locationId</c>), else the result (unknown for a card
    /// of another merchant).
    /// </summary>
    public async Task<(ScanResult? Result, IReadOnlyList<SettingError> Errors)> StampAsync(Caller staff, string? cardId, string? locationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(staff);
        var (text, location, errors) = Check(cardId, "cardId", locationId);
        if (errors.Count == 0 && CardId(text!) is null)
        {
            errors.Add(new SettingError("cardId", "must be a card's id: 32 hexadecimal digits, as the card's QR code carries it"));
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        if (!staff.MayAt(location))
        {
            return (new ScanResult(ScanOutcome.NotHere, location), []);
        }

        var id = CardId(text!)!.Value;
        return await db.Cards.AnyAsync(c => c.Id == id && c.MerchantId == staff.MerchantId, cancellationToken)
            ? (await StampCardAsync(staff, id, location, null, cancellationToken), [])
            : (new ScanResult(ScanOutcome.Unknown, location), []);
    }

    /// <summary>A card's id from scanned text: 32 hex digits (the pass's QR code) or the dashed form; null for anything else.</summary>
    public static Guid? CardId(string text) =>
        Guid.TryParseExact(text, "N", out var id) || Guid.TryParseExact(text, "D", out id) ? id : null;

    private static (string? Text, string? Location, List<SettingError> Errors) Check(string? code, string field, string? locationId)
    {
        var errors = new List<SettingError>();
        string? text = null;
        if (code is not null && !CheckoutText.TryNormalizeIdentifier(code, out text, out var problem))
        {
            errors.Add(new SettingError(field, problem));
        }
        else if (string.IsNullOrEmpty(text) || text.Length > MaxCodeLength)
        {
            errors.Add(new SettingError(field, field == "code"
                ? "is required: the code on the voucher, or the content of its QR code"
                : "is required: the card's id, as its QR code carries it"));
        }

        string? location = null;
        if (locationId is not null && !CheckoutText.TryNormalizeIdentifier(locationId, out location, out var locationProblem))
        {
            errors.Add(new SettingError("locationId", locationProblem));
        }

        return (text, string.IsNullOrEmpty(location) ? null : location, errors);
    }

    private async Task<ScanResult> RedeemCheckedAsync(Caller staff, string code, string? location, CancellationToken cancellationToken)
    {
        var result = await engine.RedeemAsync(staff.MerchantId!, null, code, RedemptionMethod.StaffScan, staff.Name, location, cancellationToken);
        var outcome = result.Outcome switch
        {
            RedemptionOutcome.RedeemedNow => ScanOutcome.Redeemed,
            RedemptionOutcome.AlreadyRedeemed => ScanOutcome.AlreadyRedeemed,
            RedemptionOutcome.Expired => ScanOutcome.Expired,
            RedemptionOutcome.Voided => ScanOutcome.Voided,
            _ => ScanOutcome.Unknown,
        };
        return new ScanResult(outcome, location, result.Voucher) { Redemption = result };
    }

    private async Task<ScanResult> StampCardAsync(Caller staff, Guid cardId, string? location, StampGuard? guard, CancellationToken cancellationToken)
    {
        var reason = (guard?.ReasonPrefix ?? CounterReason) + (location is null ? string.Empty : $" at location {location}");
        var actor = staff.Name.Length > LoyaltyDbContext.IdLength ? staff.Name[..LoyaltyDbContext.IdLength] : staff.Name;
        var result = await engine.AdjustStampsAsync(staff.MerchantId!, cardId, 1, reason, actor, guard, location, cancellationToken);
        return result.Outcome switch
        {
            StampAdjustmentOutcome.Adjusted => await CardResultAsync(ScanOutcome.Stamped, staff.MerchantId!, cardId, location, result.Entry!.VouchersIssued, cancellationToken) with { Stamp = result },
            StampAdjustmentOutcome.TooSoon => await CardResultAsync(ScanOutcome.TooSoon, staff.MerchantId!, cardId, location, 0, cancellationToken) with { NextStampAt = result.NextAllowedAt },
            _ => new ScanResult(ScanOutcome.Unknown, location),
        };
    }

    private async Task<ScanResult> CardResultAsync(ScanOutcome outcome, string merchantId, Guid cardId, string? location, int vouchersIssued, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var card = await db.Cards.AsNoTracking().SingleAsync(c => c.Id == cardId && c.MerchantId == merchantId, cancellationToken);
        var program = await db.Programs.AsNoTracking().Where(p => p.Id == card.ProgramId).Select(p => new { p.StampGoal, p.Reward }).SingleAsync(cancellationToken);
        var ready = (await db.Vouchers.AsNoTracking().Where(v => v.CardId == cardId && v.State == VoucherState.Issued).OrderBy(v => v.IssuedAt).ThenBy(v => v.Cycle).ToListAsync(cancellationToken))
            .Where(v => v.ExpiresAt is null || v.ExpiresAt > now)
            .ToList();
        var goal = Math.Max(1, program.StampGoal);
        return new ScanResult(outcome, location, Card: new ScannedCard(
            card.Id,
            CustomerCards.ShortId(card.Id),
            Card.Progress(card.TotalStamps, card.CyclesCompleted, goal),
            goal,
            Card.Debt(card.TotalStamps, card.CyclesCompleted, goal),
            program.Reward,
            vouchersIssued,
            ready));
    }
}
