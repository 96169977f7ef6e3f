using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace SevenStamp.Loyalty.Data;

/// <summary>The loyalty store on SQLite, with the migrations under <c>Data/Migrations/Sqlite</c>.</summary>
public sealed class SqliteLoyaltyDbContext(DbContextOptions<SqliteLoyaltyDbContext> options) : LoyaltyDbContext(options)
{
    private static readonly DateTimeOffsetToBinaryConverter Instants = new();

    public override object DbInstant(DateTimeOffset value) => Instants.ConvertToProvider(value)!;

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder) =>
        StoreConventions.StoreInstantsAsIntegers(configurationBuilder);
}

/// <summary>The loyalty store on PostgreSQL, with the migrations under <c>Data/Migrations/Postgres</c>.</summary>
public sealed class PostgresLoyaltyDbContext(DbContextOptions<PostgresLoyaltyDbContext> options) : LoyaltyDbContext(options)
{
    /// <summary>
    /// One statement: a transaction-level advisory lock per key, on a 64-bit hash of the key, taken in the keys'
    /// ordinal order, so two transactions locking overlapping sales never wait on each other in opposite orders
    /// (PostgreSQL evaluates the volatile lock calls after the sort). Released at commit or rollback.
    /// </summary>
    public override async Task LockSalesAsync(IReadOnlyCollection<string> saleKeys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(saleKeys);
        if (saleKeys.Count == 0)
        {
            return;
        }

        var ordered = saleKeys.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        await Database.ExecuteSqlRawAsync(
            "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest({0}::text[]) WITH ORDINALITY AS t(k, n) ORDER BY n",
            [ordered],
            cancellationToken);
    }
}
