using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Queries;

namespace SevenStamp.Webhooks;

/// <summary>
/// One loyalty event as outbound webhooks describe it: what the event itself says. <see cref="WebhookPayloads"/>
/// completes it with the card's and voucher's facts into the payload receivers get.
/// </summary>
internal sealed record LoyaltyEvent(string Type, string MerchantId, DateTimeOffset OccurredAt)
{
    public Guid? CardId { get; init; }

    public Guid? VoucherId { get; init; }

    public string? LocationId { get; init; }

    /// <summary>The card's stamps toward its goal right after the event, when the event says.</summary>
    public int? Stamps { get; init; }

    /// <summary>The card's goal, when the event says.</summary>
    public int? Goal { get; init; }

    /// <summary>The goal (1 for the first) the event concerns, when the event says.</summary>
    public int? GoalIndex { get; init; }

    /// <summary>How the voucher was redeemed, for <c>voucher_redeemed</c>.</summary>
    public RedemptionMethod? RedeemedVia { get; init; }

    /// <summary>The voucher's status the event leaves it in, for voucher events.</summary>
    public string? VoucherStatus { get; init; }

    /// <summary>What else this kind of event says (its <c>details</c>).</summary>
    public JsonObject Details { get; init; } = [];

    public static LoyaltyEvent From(CardIssued e) => new(WebhookEvents.CardIssued, e.MerchantId, e.IssuedAt)
    {
        CardId = e.CardId,
        LocationId = e.LocationId,
        Details = new() { ["origin"] = Snake(e.Origin.ToString()) },
    };

    public static LoyaltyEvent From(CardSaved e) => new(WebhookEvents.CardSaved, e.MerchantId, e.SavedAt)
    {
        CardId = e.CardId,
        Details = new() { ["wallet"] = e.Wallet },
    };

    public static LoyaltyEvent From(StampsAwarded e) => new(WebhookEvents.StampAdded, e.MerchantId, e.AwardedAt)
    {
        CardId = e.CardId,
        LocationId = e.LocationId,
        Stamps = e.Balance,
        Goal = e.Goal > 0 ? e.Goal : null,
        Details = new() { ["stamps_added"] = e.Stamps, ["sale_id"] = e.ExternalSaleId, ["debt"] = e.Debt },
    };

    public static LoyaltyEvent From(StampsRevoked e) => new(WebhookEvents.StampsRevoked, e.MerchantId, e.RevokedAt)
    {
        CardId = e.CardId,
        LocationId = e.LocationId,
        Stamps = e.Balance,
        Goal = e.Goal > 0 ? e.Goal : null,
        Details = new() { ["stamps_revoked"] = e.Stamps, ["sale_id"] = e.ExternalSaleId, ["refund_id"] = e.ExternalRefundId, ["debt"] = e.Debt },
    };

    public static LoyaltyEvent From(GoalReached e) => new(WebhookEvents.GoalReached, e.MerchantId, e.ReachedAt)
    {
        CardId = e.CardId,
        LocationId = e.LocationId,
        Goal = e.Goal,
        GoalIndex = e.Cycle,
    };

    public static LoyaltyEvent From(VoucherIssued e) => new(WebhookEvents.VoucherIssued, e.MerchantId, e.IssuedAt)
    {
        CardId = e.CardId,
        VoucherId = e.VoucherId,

        // A milestone's or campaign's voucher (cycle 0) rewards no goal: the card names the goal being filled.
        GoalIndex = e.Cycle > 0 ? e.Cycle : null,
        VoucherStatus = "issued",
    };

    public static LoyaltyEvent From(VoucherRedeemed e) => new(WebhookEvents.VoucherRedeemed, e.MerchantId, e.RedeemedAt)
    {
        CardId = e.CardId,
        VoucherId = e.VoucherId,
        LocationId = e.LocationId,
        RedeemedVia = e.Method,
        VoucherStatus = "redeemed",
        Details = new() { ["sale_id"] = e.ExternalSaleId },
    };

    public static LoyaltyEvent From(VoucherExpired e) => new(WebhookEvents.VoucherExpired, e.MerchantId, e.ExpiredAt)
    {
        CardId = e.CardId,
        VoucherId = e.VoucherId,
        VoucherStatus = "expired",
    };

    public static LoyaltyEvent From(VoucherVoided e) => new(WebhookEvents.VoucherVoided, e.MerchantId, e.VoidedAt)
    {
        CardId = e.CardId,
        VoucherId = e.VoucherId,
        VoucherStatus = "voided",
        Details = new() { ["reason"] = e.Reason },
    };

    public static LoyaltyEvent From(VoucherReinstated e) => new(WebhookEvents.VoucherReinstated, e.MerchantId, e.ReinstatedAt)
    {
        CardId = e.CardId,
        VoucherId = e.VoucherId,
        VoucherStatus = "issued",
        Details = new() { ["sale_id"] = e.ExternalSaleId },
    };

