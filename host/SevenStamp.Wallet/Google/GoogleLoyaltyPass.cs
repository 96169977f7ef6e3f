using System.Globalization;
using System.Text.Json.Nodes;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Queries;

namespace SevenStamp.Wallet.Google;

/// <summary>
/// What Google Wallet shows for a card, as walletobjects JSON: the loyalty class of its program and the loyalty
/// object of the card. Built from the card's current state only, so sending it again is harmless.
/// </summary>
public static class GoogleLoyaltyPass
{
    public const string StampsLabel = "Stamps";
    public const string GoalLabel = "Goal";

    public static string ClassId(string issuerId, Guid programId) => $"{issuerId}.{programId:N}";

    public static string ObjectId(string issuerId, Guid cardId) => $"{issuerId}.{cardId:N}";

    /// <summary>
    /// <c>EXPIRED</c> when nothing on the card is worth anything any more: no stamps toward the next voucher, no
    /// stamps owed, no redeemable voucher, and its latest voucher expired or was voided. Otherwise <c>ACTIVE</c>
    /// (the next stamp makes an expired card active again).
    /// </summary>
    public static string StateOf(CardSnapshot card)
    {
        ArgumentNullException.ThrowIfNull(card);
        var latest = card.Vouchers.Count > 0 ? card.Vouchers[0] : null;
        var expired = card.Stamps == 0
            && card.Debt == 0
            && card.Vouchers.All(v => v.State != VoucherState.Issued)
            && latest?.State is VoucherState.Expired or VoucherState.Voided;
        return expired ? "EXPIRED" : "ACTIVE";
    }

    public static JsonObject Class(CardSnapshot card, GoogleWalletOptions options)
    {
        ArgumentNullException.ThrowIfNull(card);
        ArgumentNullException.ThrowIfNull(options);
        var branding = options.BrandingFor(card.MerchantId);
        var body = new JsonObject
        {
            ["id"] = ClassId(options.IssuerId, card.ProgramId),
            ["issuerName"] = branding.IssuerName,
            ["programName"] = card.ProgramName,
            ["programLogo"] = new JsonObject
            {
                ["sourceUri"] = new JsonObject { ["uri"] = branding.LogoUrl },
                ["contentDescription"] = new JsonObject { ["defaultValue"] = new JsonObject { ["language"] = "en-US", ["value"] = card.ProgramName } },
            },
            ["reviewStatus"] = "UNDER_REVIEW",
        };
        if (!string.IsNullOrWhiteSpace(branding.BackgroundColor))
        {
            body["hexBackgroundColor"] = branding.BackgroundColor;
        }

        return body;
    }

    /// <summary>The whole object: what an insert sends, and (without <c>id</c>/<c>classId</c>) what a patch sends.</summary>
    public static JsonObject Object(CardSnapshot card, GoogleWalletOptions options)
    {
        ArgumentNullException.ThrowIfNull(card);
        ArgumentNullException.ThrowIfNull(options);
        var body = new JsonObject
        {
            ["id"] = ObjectId(options.IssuerId, card.CardId),
            ["classId"] = ClassId(options.IssuerId, card.ProgramId),
        };
        foreach (var (name, value) in Fields(card))
        {
            body[name] = value;
        }

        return body;
    }

    /// <summary>The fields a patch sends: every field this host owns, a null clearing the barcode when no voucher is redeemable.</summary>
    public static JsonObject Patch(CardSnapshot card)
    {
        ArgumentNullException.ThrowIfNull(card);
        var body = new JsonObject();
        foreach (var (name, value) in Fields(card))
        {
            body[name] = value;
        }

        return body;
    }

    private static IEnumerable<(string Name, JsonNode? Value)> Fields(CardSnapshot card)
    {
        yield return ("state", StateOf(card));
        yield return ("loyaltyPoints", new JsonObject { ["label"] = StampsLabel, ["balance"] = new JsonObject { ["int"] = card.Stamps } });
        yield return ("secondaryLoyaltyPoints", new JsonObject { ["label"] = GoalLabel, ["balance"] = new JsonObject { ["int"] = card.Goal } });

        var redeemable = card.Featured is { State: VoucherState.Issued } ready ? ready : null;
        yield return ("barcode", redeemable is null ? null : new JsonObject
        {
            ["type"] = "QR_CODE",
            ["value"] = redeemable.RedeemCode,
            ["alternateText"] = redeemable.RedeemCode,
        });

        var modules = new JsonArray
        {
            new JsonObject { ["id"] = "reward", ["header"] = "Reward", ["body"] = $"{card.Reward} for {card.Goal} stamps" },
            new JsonObject { ["id"] = "voucher", ["header"] = "Voucher", ["body"] = VoucherText(card) },
        };
        if (card.Debt > 0)
        {
            modules.Add(new JsonObject { ["id"] = "owed", ["header"] = "Stamps owed", ["body"] = $"{card.Debt} stamps were refunded after your last voucher; your next stamps make up for them." });
        }

        yield return ("textModulesData", modules);
    }

    private static string VoucherText(CardSnapshot card)
    {
        var featured = card.Featured;
        var toGo = Math.Max(0, card.Goal - card.Stamps) + card.Debt;
        return featured switch
        {
            { State: VoucherState.Issued, ExpiresAt: { } until } => $"Ready: show code {featured.RedeemCode} at the till before {Day(until)}.",
            { State: VoucherState.Issued } => $"Ready: show code {featured.RedeemCode} at the till.",
            { State: VoucherState.Redeemed } => $"Redeemed on {Day(featured.ClosedAt ?? featured.IssuedAt)}. {toGo} more stamps to the next one.",
            { State: VoucherState.Expired } => $"Expired on {Day(featured.ClosedAt ?? featured.ExpiresAt ?? featured.IssuedAt)}. {toGo} more stamps to the next one.",
            { State: VoucherState.Voided } => $"Voided. {toGo} more stamps to the next one.",
            _ => $"{toGo} more stamps to your first voucher.",
        };
    }

    private static string Day(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
