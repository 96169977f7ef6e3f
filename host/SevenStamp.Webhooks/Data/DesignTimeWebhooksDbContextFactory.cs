using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Webhooks.Data;

/// <summary>Lets <c>dotnet ef migrations add --context SqliteWebhooksDbContext</c> build the model without the host.</summary>
internal sealed class DesignTimeSqliteWebhooksDbContextFactory : IDesignTimeDbContextFactory<SqliteWebhooksDbContext>
{
    public SqliteWebhooksDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<SqliteWebhooksDbContext>();
        options.UseSqliteStore("Data Source=design-time.db", WebhooksDbContext.HistoryTable);
        return new(options.Options);
    }
}

/// <summary>Lets <c>dotnet ef migrations add --context PostgresWebhooksDbContext</c> build the model without a server.</summary>
internal sealed class DesignTimePostgresWebhooksDbContextFactory : IDesignTimeDbContextFactory<PostgresWebhooksDbContext>
{
    public PostgresWebhooksDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<PostgresWebhooksDbContext>();
        options.UsePostgresStore("Host=localhost;Database=design_time", WebhooksDbContext.HistoryTable);
        return new(options.Options);
    }
}
