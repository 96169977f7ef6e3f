using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Wallet.Data;

/// <summary>Lets <c>dotnet ef migrations add --context SqliteWalletDbContext</c> build the model without the host.</summary>
internal sealed class DesignTimeSqliteWalletDbContextFactory : IDesignTimeDbContextFactory<SqliteWalletDbContext>
{
    public SqliteWalletDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<SqliteWalletDbContext>();
        options.UseSqliteStore("Data Source=design-time.db", WalletDbContext.HistoryTable);
        return new(options.Options);
    }
}

/// <summary>Lets <c>dotnet ef migrations add --context PostgresWalletDbContext</c> build the model without a server.</summary>
internal sealed class DesignTimePostgresWalletDbContextFactory : IDesignTimeDbContextFactory<PostgresWalletDbContext>
{
    public PostgresWalletDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<PostgresWalletDbContext>();
        options.UsePostgresStore("Host=localhost;Database=design_time", WalletDbContext.HistoryTable);
        return new(options.Options);
    }
}
