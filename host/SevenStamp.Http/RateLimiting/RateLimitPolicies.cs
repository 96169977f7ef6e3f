using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;

namespace SevenStamp.Http.RateLimiting;

/// <summary>
/// One abuse limit as the rate limiter applies it: <paramref name="PerClient"/> is the rule for one client address;
/// where a request also carries a key (the staff token, the link, the device), <paramref name="Key"/> names it and
/// <paramref name="PerKey"/> is the rule for that key from any address. The key's rule is counted first, so a request
/// refused for its key costs its client nothing; with <paramref name="ClientFirst"/> the client's is counted first, so
/// a request refused for its client costs the key nothing (a merchant's joins, which any address may ask for).
/// </summary>
internal sealed record RateLimitPolicy(string Name, Func<RateLimitOptions, RateLimitRule> PerClient, Func<HttpContext, string>? Key = null, Func<RateLimitOptions, RateLimitRule>? PerKey = null, bool ClientFirst = false);

/// <summary>Every abuse limit, with what each counts by. The one place a new limit is added (with its rule in <see cref="RateLimitOptions"/>).</summary>
internal static class RateLimitPolicies
{
    public static IReadOnlyList<RateLimitPolicy> All { get; } =
    [
        new(RateLimits.StaffRedeem, o => o.StaffRedeemPerClient, StaffToken, o => o.StaffRedeem),
        new(RateLimits.SelfRedeem, o => o.SelfRedeemPerClient, Link, o => o.SelfRedeem),
        new(RateLimits.CustomerLinks, o => o.CustomerLinksPerClient, Link, o => o.CustomerLinks),
        new(RateLimits.PassKitRegistrations, o => o.PassKitRegistrationsPerClient, Device, o => o.PassKitRegistrations),
        new(RateLimits.PassKitPasses, o => o.PassKitPassesPerClient, DeviceOrPass, o => o.PassKitPasses),
        new(RateLimits.PassKitLog, o => o.PassKitLog),
        new(RateLimits.SignIn, o => o.SignIn),
        new(RateLimits.PasswordReset, o => o.PasswordReset),
        new(RateLimits.Join, o => o.JoinPerClient, Merchant, o => o.JoinPerMerchant, ClientFirst: true),
    ];

    /// <summary>The names an endpoint or a page may carry: every policy of <see cref="All"/>, and <see cref="RateLimits.CustomerPage"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(p => p.Name), RateLimits.CustomerPage];

    private static readonly Dictionary<string, RateLimitPolicy> ByName = All.ToDictionary(p => p.Name, StringComparer.Ordinal);

    /// <summary>
    /// The policy that counts this request, or null when none does: the endpoint's own; for a customer's page
    /// (<see cref="RateLimits.CustomerPage"/>) <see cref="RateLimits.CustomerLinks"/> when it is read and
    /// <see cref="RateLimits.SelfRedeem"/> when its form is posted; none for reading another page that carries a limit
    /// (the sign-in page counts its form posts, not the reads that show the form).
    /// </summary>
    public static RateLimitPolicy? For(HttpContext http)
    {
        var endpoint = http.GetEndpoint();
        var name = endpoint?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName;
        var read = HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method);
        if (name == RateLimits.CustomerPage)
        {
            name = read ? RateLimits.CustomerLinks : RateLimits.SelfRedeem;
        }
        else if (read && endpoint?.Metadata.GetMetadata<Microsoft.AspNetCore.Components.Endpoints.ComponentTypeMetadata>() is not null)
        {
            return null;
        }

        return name is not null && ByName.TryGetValue(name, out var policy) ? policy : null;
    }

    /// <summary>
    /// The client's address as the connection shows it: behind a reverse proxy that is the proxy's, unless the host
    /// is told to take <c>X-Forwarded-For</c> from it (README, "Running it for real").
    /// </summary>
    public static string Client(HttpContext http)
    {
        var address = http.Connection.RemoteIpAddress;
        return address is null ? "unknown" : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
    }

    /// <summary>The staff token; a request without one counts by its client (it gets 401 anyway).</summary>
    private static string StaffToken(HttpContext http) => BearerToken.Of(http.Request) is { } token ? "token " + token : "client " + Client(http);

    /// <summary>The customer's link, <c>{voucherId or cardId}/{token}</c>: a guessed token is a link of its own, so guessing cannot use up the customer's.</summary>
    private static string Link(HttpContext http)
    {
        var values = http.Request.RouteValues;
        var id = values["voucherId"] ?? values["cardId"];
        return id is null ? "client " + Client(http) : $"{id}/{values["token"]}";
    }

    /// <summary>The merchant of the route (<c>{merchantId}</c>).</summary>
    private static string Merchant(HttpContext http) => http.Request.RouteValues["merchantId"] as string ?? string.Empty;

    private static string Device(HttpContext http) => http.Request.RouteValues["deviceLibraryIdentifier"] as string ?? string.Empty;

    private static string DeviceOrPass(HttpContext http) =>
        http.Request.RouteValues["deviceLibraryIdentifier"] is string device ? "device " + device : "pass " + http.Request.RouteValues["serialNumber"];
}
