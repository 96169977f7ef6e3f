using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using SevenStamp.Http;
using SevenStamp.Http.Access;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Engine;

namespace SevenStamp.Loyalty.Api;

/// <summary>
/// Campaigns under <c>/api/merchants/{merchantId}/campaigns</c>: create (now or scheduled), preview, list, read one
/// with its progress, cancel while scheduled, and import codes into a campaign's own pool. Changes need write on the
/// merchant, reads and previews read; another merchant's campaign id is 404. The console calls the same
/// <see cref="CampaignService"/>.
/// </summary>
public static class CampaignApi
{
    public const string Created = "campaign.created";
    public const string Cancelled = "campaign.cancelled";
    public const string PoolImported = "campaign.pool-imported";

    public static IEndpointRouteBuilder MapCampaignApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var campaigns = endpoints.MapGroup("/api/merchants/{merchantId}/campaigns");
        campaigns.WithTags("Campaigns");
        campaigns.MapPost(string.Empty, CreateAsync).Audited(Created)
            .WithSummary("Create a campaign: one voucher for every card of a segment, now or at startAt (cardIds or cardListCsv for the CardList segment)")
            .WithRequestBody<CampaignDefinition>();
        campaigns.MapPost("/preview", PreviewAsync).RequireMerchant(Permission.Read, Permission.Write).NotAudited()
            .WithSummary("What a campaign would send if it started now: the cards in its segment and a sample of up to 10, with their stamps")
            .WithRequestBody<CampaignDefinition>();
        campaigns.MapGet(string.Empty, ListAsync).WithSummary("The merchant's campaigns, newest first, with their state and progress");
        campaigns.MapGet("/{campaignId:guid}", GetAsync).WithSummary("A campaign with its progress: cards in its segment, vouchers issued, pool shortfall");
        campaigns.MapPost("/{campaignId:guid}/cancel", CancelAsync).Audited(Cancelled).WithSummary("Cancel a campaign that has not started yet (409 once it has)");
        campaigns.MapPost("/{campaignId:guid}/pool", ImportPoolAsync).Audited(PoolImported)
            .WithSummary("Import Redeem Codes into the campaign's own pool (text/csv or application/json); a campaign that ran out sends to the cards left")
            .WithRequestBody<string[]>(required: true, ("text/csv", "One code per line, or a CSV file with a 'code' column."));
        return endpoints;
    }

    private static async Task<IResult> CreateAsync(string merchantId, HttpRequest request, CampaignService campaigns, IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        var (definition, invalid) = await ReadAsync(request, json, cancellationToken);
        if (definition is null)
        {
            return invalid!;
        }

        var created = await campaigns.CreateAsync(merchantId, definition, Caller.From(request.HttpContext.User)?.Name, cancellationToken);
        if (created.Campaign is not { } campaign)
        {
            return Refused(created.Outcome, created.Errors, merchantId);
        }

        request.HttpContext.Audit(Subject(campaign), null, Summary(campaign));
        return Results.Created($"/api/merchants/{merchantId}/campaigns/{campaign.Id}", CampaignResponse.From(campaign));
    }

    private static async Task<IResult> PreviewAsync(string merchantId, HttpRequest request, CampaignService campaigns, IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        var (definition, invalid) = await ReadAsync(request, json, cancellationToken);
        if (definition is null)
        {
            return invalid!;
        }

        var preview = await campaigns.PreviewAsync(merchantId, definition, cancellationToken);
        return preview.Outcome == CampaignOutcome.Done
            ? Results.Ok(new CampaignPreviewResponse(preview.CardsInSegment, preview.Sample))
            : Refused(preview.Outcome, preview.Errors, merchantId);
    }

    private static async Task<IResult> ListAsync(string merchantId, CampaignService campaigns, CancellationToken cancellationToken) =>
        Results.Ok((await campaigns.ListAsync(merchantId, 200, cancellationToken)).Select(CampaignResponse.From));

    private static async Task<IResult> GetAsync(string merchantId, Guid campaignId, CampaignService campaigns, CancellationToken cancellationToken) =>
        await campaigns.GetAsync(merchantId, campaignId, cancellationToken) is { } campaign ? Results.Ok(CampaignResponse.From(campaign)) : NotFound();

    private static async Task<IResult> CancelAsync(string merchantId, Guid campaignId, HttpContext http, CampaignService campaigns, CancellationToken cancellationToken)
    {
        var cancelled = await campaigns.CancelAsync(merchantId, campaignId, cancellationToken);
        switch (cancelled.Outcome)
        {
            case CampaignOutcome.Done:
                http.Audit(Subject(cancelled.Campaign!), "scheduled", "cancelled");
                return Results.Ok(CampaignResponse.From(cancelled.Campaign!));
            case CampaignOutcome.Conflict:
                return Results.Problem(
                    $"The campaign is {cancelled.Campaign!.State.ToString().ToLowerInvariant()}; only a campaign that has not started yet can be cancelled.",
                    statusCode: StatusCodes.Status409Conflict);
            default:
                return NotFound();
        }
    }

    private static async Task<IResult> ImportPoolAsync(string merchantId, Guid campaignId, HttpRequest request, CampaignService campaigns, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        var import = await campaigns.ImportPoolAsync(merchantId, campaignId, request.ContentType ?? "text/csv", buffer.ToArray(), cancellationToken);
        if (import is null)
        {
            return NotFound();
        }

        if (import.Outcome == PoolImportOutcome.Invalid)
        {
            return LoyaltyApi.Invalid("body", import.Error!);
        }

        request.HttpContext.Audit($"campaign {campaignId} pool", null, $"{import.Received} codes read, {import.Added} added");
        return Results.Ok(new PoolImportResponse(import.Received, import.Added, import.VouchersMinted));
    }

    private static async Task<(CampaignDefinition? Definition, IResult? Invalid)> ReadAsync(HttpRequest request, IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        try
        {
            var definition = await JsonSerializer.DeserializeAsync<CampaignDefinition>(request.Body, json.Value.SerializerOptions, cancellationToken);
            return definition is null ? (null, LoyaltyApi.Invalid("body", "send the campaign as a JSON object")) : (definition, null);
        }
        catch (JsonException ex)
        {
            var error = JsonBody.Describe(ex);
            return (null, LoyaltyApi.Invalid(error.Field, error.Message));
        }
    }

    private static IResult Refused(CampaignOutcome outcome, IReadOnlyList<Connectors.Sdk.SettingError> errors, string merchantId) => outcome == CampaignOutcome.NoProgram
        ? Results.Problem($"Merchant '{merchantId}' has no program yet: PUT /api/merchants/{merchantId}/program first.", statusCode: StatusCodes.Status404NotFound)
        : FieldErrors.Problem(errors);

    private static IResult NotFound() => Results.Problem("No such campaign for this merchant.", statusCode: StatusCodes.Status404NotFound);

    /// <summary>The audit log's subject of a campaign.</summary>
    public static string Subject(Campaign campaign)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        return $"campaign \"{campaign.Name}\" ({campaign.Id})";
    }

    /// <summary>The audit log's summary of a new campaign: what, to whom, when.</summary>
    public static string Summary(Campaign campaign)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        return $"{campaign.Reward}; segment {campaign.Segment}{(campaign.SegmentValue is { } value ? $" {value}" : string.Empty)}; starts {campaign.StartAt.UtcDateTime:yyyy-MM-dd HH:mm}Z; codes {campaign.CodeSource}";
    }
}

