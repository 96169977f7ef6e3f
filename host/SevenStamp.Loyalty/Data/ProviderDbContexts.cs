using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace SevenStamp.Loyalty.Data;

/// <summary>The loyalty store on SQLite, with the migrations under <c>Data/Migrations/Sqlite</c>.</summary>
public sealed class SqliteLoyaltyDbContext(DbContextOptions<SqliteLoyaltyDbContext> options) : LoyaltyDbContext(options)
{
    private static readonly DateTimeOffsetToBinaryConverter Instants = new();

    public override object DbInstant(DateTimeOffset value) => Instants.ConvertToProvider(value)!;

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);
        // SQLite has no date type: store instants as sortable integers so expiry and outbox queries can compare them.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        configurationBuilder.DefaultTypeMapping<DateTimeOffset>().HasConversion<DateTimeOffsetToBinaryConverter>();
    }
}

/// <summary>The loyalty store on PostgreSQL, with the migrations under <c>Data/Migrations/Postgres</c>.</summary>
public sealed class PostgresLoyaltyDbContext(DbContextOptions<PostgresLoyaltyDbContext> options) : LoyaltyDbContext(options);
