using MassTransit;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SevenStamp.Loyalty.Consumers;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty;

public static class LoyaltyServiceCollectionExtensions
{
    /// <summary>Registers the loyalty store for <paramref name="options"/>.</summary>
    public static IServiceCollection AddLoyaltyStore(this IServiceCollection services, LoyaltyStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.Equals(options.Provider, "Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"SevenStamp:Database:Provider is '{options.Provider}'; the supported provider is 'Sqlite'.");
        }

        var connectionString = new SqliteConnectionStringBuilder(options.ConnectionString)
        {
            // Wait for the write lock rather than failing with SQLITE_BUSY.
            DefaultTimeout = 30,
            Pooling = true,
        }.ToString();
        services.AddDbContext<LoyaltyDbContext>(o => o.UseSqlite(connectionString));
        services.AddHostedService<LoyaltyStoreMigrator>();
        services.AddSingleton(TimeProvider.System);
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
