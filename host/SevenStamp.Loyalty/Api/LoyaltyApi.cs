using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Http;
using SevenStamp.Http.Access;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Engine;
using SevenStamp.Loyalty.Queries;

namespace SevenStamp.Loyalty.Api;

/// <summary>
/// The loyalty HTTP API. The management API under <c>/api/merchants/{merchantId}</c>: the program, the Redeem Code
/// pool, cards and their links, staff tokens, unmatched sales; bad input gets 400 with the field at fault. With it,
/// the redemption endpoints (<see cref="RedemptionApi"/>), which staff tokens and customers' voucher links guard, and
/// joining from the merchant's poster (<see cref="JoinApi"/>), open to anyone.
/// </summary>
public static class LoyaltyApi
{
    /// <summary>The audit log's name of a program's save (the API's PUT and the console's form).</summary>
    public const string ProgramEdited = "program.edited";

    /// <summary>The audit log's name of a Redeem Code import (the API's POST and the console's form).</summary>
    public const string PoolImported = "pool.imported";

    /// <summary>
    /// Maps the loyalty management API and the redemption endpoints. Who may call what is the accounts' one tenant
    /// check: by default reads need read and changes need write on the route's merchant; the counter's calls (a card
    /// looked up by scan, a staff redeem) and the staff tokens say what they need here. Needs
    /// <see cref="IConnectorSourceSystems"/> and <see cref="IWalletCardLinks"/> among the services.
    /// </summary>
    public static IEndpointRouteBuilder MapLoyaltyApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var merchant = endpoints.MapGroup("/api/merchants/{merchantId}");
        merchant.WithTags("Loyalty management");

