using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using SevenStamp.Http.RateLimiting;
using SevenStamp.Loyalty.Queries;

namespace SevenStamp.Wallet.Google;

/// <summary>Google Wallet's part of the wallet services, consumers and endpoints.</summary>
public static class GoogleWalletServiceCollectionExtensions
{
    /// <summary>Adds Google Wallet when <c>SevenStamp:Wallet:Google</c> is present; its settings are checked at start.</summary>
    public static IServiceCollection AddGoogleWallet(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(GoogleWalletOptions.SectionName);
        if (!section.Exists())
        {
            return services;
        }

        services.AddOptions<GoogleWalletOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GoogleWalletOptions>, GoogleWalletOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<GoogleWalletOptions>>().Value;
            return GoogleServiceAccount.FromKeyFile(o.ServiceAccountKeyFile, o.TokenUrl);
        });
        services.AddSingleton<GoogleClassRegistry>();
        services.AddSingleton<GoogleSaveLinks>();
        services.AddScoped<GoogleWalletSync>();
        services.AddSingleton<GoogleCallbackKeys>();
        services.AddSingleton<GoogleCallbackVerifier>();
        services.AddHttpClient(GoogleCallbackKeys.ClientName, http => http.Timeout = TimeSpan.FromSeconds(10));

        // Outermost first: the retry policy wraps the bearer token, so every attempt carries a valid token.
        var client = services.AddHttpClient<GoogleWalletClient>((sp, http) =>
        {
            var o = sp.GetRequiredService<IOptions<GoogleWalletOptions>>().Value;
            http.BaseAddress = new Uri(o.ApiBaseUrl.EndsWith('/') ? o.ApiBaseUrl : o.ApiBaseUrl + "/");
            http.Timeout = Timeout.InfiniteTimeSpan;
        });
        client.AddResilienceHandler("google-wallet", (pipeline, context) =>
        {
            var o = context.ServiceProvider.GetRequiredService<IOptions<GoogleWalletOptions>>().Value;
            if (o.MaxRetries > 0)
            {
                // 408, 429, 5xx and network failures; Google's Retry-After is honoured.
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = o.MaxRetries,
                    Delay = o.RetryDelay,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                });
            }

            pipeline.AddTimeout(o.RequestTimeout);
        });
        client.AddHttpMessageHandler(sp => new GoogleBearerTokenHandler(sp.GetRequiredService<GoogleServiceAccount>()));
        return services;
    }

    /// <summary>Registers the consumer that patches Google Wallet objects on the loyalty events (queue <c>google-wallet-updates</c>).</summary>
    public static IBusRegistrationConfigurator AddGoogleWalletConsumer(this IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.AddConsumer<GoogleWalletUpdatesConsumer, GoogleWalletUpdatesConsumerDefinition>();
        return bus;
    }

    /// <summary>
    /// Maps <c>GET /wallet/cards/{cardId}/{token}/google</c>, a redirect to the card's Add to Google Wallet link, and,
    /// when Google Wallet is on, <c>POST /wallet/google/callbacks</c> (<see cref="GoogleCallbackEndpoint"/>).
    /// </summary>
    public static IEndpointRouteBuilder MapGoogleWallet(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/wallet/cards/{cardId:guid}/{token}/google", SaveAsync).AllowAnonymous().ExcludeFromDescription().RequireRateLimiting(RateLimits.CustomerLinks);
        if (endpoints.ServiceProvider.GetService<GoogleCallbackVerifier>() is not null)
        {
            // Google signs its callbacks (ECv2SigningOnly); that signature, not an account, is the credential. Counted
            // per client like a customer's link read without a link.
            endpoints.MapPost(GoogleWalletOptions.CallbackPath, GoogleCallbackEndpoint.HandleAsync)
                .AllowAnonymous()
                .ExcludeFromDescription()
                .RequireRateLimiting(RateLimits.CustomerLinks)
                .WithMetadata(new RequestSizeLimitAttribute(GoogleCallbackEndpoint.MaxBodyBytes));
        }

        return endpoints;
    }

    private static async Task<IResult> SaveAsync(Guid cardId, string token, HttpContext http, CardLinks links, ICardSnapshots cards, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (!links.Verify(cardId, token))
        {
            return Results.NotFound();
        }

        var saveLinks = http.RequestServices.GetService<GoogleSaveLinks>();
        var sync = http.RequestServices.GetService<GoogleWalletSync>();
        if (saveLinks is null || sync is null)
        {
            return Results.Text("Google Wallet passes are not offered here (SevenStamp:Wallet:Google is not configured).", "text/plain", statusCode: StatusCodes.Status404NotFound);
        }

        var card = await cards.FindAsync(cardId, cancellationToken);
        if (card is null)
        {
            return Results.NotFound();
        }

        var link = await saveLinks.EnsureAndLinkAsync(card, sync, loggers.CreateLogger(typeof(GoogleSaveLinks)), cancellationToken);
        return Results.Redirect(link.AbsoluteUri);
    }
}
