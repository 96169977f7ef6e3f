using System.Globalization;
using Microsoft.AspNetCore.Components;
using SevenStamp.Accounts;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Engine;
using SevenStamp.Loyalty.Queries;

namespace SevenStamp.Connectors.Host.Components.Pages.Customer;

/// <summary>
/// A page a customer opens from their own link (their card, their voucher): anonymous, the link's token is the
/// credential, and a wrong token is answered exactly as a card that does not exist (the app's not-found page, 404).
/// The page reads the card as the wallet passes do (<see cref="ICardSnapshots"/>), and is never cached nor sends its
/// link on as a referrer: the link is the credential.
/// </summary>
public abstract class CustomerLinkPage : ComponentBase
{
    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = null!;

    [Inject]
    private ICardSnapshots Snapshots { get; set; } = null!;

    [Inject]
    private MerchantAccounts Merchants { get; set; } = null!;

    [Inject]
    private VoucherLinks VoucherLinks { get; set; } = null!;

    [Inject]
    private TimeProvider Time { get; set; } = null!;

    [Inject]
    private NavigationManager Navigation { get; set; } = null!;

    /// <summary>The card as the page shows it; null while it loads, and for a wrong link.</summary>
    protected CustomerCardModel? Model { get; private set; }

    /// <summary>The link opened nothing: the app's not-found page answers, with 404.</summary>
    protected bool Missing { get; private set; }

    protected override void OnInitialized()
    {
        // Headers, not <meta> tags: a page's own HeadContent would take the place of its layout's (the style sheet).
        HttpContext.Response.Headers.CacheControl = "no-store";
        HttpContext.Response.Headers["Referrer-Policy"] = "no-referrer";
    }

    /// <summary>Reads card <paramref name="cardId"/>, showing <paramref name="voucherId"/> (or else its featured voucher); 404 when there is no such card.</summary>
    protected async Task LoadAsync(Guid cardId, Guid? voucherId = null)
    {
        var card = await Snapshots.FindAsync(cardId, HttpContext.RequestAborted);
        var voucher = card is null ? null : voucherId is { } id ? card.Vouchers.FirstOrDefault(v => v.VoucherId == id) : card.Featured;
        if (card is null || (voucherId is not null && voucher is null))
        {
            NotFound();
            return;
        }

        var merchant = await Merchants.DisplayNameAsync(card.MerchantId, HttpContext.RequestAborted);
        Model = new CustomerCardModel(merchant, card, voucher, voucher is null ? null : VoucherLinks.PathFor(voucher.VoucherId), Time.GetUtcNow());
        Missing = false;
    }

    protected void NotFound()
    {
        Model = null;
        Missing = true;
        Navigation.NotFound();
    }
}

/// <summary>What a customer's page shows: the merchant, the card, the voucher in focus and its own link, as of <paramref name="Now"/>.</summary>
public sealed record CustomerCardModel(string MerchantName, CardSnapshot Card, VoucherSnapshot? Voucher, string? VoucherPath, DateTimeOffset Now)
{
    /// <summary>Whether the page offers "Use now": the program lets customers redeem themselves and the voucher is redeemable.</summary>
    public bool OffersSelfRedeem => (Voucher?.RedemptionPath ?? Card.RedemptionPath) == RedemptionPath.SelfRedeem && Voucher?.IsRedeemableAt(Now) == true;

    /// <summary>The voucher's confirm step ("Use it now?"), on the voucher's own page.</summary>
    public string? ConfirmPath => VoucherPath is null ? null : VoucherPath + "?step=confirm";
}

/// <summary>How the customer's pages write dates and times: in UTC on the server (the page's script shows times in the phone's own zone).</summary>
public static class CustomerTime
{
    /// <summary>A day: "5 Jan 2027".</summary>
    public static string Date(DateTimeOffset at) => at.UtcDateTime.ToString("d MMM yyyy", CultureInfo.InvariantCulture);

    /// <summary>A time to the second: "14:02:11 UTC".</summary>
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    /// <summary>A day and a time: "5 Jan 2027, 14:02:11 UTC".</summary>
    public static string DateTime(DateTimeOffset at) => at.UtcDateTime.ToString("d MMM yyyy, HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    /// <summary>An instant for a script or a <c>&lt;time datetime&gt;</c>.</summary>
    public static string Machine(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
