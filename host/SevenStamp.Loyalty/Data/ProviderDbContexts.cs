using Microsoft.EntityFrameworkCore;

namespace SevenStamp.Loyalty.Data;

/// <summary>The loyalty store on SQLite, with the migrations under <c>Data/Migrations/Sqlite</c>.</summary>
public sealed class SqliteLoyaltyDbContext(DbContextOptions<SqliteLoyaltyDbContext> options) : LoyaltyDbContext(options);

/// <summary>The loyalty store on PostgreSQL, with the migrations under <c>Data/Migrations/Postgres</c>.</summary>
public sealed class PostgresLoyaltyDbContext(DbContextOptions<PostgresLoyaltyDbContext> options) : LoyaltyDbContext(options);