/// <summary>A campaign as the API shows it, with its progress.</summary>
public sealed record CampaignResponse(
    Guid Id,
    string Name,
    string Reward,
    int? ValidDays,
    DateTimeOffset? ExpiresAt,
    RedemptionPath RedemptionPath,
    RedeemCodeSource CodeSource,
    string CodePrefix,
    CampaignSegment Segment,
    int? SegmentValue,
    DateTimeOffset StartAt,
    CampaignState State,
    string? CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    DateTimeOffset? CancelledAt,
    int CardsInSegment,
    int VouchersIssued,
    int PoolShortfall)
{
    public static CampaignResponse From(Campaign c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return new(c.Id, c.Name, c.Reward, c.ValidDays, c.ExpiresAt, c.RedemptionPath, c.CodeSource, c.CodePrefix, c.Segment, c.SegmentValue, c.StartAt, c.State, c.CreatedBy, c.CreatedAt,
            c.StartedAt, c.CompletedAt, c.CancelledAt, c.CardsInSegment, c.VouchersIssued, c.PoolShortfall);
    }
}

/// <summary>A campaign's preview: the cards its segment holds now, and up to 10 of them with their stamps.</summary>
public sealed record CampaignPreviewResponse(int CardsInSegment, IReadOnlyList<CampaignSampleCard> Sample);
