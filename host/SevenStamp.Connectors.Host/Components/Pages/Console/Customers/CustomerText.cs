using System.Globalization;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Engine;

namespace SevenStamp.Connectors.Host.Components.Pages.Console.Customers;

/// <summary>
/// The words the customer pages use for the loyalty store's states and reasons (English keys for the localizer), and
/// how they write instants.
/// </summary>
public static class CustomerText
{
    /// <summary>An instant as the pages show it: day, month, year and time, in UTC (the host does not know the merchant's zone).</summary>
    public static string When(DateTimeOffset at) => at.UtcDateTime.ToString("d MMM yyyy, HH:mm", CultureInfo.InvariantCulture) + " UTC";

    /// <summary>The value of a <c>&lt;time datetime&gt;</c> attribute.</summary>
    public static string Machine(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Why a sale earned nothing, in words a merchant acts on.</summary>
    public static string Why(UnmatchedReason reason) => reason switch
    {
        UnmatchedReason.NoCustomer => "The sale named no customer: no loyalty card was scanned, and the till had no customer, e-mail or phone number for it.",
        UnmatchedReason.UnknownCustomer => "The customer has no card here yet, and your program does not give a card from a sale. Give them a card, or link their POS customer to their card.",
        UnmatchedReason.NoProgram => "Your stamp card program was not set up yet when this sale came in.",
        _ => "No card could be found for this sale.",
    };

    /// <summary>How a search found a card.</summary>
    public static string MatchedBy(string by) => by switch
    {
        "cardId" => "card id",
        "loyaltyCardId" => "loyalty card id",
        "posCustomerId" => "POS customer id",
        "email" => "e-mail address",
        "phone" => "phone number",
        "redeemCode" => "Redeem Code",
        _ => by,
    };

    /// <summary>A ledger line's kind.</summary>
    public static string What(LedgerKind kind) => kind switch
    {
        LedgerKind.Sale => "Sale",
        LedgerKind.Refund => "Refund",
        _ => "Adjusted by hand",
    };

    /// <summary>A voucher's state, as a badge says it.</summary>
    public static string State(VoucherState state) => state switch
    {
        VoucherState.Issued => "Ready to use",
        VoucherState.Redeemed => "Used",
        VoucherState.Expired => "Expired",
        _ => "Voided",
    };

    /// <summary>What a change of a voucher's state was, for its history.</summary>
    public static string Change(VoucherHistoryEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.State switch
        {
            VoucherState.Issued when entry.SaleId is not null => "Given back (its sale was refunded)",
            VoucherState.Issued => "Issued",
            VoucherState.Redeemed => entry.Method switch
            {
                RedemptionMethod.RedeemCode => "Used with its Redeem Code at the till",
                RedemptionMethod.StaffScan => "Scanned by staff",
                RedemptionMethod.SelfRedeem => "Used by the customer from their phone",
                _ => "Used",
            },
            VoucherState.Expired => "Expired",
            _ => "Voided",
        };
    }
}
