using MassTransit;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SevenStamp.Loyalty.Consumers;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Engine;
using SevenStamp.Loyalty.Messaging;

namespace SevenStamp.Loyalty;

public static class LoyaltyServiceCollectionExtensions
{
    /// <summary>Registers the loyalty store for <paramref name="options"/>; the schema is migrated when the host starts.</summary>
    public static IServiceCollection AddLoyaltyStore(this IServiceCollection services, LoyaltyStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new InvalidOperationException("SevenStamp:Database:ConnectionString is empty; set it to e.g. 'Data Source=sevenstamp.db' (SQLite) or 'Host=…;Database=…;Username=…;Password=…' (PostgreSQL).");
        }

        switch (options.Provider)
        {
            case LoyaltyStoreProvider.Sqlite:
                var sqlite = new SqliteConnectionStringBuilder(options.ConnectionString)
                {
                    // Wait for the write lock rather than failing with SQLITE_BUSY.
                    DefaultTimeout = 30,
                    Pooling = true,
                }.ToString();
                services.AddDbContextPool<LoyaltyDbContext, SqliteLoyaltyDbContext>(o => o.UseSqlite(sqlite).AddInterceptors(SqliteConnectionSetup.Instance));
                services.TryAddSingleton(new SaleBatchingOptions { Writers = 1 });
                break;
            case LoyaltyStoreProvider.PostgreSql:
                services.AddDbContextPool<LoyaltyDbContext, PostgresLoyaltyDbContext>(o => o.UseNpgsql(options.ConnectionString));
                services.TryAddSingleton(new SaleBatchingOptions { Writers = 4 });
                break;
            default:
                throw new InvalidOperationException($"SevenStamp:Database:Provider '{options.Provider}' is not supported; use Sqlite or PostgreSql.");
        }

        services.TryAddSingleton(new WriteTurns(options.Provider));
        services.AddHostedService<LoyaltyStoreMigrator>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<OutboxSignal>();
        services.TryAddScoped<LoyaltyEngine>();
        services.TryAddSingleton<SaleBatcher>();
        services.TryAddScoped<ProgramStore>();
        services.TryAddScoped<StaffTokens>();
        services.TryAddScoped<CardDirectory>();
        return services;
    }

    /// <summary>Writes these programs at start (after the schema is migrated); see <see cref="ProgramDefinition"/>.</summary>
    public static IServiceCollection AddLoyaltyPrograms(this IServiceCollection services, IReadOnlyList<ProgramDefinition> programs)
    {
        ArgumentNullException.ThrowIfNull(programs);
        services.AddHostedService(sp => ActivatorUtilities.CreateInstance<ProgramSeeder>(sp, programs));
        return services;
    }

    /// <summary>The background work of the engine: the outbox relay and voucher expiry. Register after the bus.</summary>
    public static IServiceCollection AddLoyaltyWorkers(this IServiceCollection services)
    {
        services.AddSingleton<OutboxRelay>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxRelay>());
        services.AddHostedService<VoucherExpiryService>();
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
