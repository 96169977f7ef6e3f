using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using SevenStamp.Http.RateLimiting;

namespace SevenStamp.Wallet.Apple;

/// <summary>
/// The PassKit limits as installations set them before <c>SevenStamp:RateLimits</c> existed:
/// <c>SevenStamp:Wallet:Apple:RegistrationsPerMinute</c> (per device, ten times that per client),
/// <c>LogRequestsPerMinute</c> and <c>PassRequestsPerMinute</c> (per client). Each still applies, per minute,
/// where the newer setting is not given; the newer one wins when both are.
/// </summary>
internal static class LegacyPassKitLimits
{
    public static void Apply(RateLimitOptions limits, IConfiguration configuration, IOptions<AppleWalletOptions> apple)
    {
        var section = configuration.GetSection(AppleWalletOptions.SectionName);
        var options = apple.Value;
        if (section[nameof(AppleWalletOptions.RegistrationsPerMinute)] is not null)
        {
            Apply(configuration, limits.PassKitRegistrations, nameof(RateLimitOptions.PassKitRegistrations), options.RegistrationsPerMinute);
            Apply(configuration, limits.PassKitRegistrationsPerClient, nameof(RateLimitOptions.PassKitRegistrationsPerClient), options.RegistrationsPerMinute * 10);
        }

        if (section[nameof(AppleWalletOptions.LogRequestsPerMinute)] is not null)
        {
            Apply(configuration, limits.PassKitLog, nameof(RateLimitOptions.PassKitLog), options.LogRequestsPerMinute);
        }

        if (section[nameof(AppleWalletOptions.PassRequestsPerMinute)] is not null)
        {
            Apply(configuration, limits.PassKitPassesPerClient, nameof(RateLimitOptions.PassKitPassesPerClient), options.PassRequestsPerMinute);
        }
    }

    private static void Apply(IConfiguration configuration, RateLimitRule rule, string name, int perMinute)
    {
        if (configuration.GetSection($"{RateLimits.SectionName}:{name}").Exists())
        {
            return;
        }

        rule.PermitLimit = perMinute;
        rule.Window = TimeSpan.FromMinutes(1);
    }
}
