using Microsoft.EntityFrameworkCore;
using Npgsql;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Data;
using SevenStamp.Testing;
using SevenStamp.Webhooks.Data;

namespace SevenStamp.Benchmarks;

/// <summary>
/// A fresh loyalty database for one host run (a SQLite file, or a new PostgreSQL database, made and dropped by the
/// tests' <see cref="TestDatabase"/>), and the reads the harness makes.
/// </summary>
internal sealed class BenchDatabase : IAsyncDisposable
{
    private readonly TestDatabase _database;

    private BenchDatabase(TestDatabase database) => _database = database;

    public LoyaltyStoreProvider Provider => _database.Provider;

    public string ConnectionString => _database.ConnectionString;

    public static async Task<BenchDatabase> CreateAsync(LoyaltyStoreProvider provider, string? postgresServer) =>
        new(await TestDatabase.CreateAsync(provider, postgresServer, "sevenstamp_bench_", maxPoolSize: 100));

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
        DateTimeOffset? seen = null;
        await Eventually.HoldsAsync(
            async () =>
            {
                var stamped = await CountAwardsAsync(prefix) >= expected;
                seen = stamped ? DateTimeOffset.UtcNow : null;
                return stamped;
            },
            timeout,
            cancellationToken: cancellationToken);
        return seen;
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

    public WebhooksDbContext OpenWebhooks() => Provider == LoyaltyStoreProvider.Sqlite
        ? new SqliteWebhooksDbContext(new DbContextOptionsBuilder<SqliteWebhooksDbContext>().UseSqlite(ConnectionString).Options)
        : new PostgresWebhooksDbContext(new DbContextOptionsBuilder<PostgresWebhooksDbContext>().UseNpgsql(ConnectionString).Options);

    /// <summary>Outbox rows (sent or not) whose message type is one of <paramref name="types"/>: the events written so far.</summary>
    public async Task<int> CountEventsAsync(IReadOnlyCollection<string> types)
    {
        await using var db = Open();
        return await db.Outbox.CountAsync(m => types.Contains(m.MessageType));
    }

    /// <summary>Outbound webhook deliveries by status, and the largest delivery id so far (0 when there is none).</summary>
    public async Task<(int Pending, int Delivered, int Failed, long LastId)> DeliveryCountsAsync()
    {
        await using var db = OpenWebhooks();
        var counts = await db.Deliveries.GroupBy(d => d.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync();
        var lastId = await db.Deliveries.Select(d => (long?)d.Id).MaxAsync() ?? 0;
        int Of(DeliveryStatus status) => counts.Where(c => c.Key == status).Sum(c => c.Count);
        return (Of(DeliveryStatus.Pending), Of(DeliveryStatus.Delivered), Of(DeliveryStatus.Failed), lastId);
    }

    /// <summary>The deliveries after <paramref name="afterId"/>: webhook-id, when the consumer stored it, when it was delivered, attempts.</summary>
    public async Task<List<(string MessageId, DateTimeOffset CreatedAt, DateTimeOffset? DeliveredAt, int Attempts)>> DeliveriesAfterAsync(long afterId)
    {
        await using var db = OpenWebhooks();
        var rows = await db.Deliveries.AsNoTracking().Where(d => d.Id > afterId).Select(d => new { d.MessageId, d.CreatedAt, d.DeliveredAt, d.Attempts }).ToListAsync();
        return [.. rows.Select(r => (r.MessageId, r.CreatedAt, r.DeliveredAt, r.Attempts))];
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _database.DisposeAsync();
        }
        catch (Exception ex) when (ex is IOException or PostgresException)
        {
            // Best effort: a temp folder or database left behind does not change a figure.
        }
    }
}
