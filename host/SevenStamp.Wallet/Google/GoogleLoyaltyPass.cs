using System.Globalization;
using System.Text.Json.Nodes;
using SevenStamp.Http.Localization;
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

        if (!string.IsNullOrWhiteSpace(options.CallbackUrl))
        {
            // Google posts a signed callback here when a customer saves or deletes an object of this class.
            body["callbackOptions"] = new JsonObject { ["url"] = options.CallbackUrl };
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

    /// <summary>
    /// The fields, their words in every language customers read: the English text in <c>label</c>/<c>header</c>/<c>body</c>
    /// and a <c>localized…</c> twin with the translations (Google shows the device's language). The reward stays as
    /// the merchant wrote it.
    /// </summary>
    private static IEnumerable<(string Name, JsonNode? Value)> Fields(CardSnapshot card)
    {
        var say = new PassPhrases();
        yield return ("state", StateOf(card));
        yield return ("loyaltyPoints", Points(say, StampsLabel, card.Stamps));
        yield return ("secondaryLoyaltyPoints", Points(say, GoalLabel, card.Goal));

        var redeemable = card.Featured is { State: VoucherState.Issued } ready ? ready : null;
        yield return ("barcode", redeemable is null ? null : new JsonObject
        {
            ["type"] = "QR_CODE",
            ["value"] = redeemable.RedeemCode,
            ["alternateText"] = redeemable.RedeemCode,
        });

        var modules = new JsonArray
        {
            Module(say, "reward", say.Say("Reward"), say.Say("{0} for {1} stamps", card.Reward, card.Goal)),
            Module(say, "voucher", say.Say("Voucher"), VoucherText(card, say)),
        };
        if (PassNews.Of(card, say) is { } news)
        {
            modules.Add(Module(say, "news", say.Say("News"), news));
        }

        if (card.Debt > 0)
        {
            modules.Add(Module(say, "owed", say.Say("Stamps owed"), say.Say("{0} stamps were refunded after your last voucher; your next stamps make up for them.", card.Debt)));
        }

        yield return ("textModulesData", modules);
    }

    /// <summary>
    /// The card's reminder as a Google Wallet message that notifies the phone (<c>TEXT_AND_NOTIFY</c>), with an id of
    /// its own per reminder (a retry sends the same id); null when the card has no reminder now.
    /// </summary>
    public static JsonObject? ReminderMessage(CardSnapshot card)
    {
        ArgumentNullException.ThrowIfNull(card);
        var say = new PassPhrases();
        if (card.Reminder is not { } reminder || PassNews.Of(card, say) is not { } text)
        {
            return null;
        }

        var id = reminder.Kind == PassReminderKind.VoucherExpiringSoon && card.Featured is { } voucher
            ? $"expiry-{voucher.VoucherId:N}"
            : $"nudge-{reminder.SentAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}";
        var header = say.Say("News");
        return new JsonObject
        {
            ["id"] = id,
            ["header"] = header,
            ["body"] = text,
            ["localizedHeader"] = Localized(say, header),
            ["localizedBody"] = Localized(say, text),
            ["messageType"] = "TEXT_AND_NOTIFY",
        };
    }

    private static JsonObject Points(PassPhrases say, string label, int balance) => new()
    {
        ["label"] = say.Say(label),
        ["localizedLabel"] = Localized(say, label),
        ["balance"] = new JsonObject { ["int"] = balance },
    };

    private static JsonObject Module(PassPhrases say, string id, string header, string body) => new()
    {
        ["id"] = id,
        ["header"] = header,
        ["body"] = body,
        ["localizedHeader"] = Localized(say, header),
        ["localizedBody"] = Localized(say, body),
    };

    /// <summary>A walletobjects LocalizedString of a phrase already said: English as the default, the translations beside it.</summary>
    private static JsonObject Localized(PassPhrases say, string english) => new()
    {
        ["defaultValue"] = new JsonObject { ["language"] = PeopleLanguages.Default, ["value"] = english },
        ["translatedValues"] = new JsonArray([.. PeopleLanguages.Tags
            .Where(t => t != PeopleLanguages.Default)
            .Select(t => (JsonNode)new JsonObject { ["language"] = t, ["value"] = say.Translation(english, t) })]),
    };

    private static string VoucherText(CardSnapshot card, PassPhrases say)
    {
        var featured = card.Featured;
        var toGo = Math.Max(0, card.Goal - card.Stamps) + card.Debt;
        return featured switch
        {
            { State: VoucherState.Issued, ExpiresAt: { } until } => say.Say("Ready: show code {0} at the till before {1}.", featured.RedeemCode, Day(until)),
            { State: VoucherState.Issued } => say.Say("Ready: show code {0} at the till.", featured.RedeemCode),
            { State: VoucherState.Redeemed } => say.Say("Redeemed on {0}. {1} more stamps to the next one.", Day(featured.ClosedAt ?? featured.IssuedAt), toGo),
            { State: VoucherState.Expired } => say.Say("Expired on {0}. {1} more stamps to the next one.", Day(featured.ClosedAt ?? featured.ExpiresAt ?? featured.IssuedAt), toGo),
            { State: VoucherState.Voided } => say.Say("Voided. {0} more stamps to the next one.", toGo),
            _ => say.Say("{0} more stamps to your first voucher.", toGo),
        };
    }

    private static string Day(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
