using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SevenStamp.Http;
using SevenStamp.Http.Access;
using SevenStamp.Http.RateLimiting;
using SevenStamp.Loyalty.Engine;

namespace SevenStamp.Loyalty.Api;

/// <summary>
/// Redeeming at the counter and by the customer. Staff send the voucher's code (or its QR content) with their
/// credentials (a staff account's session, a staff token, or a key with the redeem scope: the accounts' tenant check
/// lets through only callers that may redeem for their own merchant); the customer uses their own voucher link,
/// which is anonymous: the link's token is the credential (<see cref="CustomerVoucherLinks"/>, which the host's
/// voucher page at the same link uses too: a browser gets that page, any other client this JSON). 200 when redeemed
/// now; 409 with what happened before (already redeemed when and by whom, expired, voided); 404 for an unknown code
/// or link. Each is rate limited per token or link and per client (<see cref="RateLimits"/>): 429 with
/// <c>Retry-After</c> past the limit.
/// </summary>
internal static class RedemptionApi
{
    public static IEndpointRouteBuilder MapRedemptionApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/staff/redeem", StaffRedeemAsync).RequireCallersMerchant(Permission.Redeem).Audited("voucher.redeemed")
            .WithTags("Redemption").WithSummary("Staff redeem a voucher by its code or QR content")
            .RequireRateLimiting(RateLimits.StaffRedeem);
        endpoints.MapGet("/v/{voucherId:guid}/{token}", ShowAsync).AllowAnonymous().WithTags("Redemption").WithSummary("The customer's voucher")
            .RequireRateLimiting(RateLimits.CustomerLinks);
        endpoints.MapPost("/v/{voucherId:guid}/{token}/redeem", SelfRedeemAsync).AllowAnonymous().WithTags("Redemption").WithSummary("The customer redeems their voucher")
            .RequireRateLimiting(RateLimits.SelfRedeem);
        return endpoints;
    }

    private static async Task<IResult> StaffRedeemAsync(HttpContext http, RedeemRequest? redeem, CounterScans scans, VoucherLinks links, CancellationToken cancellationToken)
    {
        // The tenant check let only a caller of one merchant with the redeem permission through.
        var staff = Caller.From(http.User)!;
        var (result, errors) = await scans.RedeemAsync(staff, redeem?.Code, redeem?.LocationId, cancellationToken);
        if (errors.Count > 0)
        {
            return FieldErrors.Problem(errors);
        }

        if (result!.Outcome == ScanOutcome.NotHere)
        {
            return NotHere(result.LocationId);
        }

        var redemption = result.Redemption ?? RedemptionResult.NotFound;
        if (redemption.Voucher is not null)
        {
            http.Audit($"voucher {redemption.Voucher.Id}", null, result.LocationId is null ? redemption.Outcome.ToString() : $"{redemption.Outcome} at location {result.LocationId}");
        }

        return Answer(redemption, links);
    }

    /// <summary>403 for staff of some locations who named none of theirs.</summary>
    internal static IResult NotHere(string? location) =>
        Results.Problem(
            location is null
                ? "This account redeems at some locations only: send the counter's POS location id as 'locationId'."
                : $"'locationId' {location} is not one of this account's locations; ask an owner to add it.",
            statusCode: StatusCodes.Status403Forbidden);

    private static async Task<IResult> ShowAsync(Guid voucherId, string token, CustomerVoucherLinks vouchers, VoucherLinks links, CancellationToken cancellationToken) =>
        await vouchers.OpenAsync(voucherId, token, cancellationToken) is { } voucher
            ? Results.Ok(VoucherResponse.From(voucher, links))
            : Results.Problem("No such voucher.", statusCode: StatusCodes.Status404NotFound);

    private static async Task<IResult> SelfRedeemAsync(Guid voucherId, string token, CustomerVoucherLinks vouchers, VoucherLinks links, CancellationToken cancellationToken)
    {
        var result = await vouchers.SelfRedeemAsync(voucherId, token, cancellationToken);
        return result.Outcome == RedemptionOutcome.NotFound
            ? Results.Problem("No such voucher.", statusCode: StatusCodes.Status404NotFound)
            : Answer(result, links);
    }

    private static IResult Answer(RedemptionResult result, VoucherLinks links)
    {
        var body = new RedemptionResponse(result.Outcome, result.Message, result.Voucher is null ? null : VoucherResponse.From(result.Voucher, links));
        var status = result.Outcome switch
        {
            RedemptionOutcome.RedeemedNow => StatusCodes.Status200OK,
            RedemptionOutcome.NotFound => StatusCodes.Status404NotFound,
            RedemptionOutcome.NotAllowed => StatusCodes.Status403Forbidden,
            _ => StatusCodes.Status409Conflict,
        };
        return Results.Json(body, statusCode: status);
    }
}
