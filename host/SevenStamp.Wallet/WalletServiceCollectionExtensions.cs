using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SevenStamp.Http.RateLimiting;
using SevenStamp.Loyalty.Api;
using SevenStamp.Loyalty.Queries;
using SevenStamp.Wallet.Google;
using SevenStamp.Wallet.Apple;

namespace SevenStamp.Wallet;

/// <summary>How the host adds wallet passes: services, bus consumers and endpoints.</summary>
public static class WalletServiceCollectionExtensions
{
    /// <summary>The configuration section of the wallet providers (<c>SevenStamp:Wallet:Apple</c>, <c>SevenStamp:Wallet:Google</c>).</summary>
    public const string SectionName = "SevenStamp:Wallet";

    /// <summary>Adds the wallet services. A provider whose section is absent stays off.</summary>
    public static IServiceCollection AddWallet(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<WalletUpdateRetryOptions>()
            .Bind(configuration.GetSection(WalletUpdateRetryOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WalletUpdateRetryOptions>, WalletUpdateRetryOptionsValidator>());

        // The card page's link, for the loyalty API's cards (the host registers CardLinks with its link secret).
        services.TryAddSingleton<IWalletCardLinks>(sp => sp.GetRequiredService<CardLinks>());
        services.TryAddSingleton(sp => new WalletPassLinks(sp.GetRequiredService<CardLinks>(), IsAppleOn(configuration), IsGoogleOn(configuration)));
        services.AddGoogleWallet(configuration);
        services.AddAppleWallet(configuration.GetSection(AppleWalletOptions.SectionName));
        return services;
    }

    /// <summary>
    /// Registers the consumers that keep passes in sync with the loyalty events, for the providers that are on: a
    /// provider that is off gets no queue, so its events cost the broker and the host nothing.
    /// </summary>
    public static IBusRegistrationConfigurator AddWalletConsumers(this IBusRegistrationConfigurator bus, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(configuration);
        if (IsGoogleOn(configuration))
        {
            bus.AddGoogleWalletConsumer();
        }

        if (IsAppleOn(configuration))
        {
            bus.AddAppleWalletConsumers();
        }

        return bus;
    }

    /// <summary>Whether Google Wallet is configured (<c>SevenStamp:Wallet:Google</c> present).</summary>
    public static bool IsGoogleOn(IConfiguration configuration) => configuration.GetSection(GoogleWalletOptions.SectionName).Exists();

    /// <summary>Whether Apple passes are configured (<c>SevenStamp:Wallet:Apple</c> present).</summary>
    public static bool IsAppleOn(IConfiguration configuration) => configuration.GetSection(AppleWalletOptions.SectionName).Exists();

    /// <summary>
    /// Maps the customer's card link (its JSON; the host's card page answers browsers at the same link) and the wallet
    /// providers' endpoints. All are anonymous to the accounts: a card link's token, or the pass's authentication
    /// token, is their credential.
    /// </summary>
    public static IEndpointRouteBuilder MapWallet(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/wallet/cards/{cardId:guid}/{token}", GetCardAsync).AllowAnonymous().ExcludeFromDescription().RequireRateLimiting(RateLimits.CustomerLinks);
        endpoints.MapGoogleWallet();
        endpoints.MapAppleWallet();
        return endpoints;
    }

    private static async Task<IResult> GetCardAsync(Guid cardId, string token, CardLinks links, ICardSnapshots cards, CancellationToken cancellationToken)
    {
        if (!links.Verify(cardId, token))
        {
            return Results.NotFound();
        }

        var card = await cards.FindAsync(cardId, cancellationToken);
        if (card is null)
        {
            return Results.NotFound();
        }

        var featured = card.Featured;
        return Results.Json(new
        {
            program = card.ProgramName,
            reward = card.Reward,
            stamps = card.Stamps,
            goal = card.Goal,
            debt = card.Debt,
            voucher = featured is null ? null : new { code = featured.RedeemCode, state = featured.State.ToString(), expiresAt = featured.ExpiresAt },
        });
    }
}
