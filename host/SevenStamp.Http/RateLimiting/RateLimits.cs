namespace SevenStamp.Http.RateLimiting;

/// <summary>
/// The names of the abuse limits, for <c>RequireRateLimiting(RateLimits.StaffRedeem)</c> on an endpoint. Each policy
/// counts per key (the staff token, the customer's link, the Apple device or pass) and, where a key exists, also per
/// client address, so neither a flood of keys from one address nor one key used from many addresses gets through.
/// The limits and their settings are in <see cref="RateLimitOptions"/>; <see cref="RateLimitingServiceCollectionExtensions.AddRateLimits"/>
/// registers them, and the host's pipeline needs <c>UseRateLimiter()</c> after routing.
/// </summary>
public static class RateLimits
{
    /// <summary>The configuration section: <c>SevenStamp:RateLimits:&lt;Name&gt;:PermitLimit</c> and <c>…:Window</c>.</summary>
    public const string SectionName = "SevenStamp:RateLimits";

    /// <summary>Staff redeem (<c>POST /api/staff/redeem</c>): per staff token and per client.</summary>
    public const string StaffRedeem = nameof(StaffRedeem);

    /// <summary>The customer redeems their voucher (<c>POST /v/{voucherId}/{token}/redeem</c>): per voucher link and per client.</summary>
    public const string SelfRedeem = nameof(SelfRedeem);

    /// <summary>Reading a customer's link: the voucher (<c>GET /v/…</c>), the card (<c>GET /wallet/cards/…</c>) and the pass downloads under it; per link and per client.</summary>
    public const string CustomerLinks = nameof(CustomerLinks);

    /// <summary>
    /// The customer's card and voucher pages (the HTML at the same links): reading one counts as
    /// <see cref="CustomerLinks"/> and posting its form (the voucher's "Use now") as <see cref="SelfRedeem"/>, with the
    /// same rules and the same per-link windows as the JSON answers of those links.
    /// </summary>
    public const string CustomerPage = nameof(CustomerPage);

    /// <summary>PassKit registrations and unregistrations: per device and per client.</summary>
    public const string PassKitRegistrations = nameof(PassKitRegistrations);

    /// <summary>PassKit fetches of the latest pass (per pass) and of a device's updated serial numbers (per device), and per client.</summary>
    public const string PassKitPasses = nameof(PassKitPasses);

    /// <summary>PassKit <c>/log</c>: per client (Apple sends no token with it).</summary>
    public const string PassKitLog = nameof(PassKitLog);

    /// <summary>Sign-in: per client. Per account, the lockout after repeated failures is the limit.</summary>
    public const string SignIn = nameof(SignIn);

    /// <summary>Using a password reset link, and accepting an invite: per client (both guess at a one-time token).</summary>
    public const string PasswordReset = nameof(PasswordReset);

    /// <summary>
    /// A customer joins from the merchant's poster (the join page's form and <c>POST /api/join/{merchantId}</c>): per
    /// client, then per merchant as a second line. A request its client's limit refused does not count for the
    /// merchant, so one flooding address cannot use up the merchant's joins.
    /// </summary>
    public const string Join = nameof(Join);
}
