using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Wallet.Data;

/// <summary>The wallet's store on SQLite, with the migrations under <c>Data/Migrations/Sqlite</c>.</summary>
public sealed class SqliteWalletDbContext(DbContextOptions<SqliteWalletDbContext> options) : WalletDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder) =>
        StoreConventions.StoreInstantsAsIntegers(configurationBuilder);
}

/// <summary>The wallet's store on PostgreSQL, with the migrations under <c>Data/Migrations/Postgres</c>.</summary>
public sealed class PostgresWalletDbContext(DbContextOptions<PostgresWalletDbContext> options) : WalletDbContext(options);