        merchant.MapPut("/program", PutProgramAsync).Audited(ProgramEdited).WithSummary("Create or replace the merchant's stamp card program")
            .WithRequestBody<ProgramDefinition>();
        merchant.MapGet("/program", GetProgramAsync).WithSummary("The merchant's program");
        merchant.MapPost("/program/pool", ImportPoolAsync).Audited(PoolImported).WithSummary("Import Redeem Codes created in the POS (text/csv or application/json); ?pool=milestone:N or campaign:{id} fills that reward's own pool")
            .WithRequestBody<string[]>(required: true, ("text/csv", "One code per line, or a CSV file with a 'code' column."));
        merchant.MapGet("/program/pool", GetPoolAsync).WithSummary("The Redeem Code pool: where the program's codes come from, codes left unassigned, vouchers waiting for a code");
        merchant.MapPost("/cards", EnrollAsync).Audited("card.enrolled").WithSummary("Give a customer a card (e.g. on wallet sign-up)");
        merchant.MapGet("/cards", FindCardAsync).RequireMerchant(Permission.Read, Permission.Redeem).WithSummary("Find a card by loyalty card id, or by connector id and POS customer id");
        merchant.MapGet("/cards/search", SearchCardsAsync).WithSummary("Find cards by loyalty card id, POS customer id, e-mail address or phone number (compared by their hash), Redeem Code or card id");
        merchant.MapGet("/cards/{cardId:guid}", GetCardAsync).RequireMerchant(Permission.Read, Permission.Redeem).WithSummary("A card with its stamps and vouchers");
        merchant.MapPost("/cards/{cardId:guid}/stamps", AdjustStampsAsync).Audited(CustomerAudit.StampsAdjusted)
            .WithSummary("Add or take away stamps by hand, with a reason; reaching the goal mints the voucher as a sale would");
        merchant.MapPost("/cards/{cardId:guid}/links", LinkAsync).Audited("card.linked").WithSummary("Link a POS customer or a loyalty card id to a card");
        merchant.MapGet("/vouchers/{voucherId:guid}", GetVoucherAsync).WithSummary("A voucher and the history of its state");
        merchant.MapPost("/vouchers/{voucherId:guid}/void", VoidAsync).Audited(CustomerAudit.VoucherVoided).WithSummary("Void an unredeemed voucher, with a reason (required)");
        merchant.MapPost("/staff", CreateStaffAsync).RequireMerchant(Permission.ManageKeys).Audited("staff-token.created")
            .WithSummary("Create a staff member's redeem token (shown once): a key that may only redeem, add stamps and look cards up");
        merchant.MapDelete("/staff/{staffId}", RevokeStaffAsync).RequireMerchant(Permission.ManageKeys).Audited("staff-token.revoked").WithSummary("Revoke a staff member's tokens");
        merchant.MapGet("/unmatched", UnmatchedAsync).WithSummary("Sales that earned nothing for want of a card or a program, newest first (50 a page)");
        merchant.MapGet("/stats", StatsAsync).WithSummary("Stamps, vouchers issued and redeemed, redemption rate and active cards over the last ?days= (1–366, default 30), by day (UTC)");
        endpoints.MapCampaignApi();
        endpoints.MapRedemptionApi();
        endpoints.MapJoinApi();
        endpoints.MapScannerApi();
        return endpoints;
    }

    private static async Task<IResult> StatsAsync(string merchantId, int? days, MerchantStats stats, CancellationToken cancellationToken) =>
        days is < 1 or > MerchantStats.MaxDays
            ? Invalid("days", $"must be between 1 and {MerchantStats.MaxDays}")
            : Results.Ok(await stats.ReadAsync(merchantId, days ?? 30, cancellationToken));

    private static async Task<IResult> PutProgramAsync(string merchantId, HttpRequest request, ProgramStore programs, IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        if (BadMerchant(merchantId) is { } bad)
        {
            return bad;
        }

        ProgramDefinition? definition;
        try
        {
            definition = await JsonSerializer.DeserializeAsync<ProgramDefinition>(request.Body, json.Value.SerializerOptions, cancellationToken);
        }
        catch (JsonException ex)
        {
            var error = JsonBody.Describe(ex);
            return Invalid(error.Field, error.Message);
        }

        if (definition is null)
        {
            return Invalid("body", "send the program as a JSON object");
        }

        definition.MerchantId = merchantId;
        var saved = await programs.SaveAsync(definition, cancellationToken);
        if (saved.After is null)
        {
            return Results.ValidationProblem(saved.Errors.GroupBy(e => Camel(e.Field)).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()));
        }

        AuditProgramSave(request.HttpContext, saved);
        return Results.Ok(saved.After);
    }

    private static async Task<IResult> GetProgramAsync(string merchantId, LoyaltyDbContext db, CancellationToken cancellationToken) =>
        await db.Programs.AsNoTracking().SingleOrDefaultAsync(p => p.MerchantId == merchantId, cancellationToken) is { } program
            ? Results.Ok(program)
            : NoProgram(merchantId);

    private static async Task<IResult> GetPoolAsync(string merchantId, RedeemCodePool pool, CancellationToken cancellationToken) =>
        await pool.CountsAsync(merchantId, cancellationToken) is { } counts ? Results.Ok(counts) : NoProgram(merchantId);

    private static async Task<IResult> ImportPoolAsync(string merchantId, HttpRequest request, RedeemCodePool pool, CancellationToken cancellationToken)
    {
        var target = request.Query["pool"].ToString().Trim();
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        var import = await pool.ImportAsync(merchantId, target, request.ContentType ?? "text/csv", buffer.ToArray(), cancellationToken);
        return import.Outcome switch
        {
            PoolImportOutcome.NoProgram => NoProgram(merchantId),
            PoolImportOutcome.Invalid => Invalid(import.Error!.StartsWith("pool ", StringComparison.Ordinal) ? "pool" : "body", import.Error!),
            _ => Ok(request.HttpContext, import),
        };

        static IResult Ok(HttpContext http, PoolImport import)
        {
            AuditPoolImport(http, import);
            return Results.Ok(new PoolImportResponse(import.Received, import.Added, import.VouchersMinted));
        }
    }

    /// <summary>
    /// Tells the audit log of a program's save: the program's name, and the program before and after as the API shows
    /// it. <paramref name="kind"/> is for a page, which names its change (an endpoint declares it).
    /// </summary>
    public static void AuditProgramSave(HttpContext http, ProgramSave saved, string? kind = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(saved);
        var json = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var before = saved.Before is null ? null : JsonSerializer.Serialize(saved.Before, json);
        var after = saved.After is null ? null : JsonSerializer.Serialize(saved.After, json);
        if (kind is null)
        {
            http.Audit(saved.After?.Name, before, after);
        }
        else
        {
            http.Audit(kind, saved.After?.Name, before, after);
        }
    }

    /// <summary>Tells the audit log what an import of Redeem Codes did (no codes: they are what a voucher is redeemed with).</summary>
    public static void AuditPoolImport(HttpContext http, PoolImport import, string? kind = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(import);
        var after = $"{import.Received} codes read, {import.Added} added, {import.VouchersMinted} owed vouchers minted";
        if (kind is null)
        {
            http.Audit("Redeem Code pool", null, after);
        }
        else
        {
            http.Audit(kind, "Redeem Code pool", null, after);
        }
    }

    private static async Task<IResult> EnrollAsync(string merchantId, EnrollRequest? enroll, CardDirectory cards, VoucherLinks links, IWalletCardLinks cardLinks, CancellationToken cancellationToken)
    {
        string? loyaltyCardId = null;
        if (enroll?.LoyaltyCardId is { } given && (!CheckoutText.TryNormalizeIdentifier(given, out loyaltyCardId, out var problem) || loyaltyCardId.Length == 0))
        {
            return Invalid("loyaltyCardId", problem ?? $"is empty; give 1–{CheckoutText.MaxIdentifierLength} printable characters, or leave it out");
        }

        var cardId = await cards.EnrollAsync(merchantId, loyaltyCardId, cancellationToken);
        if (cardId is null)
        {
            return NoProgram(merchantId);
        }

        var view = await cards.ViewAsync(merchantId, cardId.Value, cancellationToken);
        return Results.Created($"/api/merchants/{merchantId}/cards/{cardId}", CardResponse.From(view!, links, cardLinks));
    }

    private static async Task<IResult> FindCardAsync(string merchantId, string? loyaltyCardId, string? connectorId, string? sourceSystem, string? posCustomerId, CardDirectory cards, VoucherLinks links, IWalletCardLinks cardLinks, IConnectorSourceSystems connectors, CancellationToken cancellationToken)
    {
        var (identifier, invalid) = Identifier(loyaltyCardId, connectorId, sourceSystem, posCustomerId, connectors, "query");
        if (identifier is null)
        {
            return invalid!;
        }

        var cardId = await cards.FindByIdentifierAsync(merchantId, identifier.Value.Kind, identifier.Value.Value, cancellationToken);
        return cardId is null ? Results.Problem("No card has this identifier.", statusCode: StatusCodes.Status404NotFound) : await GetCardAsync(merchantId, cardId.Value, cards, links, cardLinks, cancellationToken);
    }

    private static async Task<IResult> GetCardAsync(string merchantId, Guid cardId, CardDirectory cards, VoucherLinks links, IWalletCardLinks cardLinks, CancellationToken cancellationToken) =>
        await cards.ViewAsync(merchantId, cardId, cancellationToken) is { } view
            ? Results.Ok(CardResponse.From(view, links, cardLinks))
            : Results.Problem("No such card for this merchant.", statusCode: StatusCodes.Status404NotFound);

    private static async Task<IResult> LinkAsync(string merchantId, Guid cardId, LinkRequest? link, CardDirectory cards, IConnectorSourceSystems connectors, CancellationToken cancellationToken)
    {
        var (identifier, invalid) = Identifier(link?.LoyaltyCardId, link?.ConnectorId, link?.SourceSystem, link?.PosCustomerId, connectors, "body");
        if (identifier is not { } given)
        {
            return invalid!;
        }

        return await cards.LinkAsync(merchantId, cardId, given.Kind, given.Value, cancellationToken) switch
        {
            null => Results.Problem("No such card for this merchant.", statusCode: StatusCodes.Status404NotFound),
            LinkOutcome.LinkedElsewhere => Results.Problem("This identifier already belongs to another customer's card.", statusCode: StatusCodes.Status409Conflict),
            var outcome => Results.Ok(new { outcome }),
        };
    }

    private static async Task<IResult> GetVoucherAsync(string merchantId, Guid voucherId, LoyaltyDbContext db, VoucherLinks links, CancellationToken cancellationToken)
    {
        var voucher = await db.Vouchers.AsNoTracking().SingleOrDefaultAsync(v => v.Id == voucherId && v.MerchantId == merchantId, cancellationToken);
        if (voucher is null)
        {
            return Results.Problem("No such voucher for this merchant.", statusCode: StatusCodes.Status404NotFound);
        }

        var history = await db.VoucherHistory.AsNoTracking().Where(h => h.VoucherId == voucherId).OrderBy(h => h.Id).ToListAsync(cancellationToken);
        return Results.Ok(new VoucherDetailResponse(VoucherResponse.From(voucher, links), history));
    }

    private static async Task<IResult> VoidAsync(string merchantId, Guid voucherId, VoidRequest? request, HttpContext http, CustomerCards customers, VoucherLinks links, CancellationToken cancellationToken)
    {
        var (voided, voucher, errors) = await customers.VoidVoucherAsync(merchantId, voucherId, request?.Reason, Caller.From(http.User)?.Name, cancellationToken);
        if (errors.Count > 0)
        {
            return FieldErrors.Problem(errors);
        }

        if (voided)
        {
            http.Audit(CustomerAudit.VoucherSubject(voucherId), CustomerAudit.VoidBefore, CustomerAudit.VoidAfter(voucher!));
        }

        return voucher is null ? Results.Problem("No such voucher for this merchant.", statusCode: StatusCodes.Status404NotFound)
            : voided ? Results.Ok(VoucherResponse.From(voucher, links))
            : Results.Problem($"The voucher is {voucher.State.ToString().ToLowerInvariant()}; only an issued voucher can be voided.", statusCode: StatusCodes.Status409Conflict);
    }

    private static async Task<IResult> SearchCardsAsync(string merchantId, string? q, CustomerCards customers, CancellationToken cancellationToken)
    {
        var (matches, errors) = await customers.SearchAsync(merchantId, q, cancellationToken);
        return errors.Count > 0 ? FieldErrors.Problem(errors) : Results.Ok(matches);
    }

    private static async Task<IResult> AdjustStampsAsync(string merchantId, Guid cardId, StampAdjustmentRequest? request, HttpContext http, CustomerCards customers, CancellationToken cancellationToken)
    {
        var (result, errors) = await customers.AdjustStampsAsync(merchantId, cardId, request?.Delta, request?.Reason, Caller.From(http.User)?.Name, cancellationToken);
        if (errors.Count > 0)
        {
            return FieldErrors.Problem(errors);
        }

        if (result?.Entry is not { } entry)
        {
            return Results.Problem("No such card for this merchant.", statusCode: StatusCodes.Status404NotFound);
        }

        http.Audit(CustomerAudit.CardSubject(cardId), null, CustomerAudit.AdjustAfter(result, entry));
        return Results.Ok(StampAdjustmentResponse.From(result, entry));
    }

    private static async Task<IResult> CreateStaffAsync(string merchantId, StaffRequest? staff, StaffTokens tokens, CancellationToken cancellationToken)
    {
        var staffId = staff?.StaffId?.Trim();
        if (!ConnectorManifest.IsValidId(staffId))
        {
            return Invalid("staffId", "is required: lower-case letters, digits and dashes, e.g. \"anna\" or \"till-2\"");
        }

        var token = await tokens.CreateAsync(merchantId, staffId!, cancellationToken);
        return Results.Created($"/api/merchants/{merchantId}/staff/{staffId}", new StaffTokenResponse(staffId!, token));
    }

    private static async Task<IResult> RevokeStaffAsync(string merchantId, string staffId, StaffTokens tokens, CancellationToken cancellationToken) =>
        await tokens.RevokeAsync(merchantId, staffId, cancellationToken) > 0 ? Results.NoContent() : Results.Problem("No active token for this staff member.", statusCode: StatusCodes.Status404NotFound);

    private static async Task<IResult> UnmatchedAsync(string merchantId, int? page, CustomerCards customers, CancellationToken cancellationToken)
    {
        var unmatched = await customers.UnmatchedAsync(merchantId, Math.Max(0, (page ?? 1) - 1) * 50, 50, cancellationToken);
        return Results.Ok(new UnmatchedResponse(unmatched.Count, unmatched.Sales));
    }

    /// <summary>
    /// The link-table identifier a request names: a loyalty card id, or a POS customer id within its point-of-sale
    /// system (<paramref name="sourceSystem"/>, or the source system of connector <paramref name="connectorId"/>). The
    /// ids pass the same rule as the ids of sales (<see cref="CheckoutText"/>), so they find what the sales linked.
    /// </summary>
    private static ((string Kind, string Value)? Identifier, IResult? Invalid) Identifier(string? loyaltyCardId, string? connectorId, string? sourceSystem, string? posCustomerId, IConnectorSourceSystems connectors, string where)
    {
        var usage = $"give loyaltyCardId, or posCustomerId with sourceSystem (or connectorId) in the {where}";
        if (loyaltyCardId is not null && posCustomerId is null)
        {
            return CheckoutText.TryNormalizeIdentifier(loyaltyCardId, out var card, out var problem) && card.Length > 0
                ? ((CustomerIdentity.Card, card), null)
                : (null, Invalid("loyaltyCardId", problem ?? "is empty; " + usage));
        }

        if (loyaltyCardId is not null || posCustomerId is null)
        {
            return (null, Invalid(where, usage));
        }

        if (!CheckoutText.TryNormalizeIdentifier(posCustomerId, out var customer, out var customerProblem) || customer.Length == 0)
        {
            return (null, Invalid("posCustomerId", customerProblem ?? "is empty; " + usage));
        }

        string? source;
        if (sourceSystem is not null)
        {
            if (!SaleSource.TryParse(sourceSystem, out source))
            {
                return (null, Invalid("sourceSystem", SaleSource.Expected));
            }
        }
        else if (ConnectorManifest.IsValidId(connectorId))
        {
            source = connectors.SourceSystemOf(connectorId!) ?? connectorId;
        }
        else
        {
            return (null, Invalid(connectorId is null ? where : "connectorId", connectorId is null ? usage : "must be a connector id: lower-case letters, digits and dashes"));
        }

        return ((CustomerIdentity.Pos, CustomerIdentity.PosValue(source!, customer)), null);
    }

    private static IResult? BadMerchant(string merchantId) =>
        merchantId.Length is 0 or > 64 || merchantId.Any(char.IsControl) ? Invalid("merchantId", "must be 1–64 printable characters") : null;

    private static IResult NoProgram(string merchantId) =>
        Results.Problem($"Merchant '{merchantId}' has no program yet: PUT /api/merchants/{merchantId}/program first.", statusCode: StatusCodes.Status404NotFound);

    internal static IResult Invalid(string field, string message) => Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    private static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];
}
