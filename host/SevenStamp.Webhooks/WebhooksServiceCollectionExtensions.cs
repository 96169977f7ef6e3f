using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Data;
using SevenStamp.Webhooks.Data;
using SevenStamp.Webhooks.Delivery;

namespace SevenStamp.Webhooks;

/// <summary>How the host adds outbound webhooks.</summary>
public static class WebhooksServiceCollectionExtensions
{
    /// <summary>
    /// Registers the store (migrated at start after the loyalty store), the subscriptions service, the sender with its
    /// guarded HTTP client, and the dispatcher that runs on every replica. Register the consumer on the bus with
    /// <see cref="AddOutboundWebhooksConsumer"/>. Signing secrets are protected with the host's Data Protection (the accounts
    /// keep its keys in the database): register that, and the accounts' store, first.
    /// </summary>
    public static IServiceCollection AddOutboundWebhooks(this IServiceCollection services, LoyaltyStoreOptions store, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddStoreContext<WebhooksDbContext, SqliteWebhooksDbContext, PostgresWebhooksDbContext>(store, WebhooksDbContext.HistoryTable);
        services.AddOptions<WebhooksOptions>()
            .Bind(configuration.GetSection(WebhooksOptions.SectionName))
            .Validate(o => o.Timeout > TimeSpan.Zero && o.Timeout <= TimeSpan.FromMinutes(1), $"{WebhooksOptions.SectionName}:Timeout must be between 00:00:01 and 00:01:00")
            .Validate(o => o.ConcurrentDeliveries is >= 1 and <= 256, $"{WebhooksOptions.SectionName}:ConcurrentDeliveries must be between 1 and 256")
            .Validate(o => o.PollInterval > TimeSpan.Zero, $"{WebhooksOptions.SectionName}:PollInterval must be more than zero")
            .Validate(o => o.SettleTime >= TimeSpan.Zero, $"{WebhooksOptions.SectionName}:SettleTime must not be negative")
            .Validate(o => o.RetrySchedule.All(r => r > TimeSpan.Zero), $"{WebhooksOptions.SectionName}:RetrySchedule must hold only waits of more than zero")
            .ValidateOnStart();
        services.AddSingleton<WebhookSignal>();
        services.AddSingleton<WebhookSecrets>();
        services.AddSingleton<WebhookSender>();
        services.AddScoped<WebhookSubscriptions>();
        services.AddHttpClient(WebhookSender.ClientName, (sp, client) => client.Timeout = sp.GetRequiredService<IOptions<WebhooksOptions>>().Value.Timeout)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseProxy = false,
                UseCookies = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                ConnectCallback = WebhookSender.Connect(sp.GetRequiredService<IOptionsMonitor<WebhooksOptions>>()),
            })
            // Endpoint URLs may carry a receiver's token in their query: no request lines in the log.
            .RemoveAllLoggers();
        services.AddHostedService<WebhookDispatcher>();
        return services;
    }

    /// <summary>The consumer that stores deliveries from the loyalty events, on its own queue (<c>outbound-webhooks</c>).</summary>
    public static IBusRegistrationConfigurator AddOutboundWebhooksConsumer(this IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.AddConsumer<OutboundWebhooksConsumer, OutboundWebhooksConsumerDefinition>();
        return bus;
    }
}
