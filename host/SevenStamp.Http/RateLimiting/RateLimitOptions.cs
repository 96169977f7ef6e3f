using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace SevenStamp.Http.RateLimiting;

/// <summary>
/// The abuse limits, from <c>SevenStamp:RateLimits</c>: each one a fixed window of <see cref="RateLimitRule.Window"/>
/// letting <see cref="RateLimitRule.PermitLimit"/> requests through, then 429 with <c>Retry-After</c> until the window
/// ends. The defaults leave real use far below them: a busy counter redeems dozens a minute, a customer opens their
/// card a few times, an Apple device registers once per pass, a shop sees a few dozen customers join in an hour. A <c>…PerClient</c> limit counts one client address
/// across all keys: several tills behind one shop router, or phones behind one carrier's NAT, share an address, so
/// those are the generous ones. Checked at start: a rule out of range stops the host with the rule named.
/// </summary>
public sealed class RateLimitOptions
{
    [ValidateObjectMembers]
    public RateLimitRule StaffRedeem { get; set; } = RateLimitRule.PerMinute(120);

    [ValidateObjectMembers]
    public RateLimitRule StaffRedeemPerClient { get; set; } = RateLimitRule.PerMinute(600);

    [ValidateObjectMembers]
    public RateLimitRule SelfRedeem { get; set; } = RateLimitRule.PerMinute(10);

    [ValidateObjectMembers]
    public RateLimitRule SelfRedeemPerClient { get; set; } = RateLimitRule.PerMinute(60);

    [ValidateObjectMembers]
    public RateLimitRule CustomerLinks { get; set; } = RateLimitRule.PerMinute(60);

    [ValidateObjectMembers]
    public RateLimitRule CustomerLinksPerClient { get; set; } = RateLimitRule.PerMinute(600);

    [ValidateObjectMembers]
    public RateLimitRule PassKitRegistrations { get; set; } = RateLimitRule.PerMinute(30);

    [ValidateObjectMembers]
    public RateLimitRule PassKitRegistrationsPerClient { get; set; } = RateLimitRule.PerMinute(300);

    [ValidateObjectMembers]
    public RateLimitRule PassKitPasses { get; set; } = RateLimitRule.PerMinute(60);

    [ValidateObjectMembers]
    public RateLimitRule PassKitPassesPerClient { get; set; } = RateLimitRule.PerMinute(600);

    [ValidateObjectMembers]
    public RateLimitRule PassKitLog { get; set; } = RateLimitRule.PerMinute(20);

    [ValidateObjectMembers]
    public RateLimitRule SignIn { get; set; } = RateLimitRule.PerMinute(10);

    [ValidateObjectMembers]
    public RateLimitRule PasswordReset { get; set; } = new() { PermitLimit = 5, Window = TimeSpan.FromMinutes(15) };

    /// <summary>New cards from one client address: a shop's guest Wi-Fi puts many customers behind one address.</summary>
    [ValidateObjectMembers]
    public RateLimitRule JoinPerClient { get; set; } = new() { PermitLimit = 30, Window = TimeSpan.FromHours(1) };

    /// <summary>New cards of one merchant from all addresses: far above a busy shop's joins, far below a bot's.</summary>
    [ValidateObjectMembers]
    public RateLimitRule JoinPerMerchant { get; set; } = new() { PermitLimit = 300, Window = TimeSpan.FromHours(1) };
}

/// <summary>One limit: <see cref="PermitLimit"/> requests per <see cref="Window"/> (a fixed window, no queue).</summary>
public sealed class RateLimitRule
{
    [Range(1, 1_000_000, ErrorMessage = "SevenStamp:RateLimits:<Name>:PermitLimit must be between 1 and 1000000 (requests let through per window).")]
    public int PermitLimit { get; set; } = 1;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true, ErrorMessage = "SevenStamp:RateLimits:<Name>:Window must be between 00:00:01 and 1.00:00:00 (default 00:01:00).")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    public static RateLimitRule PerMinute(int permitLimit) => new() { PermitLimit = permitLimit };
}
