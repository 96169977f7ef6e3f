using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Accounts.Data;

/// <summary>Lets <c>dotnet ef migrations add --context SqliteAccountsDbContext</c> build the model without the host.</summary>
internal sealed class DesignTimeSqliteAccountsDbContextFactory : IDesignTimeDbContextFactory<SqliteAccountsDbContext>
{
    public SqliteAccountsDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<SqliteAccountsDbContext>();
        options.UseSqliteStore("Data Source=design-time.db", AccountsDbContext.HistoryTable);
        return new(options.Options);
    }
}

/// <summary>Lets <c>dotnet ef migrations add --context PostgresAccountsDbContext</c> build the model without a server.</summary>
internal sealed class DesignTimePostgresAccountsDbContextFactory : IDesignTimeDbContextFactory<PostgresAccountsDbContext>
{
    public PostgresAccountsDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<PostgresAccountsDbContext>();
        options.UsePostgresStore("Host=localhost;Database=design_time", AccountsDbContext.HistoryTable);
        return new(options.Options);
    }
}
