using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SevenStamp.Http.RateLimiting;

/// <summary>
/// Registers the abuse limits with ASP.NET Core's rate limiter; the counting is the framework's fixed windows. An
/// endpoint can name one policy, so each policy of <see cref="RateLimits"/> counts per client address as the
/// endpoint's policy, and its per-key rule (token, link, device) runs as the global limiter, which the middleware
/// checks first. In that order a request refused for its key costs its client nothing, so one flooding key behind a
/// shared address (a shop's router, a carrier's NAT) does not use up the allowance of the others behind it. A policy
/// that counts its client first (<see cref="RateLimits.Join"/>) swaps the two: its client's rule is the global one.
/// </summary>
public static class RateLimitingServiceCollectionExtensions
{
    /// <summary>Adds the limits and binds <see cref="RateLimitOptions"/> from <c>SevenStamp:RateLimits</c> (checked at start). The pipeline needs <c>UseRateLimiter()</c>.</summary>
    public static IServiceCollection AddRateLimits(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimits.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(options =>
        {
            foreach (var name in RateLimitPolicies.Names)
            {
                options.AddPolicy(name, http =>
                {
                    if (RateLimitPolicies.For(http) is not { } policy)
                    {
                        return RateLimitPartition.GetNoLimiter(string.Empty);
                    }

                    if (policy is { ClientFirst: true, Key: { } key, PerKey: { } perKey })
                    {
                        // The second line: only what the client's limit (the global limiter) let through counts here.
                        var keyRule = perKey(Current(http));
                        return RateLimitPartition.GetFixedWindowLimiter(key(http), _ => Window(keyRule));
                    }

                    // A page that counts as another policy (a customer's page) keeps that policy's partitions apart.
                    var rule = policy.PerClient(Current(http));
                    var client = RateLimitPolicies.Client(http);
                    return RateLimitPartition.GetFixedWindowLimiter(policy.Name == name ? client : policy.Name + " " + client, _ => Window(rule));
                });
            }

            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                if (RateLimitPolicies.For(http) is not { Key: { } key, PerKey: { } perKey } policy)
                {
                    return RateLimitPartition.GetNoLimiter(string.Empty);
                }

                if (policy.ClientFirst)
                {
                    var clientRule = policy.PerClient(Current(http));
                    return RateLimitPartition.GetFixedWindowLimiter(policy.Name + " client " + RateLimitPolicies.Client(http), _ => Window(clientRule));
                }

                var rule = perKey(Current(http));
                return RateLimitPartition.GetFixedWindowLimiter(policy.Name + " " + key(http), _ => Window(rule));
            });
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = RefuseAsync;
        });
        return services;
    }

    private static RateLimitOptions Current(HttpContext http) => http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;

    private static FixedWindowRateLimiterOptions Window(RateLimitRule rule) => new()
    {
        PermitLimit = rule.PermitLimit,
        Window = rule.Window,
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    /// <summary>
    /// 429 with <c>Retry-After</c> in whole seconds: when the window that refused the request ends. A page's request
    /// gets a page (<see cref="IRateLimitPage"/>, where the host has one), anything else a problem.
    /// </summary>
    private static async ValueTask RefuseAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var policy = RateLimitPolicies.For(http)?.Name ?? "unknown";
        RateLimitLog.Refused(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RateLimits)), policy, seconds);
        if (http.RequestServices.GetService<IRateLimitPage>() is { } page && await page.TryWriteAsync(http, seconds))
        {
            return;
        }

        await Results.Problem($"Too many requests; try again in {seconds} s.", statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(http);
    }
}