    public static LoyaltyEvent From(RedeemCodeRejected e) => new(WebhookEvents.RedeemCodeRejected, e.MerchantId, e.RejectedAt)
    {
        VoucherId = e.VoucherId,
        LocationId = e.LocationId,
        Details = new()
        {
            ["code"] = e.Code,
            ["reason"] = Snake(e.Reason.ToString()),
            ["sale_id"] = e.ExternalSaleId,
            ["redeemed_by_sale_id"] = e.RedeemedBySaleId,
            ["redeemed_at"] = e.RedeemedAt is { } at ? WebhookPayloads.Instant(at) : null,
        },
    };

    public static LoyaltyEvent From(CampaignSent e) => new(WebhookEvents.CampaignSent, e.MerchantId, e.CompletedAt)
    {
        Details = new()
        {
            ["campaign_id"] = e.CampaignId.ToString(),
            ["name"] = e.Name,
            ["vouchers_issued"] = e.VouchersIssued,
            ["pool_shortfall"] = e.PoolShortfall,
        },
    };

    /// <summary><c>AlreadyRedeemed</c> → <c>already_redeemed</c>.</summary>
    internal static string Snake(string pascal) => JsonNamingPolicy.SnakeCaseLower.ConvertName(pascal);
}

/// <summary>
/// The JSON body of an outbound webhook, in the shape integrators know from the loyalty platforms of the market:
/// snake_case, <c>event</c>, <c>timestamp</c>, <c>business_id</c>, <c>location_id</c>, <c>customer</c>,
/// <c>card</c>, <c>voucher</c>, plus the event's own <c>details</c>. Ids are this product's public ids; no e-mail or
/// phone, in clear or hashed. Each event's JSON Schema is in <c>Schemas/</c>.
/// </summary>
internal static class WebhookPayloads
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    /// <summary>The formats a Redeem Code is shown in on the customer's voucher page and pass.</summary>
    private static readonly string[] CodeFormats = ["text", "qr", "barcode"];

    public static async Task<(string Payload, Guid? CardId)> BuildAsync(LoyaltyEvent e, ICardEventFacts facts, CancellationToken cancellationToken)
    {
        var voucher = e.VoucherId is { } voucherId ? await facts.VoucherAsync(voucherId, cancellationToken) : null;
        var cardId = e.CardId ?? voucher?.CardId;
        var card = cardId is { } id ? await facts.CardAsync(id, cancellationToken) : null;

        var body = new JsonObject
        {
            ["event"] = e.Type,
            ["timestamp"] = Instant(e.OccurredAt),
            ["business_id"] = e.MerchantId,
            ["location_id"] = e.LocationId,
            ["customer"] = card is null ? null : new JsonObject
            {
                ["id"] = card.CustomerId.ToString(),
                ["wallet_pass_id"] = card.CardId.ToString("N"),
                ["language"] = card.Language,
            },
            ["card"] = cardId is null ? null : new JsonObject
            {
                ["id"] = cardId.Value.ToString(),
                ["goal_index"] = e.GoalIndex ?? (voucher is { Kind: VoucherKind.Goal } ? voucher.Cycle : (int?)null) ?? (card is null ? null : card.CyclesCompleted + 1),
                ["stamps"] = e.Stamps ?? card?.Stamps,
                ["goal"] = e.Goal ?? card?.Goal,
            },
            ["voucher"] = voucher is null ? null : new JsonObject
            {
                ["id"] = voucher.VoucherId.ToString(),
                ["type"] = voucher.Kind switch { VoucherKind.Milestone => "visit_milestone", VoucherKind.Campaign => "campaign", _ => "stamp_goal" },
                ["campaign_id"] = voucher.CampaignId?.ToString(),
                ["milestone_visit"] = voucher.MilestoneVisit,
                ["reward"] = voucher.Reward,
                ["redeem_code"] = voucher.RedeemCode,
                ["redeem_code_formats"] = new JsonArray(CodeFormats.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray()),
                ["status"] = e.VoucherStatus ?? Status(voucher.State),
                ["redeemed_via"] = (e.RedeemedVia ?? (e.VoucherStatus is null && voucher.State == VoucherState.Redeemed ? voucher.RedeemedBy : null)) is { } via ? Via(via) : null,
                ["expires_at"] = voucher.ExpiresAt is { } expires ? Instant(expires) : null,
            },
            ["details"] = e.Details.DeepClone(),
        };
        return (body.ToJsonString(Compact), cardId);
    }

    /// <summary>How the payload names a redemption path.</summary>
    public static string Via(RedemptionMethod method) => method switch
    {
        RedemptionMethod.RedeemCode => "pos_sale",
        RedemptionMethod.StaffScan => "staff_scanner",
        RedemptionMethod.SelfRedeem => "self_redeem",
        _ => LoyaltyEvent.Snake(method.ToString()),
    };

    public static string Instant(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Status(VoucherState state) => LoyaltyEvent.Snake(state.ToString());
}
