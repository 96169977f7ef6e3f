using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Connectors.Host.Connectors.Data;

/// <summary>How the host adds the connector runtime's store.</summary>
public static class ConnectorStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ConnectorDbContext"/> on the database of <paramref name="options"/> and migrates it at
    /// start, right after the loyalty store (register that first).
    /// </summary>
    public static IServiceCollection AddConnectorStore(this IServiceCollection services, LoyaltyStoreOptions options) =>
        services.AddStoreContext<ConnectorDbContext, SqliteConnectorDbContext, PostgresConnectorDbContext>(options, ConnectorDbContext.HistoryTable);
}
