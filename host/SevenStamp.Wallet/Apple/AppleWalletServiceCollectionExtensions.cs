using System.Net;
using MassTransit;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SevenStamp.Http.RateLimiting;

namespace SevenStamp.Wallet.Apple;

/// <summary>Registers Apple Wallet passes: options, signing, the PassKit web service, APNs and the update consumer.</summary>
public static class AppleWalletServiceCollectionExtensions
{
    /// <summary>Adds Apple passes when <paramref name="section"/> (<c>SevenStamp:Wallet:Apple</c>) exists; validated at start.</summary>
    public static IServiceCollection AddAppleWallet(this IServiceCollection services, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        if (!section.Exists())
        {
            return services;
        }

        services.AddOptions<AppleWalletOptions>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AppleWalletOptions>, AppleWalletOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new AppleWalletMarker(BasePath(section["WebServiceUrl"])));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<AppleWalletOptions>>().Value);
        services.AddSingleton(sp => AppleWalletCredentials.Load(sp.GetRequiredService<AppleWalletOptions>()));
        services.AddSingleton(sp => new PassBranding(sp.GetRequiredService<AppleWalletOptions>().BrandingRoot));
        services.AddSingleton<PkpassBuilder>();
        services.AddOptions<RateLimitOptions>().Configure<IConfiguration, IOptions<AppleWalletOptions>>(LegacyPassKitLimits.Apply);
        services.AddSingleton<ApnsTokenSource>();
        // No per-request HTTP client log: APNs URLs end in the device's push token (/3/device/{token}). ApnsClient
        // logs each push's outcome itself, by card.
        services.AddHttpClient<ApnsClient>(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers()
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // One HTTP/2 connection multiplexes the pushes; APNs asks providers to keep connections open.
                EnableMultipleHttp2Connections = true,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
                ConnectTimeout = TimeSpan.FromSeconds(10),
            });
        services.AddScoped<ApplePassUpdater>();
        return services;
    }

    /// <summary>Adds the consumer that moves pass update tags and pushes to devices (queue <c>apple-pass-updates</c>).</summary>
    public static IBusRegistrationConfigurator AddAppleWalletConsumers(this IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.AddConsumer<ApplePassUpdatesConsumer, ApplePassUpdatesConsumerDefinition>();
        return bus;
    }

    /// <summary>Maps the customer's <c>apple.pkpass</c> download and, when Apple passes are on, the PassKit web service.</summary>
    public static IEndpointRouteBuilder MapAppleWallet(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        PassKitEndpoints.Map(endpoints);
        return endpoints;
    }

    /// <summary>The path of the web service URL without its trailing slash (<c>https://x/passkit/</c> → <c>/passkit</c>).</summary>
    internal static string BasePath(string? webServiceUrl) =>
        Uri.TryCreate(webServiceUrl, UriKind.Absolute, out var url) ? WebUtility.UrlDecode(url.AbsolutePath).TrimEnd('/') : string.Empty;
}
