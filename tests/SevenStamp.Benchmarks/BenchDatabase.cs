using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Benchmarks;

/// <summary>A fresh loyalty database for one host run (a SQLite file, or a new PostgreSQL database), and the reads the harness makes.</summary>
internal sealed class BenchDatabase : IAsyncDisposable
{
    private readonly string? _directory;
    private readonly string? _server;
    private readonly string? _name;

    private BenchDatabase(LoyaltyStoreProvider provider, string connectionString, string? directory, string? server, string? name)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _directory = directory;
        _server = server;
        _name = name;
    }

    public LoyaltyStoreProvider Provider { get; }

    public string ConnectionString { get; }

    public static async Task<BenchDatabase> CreateAsync(LoyaltyStoreProvider provider, string? postgresServer)
    {
        if (provider == LoyaltyStoreProvider.Sqlite)
        {
            var directory = Directory.CreateTempSubdirectory("sevenstamp-bench-").FullName;
            return new BenchDatabase(provider, $"Data Source={Path.Combine(directory, "loyalty.db")}", directory, null, null);
        }

        var name = $"sevenstamp_bench_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(postgresServer))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new BenchDatabase(provider, new NpgsqlConnectionStringBuilder(postgresServer) { Database = name, MaxPoolSize = 100 }.ToString(), null, postgresServer, name);
    }

    public LoyaltyDbContext Open() => Provider == LoyaltyStoreProvider.Sqlite
        ? new SqliteLoyaltyDbContext(new DbContextOptionsBuilder<SqliteLoyaltyDbContext>().UseSqlite(ConnectionString).Options)
        : new PostgresLoyaltyDbContext(new DbContextOptionsBuilder<PostgresLoyaltyDbContext>().UseNpgsql(ConnectionString).Options);

    /// <summary>Sales stamped so far whose id starts with <paramref name="prefix"/>.</summary>
    public async Task<int> CountAwardsAsync(string prefix)
    {
        await using var db = Open();
        return await db.StampAwards.CountAsync(a => a.ExternalSaleId.StartsWith(prefix));
    }

    /// <summary>Waits until <paramref name="expected"/> sales of <paramref name="prefix"/> are stamped; returns when that was seen (or null on timeout).</summary>
    public async Task<DateTimeOffset?> WaitForAwardsAsync(string prefix, int expected, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (await CountAwardsAsync(prefix) >= expected)
            {
                return DateTimeOffset.UtcNow;
            }

            await Task.Delay(50, cancellationToken);
        }

        return null;
    }

    /// <summary>The latest awarded_at among the sales of <paramref name="prefix"/>: when the last of them was committed.</summary>
    public async Task<DateTimeOffset> LastAwardAsync(string prefix)
    {
        await using var db = Open();
        var times = await db.StampAwards.Where(a => a.ExternalSaleId.StartsWith(prefix)).Select(a => a.AwardedAt).ToListAsync();
        return times.Max();
    }

    /// <summary>awarded_at of every sale of <paramref name="prefix"/>, by sale id.</summary>
    public async Task<Dictionary<string, DateTimeOffset>> AwardTimesAsync(string prefix)
    {
        await using var db = Open();
        return await db.StampAwards.Where(a => a.ExternalSaleId.StartsWith(prefix)).ToDictionaryAsync(a => a.ExternalSaleId, a => a.AwardedAt);
    }

    /// <summary>Codes of vouchers that are issued and not yet spent.</summary>
    public async Task<List<string>> IssuedCodesAsync()
    {
        await using var db = Open();
        return await db.Vouchers.Where(v => v.State == VoucherState.Issued).Select(v => v.Code).ToListAsync();
    }

    public async Task<(int Issued, int Redeemed)> VoucherCountsAsync()
    {
        await using var db = Open();
        var issued = await db.Vouchers.CountAsync();
        var redeemed = await db.Vouchers.CountAsync(v => v.State == VoucherState.Redeemed);
        return (issued, redeemed);
    }

    public async ValueTask DisposeAsync()
    {
        if (_directory is not null)
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp folder left behind does not change a figure.
            }

            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_name}\" WITH (FORCE)", connection);
        try
        {
            await drop.ExecuteNonQueryAsync();
        }
        catch (PostgresException)
        {
            // Best effort, as above.
        }
    }
}
