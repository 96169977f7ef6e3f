using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Http;
using SevenStamp.Http.Access;
using SevenStamp.Http.RateLimiting;
using SevenStamp.Loyalty.Engine;

namespace SevenStamp.Loyalty.Api;

/// <summary>
/// The counter scanner's calls, for the scanner's own script and for any till or kiosk: a scanned code (a voucher's
/// Redeem Code is redeemed; a customer's card is shown, stamped at once, or at a kiosk stamped once per interval) and
/// the confirmed stamp of a card. The rule is <see cref="CounterScans"/>, the one the scanner's pages use. The caller's
/// own merchant only (a staff account's session, a staff token, or a key with the redeem scope); another merchant's
/// code or card is unknown here (404). Staff of some locations name one of theirs as <c>locationId</c> (else 403).
/// Each change is audited with the caller and the location; rate limited as the staff redeem is.
/// </summary>
public static class ScannerApi
{
    /// <summary>The audit log's name of a stamp added at the counter or a kiosk.</summary>
    public const string CardStamped = "card.stamped";

    /// <summary>The audit log's name of a card looked up by a scan (nothing changed, but who looked is kept).</summary>
    public const string CardScanned = "card.scanned";

    /// <summary>The audit log's name of a voucher redeemed by a scan (the same as the staff redeem's).</summary>
    public const string VoucherRedeemed = "voucher.redeemed";

    /// <summary>The audit log's name of a scan that was refused (already redeemed, expired, voided, too soon) or matched nothing.</summary>
    public const string ScanRefused = "counter.refused";

    public static IEndpointRouteBuilder MapScannerApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/staff/scan", ScanAsync).RequireCallersMerchant(Permission.Redeem).Audited("counter.scanned")
            .WithTags("Redemption").WithSummary("Staff scan a code: a voucher's Redeem Code is redeemed; a customer's card (its QR content) is shown (mode manual), stamped (autopilot) or stamped once per interval (kiosk)")
            .RequireRateLimiting(RateLimits.StaffRedeem);
        endpoints.MapPost("/api/staff/stamp", StampAsync).RequireCallersMerchant(Permission.Redeem).Audited(CardStamped)
            .WithTags("Redemption").WithSummary("Staff add a stamp to a customer's card, by its id or QR content")
            .RequireRateLimiting(RateLimits.StaffRedeem);
        return endpoints;
    }

    private static async Task<IResult> ScanAsync(HttpContext http, ScanRequest? request, CounterScans scans, VoucherLinks links, CancellationToken cancellationToken)
    {
        var mode = request?.Mode?.Trim().ToUpperInvariant() switch
        {
            null or "MANUAL" => ScanMode.Manual,
            "AUTOPILOT" => ScanMode.Autopilot,
            "KIOSK" => ScanMode.Kiosk,
            _ => (ScanMode?)null,
        };
        if (mode is null)
        {
            return FieldErrors.Problem([new SettingError("mode", "must be manual (a card is shown), autopilot (a card is stamped at once) or kiosk (a card is stamped once per interval)")]);
        }

        var (result, errors) = await scans.ScanAsync(Caller.From(http.User)!, request?.Code, request?.LocationId, mode.Value, cancellationToken);
        return Answer(http, result, errors, links);
    }

    private static async Task<IResult> StampAsync(HttpContext http, StampRequest? request, CounterScans scans, VoucherLinks links, CancellationToken cancellationToken)
    {
        var (result, errors) = await scans.StampAsync(Caller.From(http.User)!, request?.CardId ?? request?.Code, request?.LocationId, cancellationToken);
        return Answer(http, result, errors, links);
    }

    /// <summary>The scan's answer: 200 when something was done or found, 409 refused (already redeemed, expired, too soon), 404 unknown, 403 not this account's location.</summary>
    private static IResult Answer(HttpContext http, ScanResult? result, IReadOnlyList<SettingError> errors, VoucherLinks links)
    {
        if (errors.Count > 0)
        {
            return FieldErrors.Problem(errors);
        }

        if (result!.Outcome == ScanOutcome.NotHere)
        {
            return RedemptionApi.NotHere(result.LocationId);
        }

        Audit(http, result);
        var status = result.Outcome switch
        {
            ScanOutcome.Redeemed or ScanOutcome.Stamped or ScanOutcome.CardFound => StatusCodes.Status200OK,
            ScanOutcome.Unknown => StatusCodes.Status404NotFound,
            _ => StatusCodes.Status409Conflict,
        };
        return Results.Json(ScanResponse.From(result, links), statusCode: status);
    }

    /// <summary>What the audit log keeps of a scan: the voucher or card, the change or why it was refused, and the location.</summary>
    public static void Audit(HttpContext http, ScanResult result)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(result);
        var at = result.LocationId is null ? string.Empty : $" at location {result.LocationId}";
        switch (result.Outcome)
        {
            case ScanOutcome.Redeemed:
                http.Audit(VoucherRedeemed, $"voucher {result.Voucher!.Id}", null, $"{RedemptionOutcome.RedeemedNow}{at}");
                break;
            case ScanOutcome.Stamped when result.Stamp?.Entry is { } entry:
                http.Audit(CardStamped, CustomerAudit.CardSubject(result.Card!.CardId), null, CustomerAudit.AdjustAfter(result.Stamp, entry) + at);
                break;
            case ScanOutcome.CardFound:
                http.Audit(CardScanned, CustomerAudit.CardSubject(result.Card!.CardId), null, $"{result.Card.Progress} of {result.Card.Goal}{at}");
                break;
            case ScanOutcome.AlreadyRedeemed or ScanOutcome.Expired or ScanOutcome.Voided or ScanOutcome.TooSoon or ScanOutcome.VoucherAtKiosk or ScanOutcome.Unknown:
                // Attempts count too: the same code brought twice, or codes that match nothing, show in the log beside the changes.
                var subject = result.Voucher is { } voucher ? $"voucher {voucher.Id}" : result.Card is { } card ? CustomerAudit.CardSubject(card.CardId) : null;
                http.Audit(ScanRefused, subject, null, $"{result.Outcome}{at}");
                http.Features.Get<AuditNote>()!.Refusal = true;
                break;
        }
    }
}

