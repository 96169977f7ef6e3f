using MassTransit;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SevenStamp.Loyalty.Consumers;
using SevenStamp.Loyalty.Data;

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
                services.AddDbContext<LoyaltyDbContext, SqliteLoyaltyDbContext>(o => o.UseSqlite(sqlite));
                break;
            case LoyaltyStoreProvider.PostgreSql:
                services.AddDbContext<LoyaltyDbContext, PostgresLoyaltyDbContext>(o => o.UseNpgsql(options.ConnectionString));
                break;
            default:
                throw new InvalidOperationException($"SevenStamp:Database:Provider '{options.Provider}' is not supported; use Sqlite or PostgreSql.");
        }

        services.AddHostedService<LoyaltyStoreMigrator>();
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }

    /// <summary>Adds the loyalty consumers to a MassTransit bus.</summary>
    public static IBusRegistrationConfigurator AddLoyaltyConsumers(this IBusRegistrationConfigurator configurator)
    {
        ArgumentNullException.ThrowIfNull(configurator);
        configurator.AddConsumer<AwardStampsConsumer, AwardStampsConsumerDefinition>();
        return configurator;
    }
}
