using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace SevenStamp.Loyalty.Data;

/// <summary>Lets <c>dotnet ef migrations add --context SqliteLoyaltyDbContext</c> build the model without the host.</summary>
internal sealed class DesignTimeSqliteLoyaltyDbContextFactory : IDesignTimeDbContextFactory<SqliteLoyaltyDbContext>
{
    public SqliteLoyaltyDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteLoyaltyDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

/// <summary>Lets <c>dotnet ef migrations add --context PostgresLoyaltyDbContext</c> build the model without a server.</summary>
internal sealed class DesignTimePostgresLoyaltyDbContextFactory : IDesignTimeDbContextFactory<PostgresLoyaltyDbContext>
{
    public PostgresLoyaltyDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresLoyaltyDbContext>().UseNpgsql("Host=localhost;Database=design_time").Options);
}