/// <summary>
/// A scanned or typed code (a voucher's Redeem Code or QR content, or a card's QR content), the counter's POS location
/// (required of staff of some locations) and how a card is treated: <c>manual</c> (default), <c>autopilot</c> or <c>kiosk</c>.
/// </summary>
public sealed record ScanRequest(string? Code, string? LocationId = null, string? Mode = null);

/// <summary>The card to stamp (its id or QR content; <see cref="Code"/> is taken when <see cref="CardId"/> is absent) and the counter's location.</summary>
public sealed record StampRequest(string? CardId, string? LocationId = null, string? Code = null);

/// <summary>A card as the counter sees it: stamps toward the goal, the reward, vouchers this stamp issued and those ready now.</summary>
public sealed record ScannedCardResponse(Guid CardId, string ShortId, int Progress, int Goal, int Debt, string Reward, int VouchersIssued, IReadOnlyList<VoucherResponse> Ready);

/// <summary>
/// What a scan did (<see cref="Outcome"/>), in words for the counter, with the voucher or the card it was about;
/// <see cref="NextStampAt"/> for a kiosk's refusal.
/// </summary>
public sealed record ScanResponse(
    ScanOutcome Outcome,
    string Message,
    string? LocationId,
    VoucherResponse? Voucher,
    ScannedCardResponse? Card,
    DateTimeOffset? NextStampAt)
{
    public static ScanResponse From(ScanResult result, VoucherLinks links)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(links);
        var card = result.Card is { } c
            ? new ScannedCardResponse(c.CardId, c.ShortId, c.Progress, c.Goal, c.Debt, c.Reward, c.VouchersIssued, [.. c.Ready.Select(v => VoucherResponse.From(v, links))])
            : null;
        return new ScanResponse(result.Outcome, result.Message, result.LocationId, result.Voucher is null ? null : VoucherResponse.From(result.Voucher, links), card, result.NextStampAt);
    }
}
