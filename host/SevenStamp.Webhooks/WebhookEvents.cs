using System.Collections.Frozen;

namespace SevenStamp.Webhooks;

/// <summary>The events a subscription can hear, by the names receivers see in the payload's <c>event</c>.</summary>
public static class WebhookEvents
{
    public const string CardIssued = "card_issued";
    public const string CardSaved = "card_saved";
    public const string StampAdded = "stamp_added";
    public const string StampsRevoked = "stamps_revoked";
    public const string GoalReached = "goal_reached";
    public const string VoucherIssued = "voucher_issued";
    public const string VoucherRedeemed = "voucher_redeemed";
    public const string VoucherExpired = "voucher_expired";
    public const string VoucherVoided = "voucher_voided";
    public const string VoucherReinstated = "voucher_reinstated";
    public const string RedeemCodeRejected = "redeem_code_rejected";
    public const string CampaignSent = "campaign_sent";

    /// <summary>A subscription's event list that means every event, those added later too.</summary>
    public const string All = "*";

    /// <summary>Every event, with what it means, in the order the README lists them.</summary>
    public static readonly IReadOnlyList<(string Name, string Description)> Catalogue =
    [
        (CardIssued, "A customer got a new stamp card: they joined, or their first sale or an API call made it."),
        (CardSaved, "The customer added their card to Apple Wallet or Google Wallet."),
        (StampAdded, "Stamps were added to a card, for a sale or at the counter."),
        (StampsRevoked, "A refund took stamps back from a card."),
        (GoalReached, "A card reached its stamp goal."),
        (VoucherIssued, "A voucher with its Redeem Code was minted for a card."),
        (VoucherRedeemed, "A voucher was redeemed: by a sale carrying its code, by staff at the counter, or by the customer."),
        (VoucherExpired, "A voucher passed its expiry date unredeemed."),
        (VoucherVoided, "The merchant voided a voucher."),
        (VoucherReinstated, "The sale that redeemed a voucher was refunded, so the voucher can be used again."),
        (RedeemCodeRejected, "A sale carried a Redeem Code that could not be honoured (unknown, already redeemed, expired or voided)."),
        (CampaignSent, "A campaign finished sending its vouchers (each is also a voucher_issued), or its own pool of Redeem Codes ran out."),
    ];

    public static readonly FrozenSet<string> Names = Catalogue.Select(e => e.Name).ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// A subscription's event list as given (names separated by commas or spaces, or <c>*</c>) in its stored form, or
    /// the error naming what is wrong.
    /// </summary>
    public static (string? Stored, string? Error) Parse(IEnumerable<string>? events)
    {
        var given = (events ?? []).SelectMany(e => (e ?? string.Empty).Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (given.Count == 0 || given.Contains(All))
        {
            return (All, null);
        }

        var unknown = given.Where(e => !Names.Contains(e.ToLowerInvariant())).Distinct(StringComparer.Ordinal).ToList();
        return unknown.Count > 0
            ? (null, $"'{string.Join("', '", unknown)}' {(unknown.Count == 1 ? "is not an event" : "are not events")}; use {string.Join(", ", Names.Order(StringComparer.Ordinal))}, or * for all")
            : (string.Join(',', given.Select(e => e.ToLowerInvariant()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)), null);
    }

    /// <summary>The events of a stored list.</summary>
    public static IReadOnlyList<string> Of(string stored) =>
        stored == All ? [All] : stored.Split(',', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Whether a stored list includes <paramref name="eventType"/>.</summary>
    public static bool Wants(string stored, string eventType) =>
        stored == All || stored.Split(',').Contains(eventType, StringComparer.Ordinal);
}
