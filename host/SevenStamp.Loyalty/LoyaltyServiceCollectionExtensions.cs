using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SevenStamp.Loyalty.Consumers;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Engine;
using SevenStamp.Loyalty.Messaging;
using SevenStamp.Loyalty.Queries;

namespace SevenStamp.Loyalty;

public static class LoyaltyServiceCollectionExtensions
{
    /// <summary>Registers the loyalty store for <paramref name="options"/>; the schema is migrated when the host starts.</summary>
    public static IServiceCollection AddLoyaltyStore(this IServiceCollection services, LoyaltyStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        StoreContexts.AddContext<LoyaltyDbContext, SqliteLoyaltyDbContext, PostgresLoyaltyDbContext>(services, options, StoreContexts.LoyaltyHistoryTable);
        services.TryAddSingleton(new SaleBatchingOptions { Writers = options.Provider == LoyaltyStoreProvider.Sqlite ? 1 : 4 });
        services.AddHostedService<LoyaltyStoreMigrator>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<OutboxSignal>();
        services.TryAddScoped<LoyaltyEngine>();
        services.TryAddSingleton<SaleBatcher>();
        services.TryAddScoped<ProgramStore>();
        services.TryAddScoped<RedeemCodePool>();
        services.TryAddScoped<StaffTokens>();
        services.TryAddScoped<CardDirectory>();
        services.TryAddScoped<CardJoining>();
        services.TryAddScoped<CustomerCards>();
        services.TryAddScoped<CustomerVoucherLinks>();
        services.TryAddScoped<CounterScans>();
        services.TryAddScoped<ICardEvents, CardEvents>();
        services.TryAddScoped<ICardSnapshots, CardSnapshots>();
        services.TryAddScoped<ICardEventFacts, CardEventFacts>();
        services.TryAddScoped<ICardOverview, CardOverviewQuery>();
        services.TryAddScoped<ICustomerLinkMerchants, CustomerLinkMerchants>();
        services.TryAddScoped<MerchantStats>();
        services.TryAddSingleton<CampaignOptions>();
        services.TryAddSingleton<CampaignSignal>();
        services.TryAddSingleton<CampaignRunner>();
        services.TryAddScoped<CampaignService>();
        return services;
    }

    /// <summary>Binds the counter scanner's settings (<see cref="ScannerOptions"/>), checked at start.</summary>
    public static IServiceCollection AddScannerOptions(this IServiceCollection services)
    {
        services.AddOptions<ScannerOptions>().BindConfiguration(ScannerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }

    /// <summary>Writes these programs at start (after the schema is migrated); see <see cref="ProgramDefinition"/>.</summary>
    public static IServiceCollection AddLoyaltyPrograms(this IServiceCollection services, IReadOnlyList<ProgramDefinition> programs)
    {
        ArgumentNullException.ThrowIfNull(programs);
        services.AddHostedService(sp => ActivatorUtilities.CreateInstance<ProgramSeeder>(sp, programs));
        return services;
    }

    /// <summary>
    /// The background work of the engine: the outbox relay, voucher expiry (its interval from
    /// <see cref="VoucherExpiryOptions"/>, checked at start) and the campaign runner. Register after the bus.
    /// </summary>
    public static IServiceCollection AddLoyaltyWorkers(this IServiceCollection services)
    {
        services.AddOptions<VoucherExpiryOptions>().BindConfiguration(VoucherExpiryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<OutboxRelay>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxRelay>());
        services.AddHostedService<VoucherExpiryService>();
        services.AddHostedService(sp => sp.GetRequiredService<CampaignRunner>());
        return services;
    }

    /// <summary>Adds the loyalty consumers to a MassTransit bus.</summary>
    public static IBusRegistrationConfigurator AddLoyaltyConsumers(this IBusRegistrationConfigurator configurator)
    {
        ArgumentNullException.ThrowIfNull(configurator);
        configurator.AddConsumer<SaleCompletedConsumer, SaleCompletedConsumerDefinition>();
        configurator.AddConsumer<SaleRefundedConsumer, SaleRefundedConsumerDefinition>();
        return configurator;
    }
}
