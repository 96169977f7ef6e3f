using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Connectors.Host.Connectors.Data;

/// <summary>Lets <c>dotnet ef migrations add --context SqliteConnectorDbContext</c> build the model without the host.</summary>
internal sealed class DesignTimeSqliteConnectorDbContextFactory : IDesignTimeDbContextFactory<SqliteConnectorDbContext>
{
    public SqliteConnectorDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<SqliteConnectorDbContext>();
        options.UseSqliteStore("Data Source=design-time.db", ConnectorDbContext.HistoryTable);
        return new(options.Options);
    }
}

/// <summary>Lets <c>dotnet ef migrations add --context PostgresConnectorDbContext</c> build the model without a server.</summary>
internal sealed class DesignTimePostgresConnectorDbContextFactory : IDesignTimeDbContextFactory<PostgresConnectorDbContext>
{
    public PostgresConnectorDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<PostgresConnectorDbContext>();
        options.UsePostgresStore("Host=localhost;Database=design_time", ConnectorDbContext.HistoryTable);
        return new(options.Options);
    }
}
