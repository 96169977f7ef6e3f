using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Connectors.Host.Connectors.Data;

/// <summary>The connector runtime's store on SQLite, with the migrations under <c>Connectors/Data/Migrations/Sqlite</c>.</summary>
public sealed class SqliteConnectorDbContext(DbContextOptions<SqliteConnectorDbContext> options) : ConnectorDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder) =>
        StoreConventions.StoreInstantsAsIntegers(configurationBuilder);
}

/// <summary>The connector runtime's store on PostgreSQL, with the migrations under <c>Connectors/Data/Migrations/Postgres</c>.</summary>
public sealed class PostgresConnectorDbContext(DbContextOptions<PostgresConnectorDbContext> options) : ConnectorDbContext(options);
