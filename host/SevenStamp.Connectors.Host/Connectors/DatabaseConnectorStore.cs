using Microsoft.EntityFrameworkCore;
using SevenStamp.Connectors.Host.Connectors.Data;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Host.Connectors;

/// <summary>
/// The durable <see cref="IConnectorStore"/> of one connector instance, in the host's database: offsets upserted
/// with <c>ON CONFLICT DO UPDATE</c> (conditionally, for <see cref="AdvanceOffsetAsync"/>), seen event ids read in groups and inserted with <c>ON CONFLICT DO NOTHING</c> and pruned once
/// they are a day past <see cref="IConnectorStore.SeenEventRetention"/>.
/// </summary>
internal sealed class DatabaseConnectorStore(IServiceScopeFactory scopes, string connectorId, TimeProvider timeProvider) : IConnectorStore
{
    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);
    private readonly SeenEventGroupCommit _seen = new(scopes, connectorId);
    private long _lastPruneTicks;

    public async Task<string?> GetOffsetAsync(string key, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConnectorDbContext>();
        return await db.ConnectorOffsets.Where(o => o.ConnectorId == connectorId && o.Key == key).Select(o => o.Value).SingleOrDefaultAsync(cancellationToken);
    }

    public async Task SetOffsetAsync(string key, string value, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConnectorDbContext>();
        var now = timeProvider.GetUtcNow();
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO connector_offsets (connector_id, key, value, updated_at) VALUES ({connectorId}, {key}, {value}, {now})
            ON CONFLICT (connector_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
            """,
            cancellationToken);
    }

    /// <summary>
    /// One conditional upsert: the row is written when there is none or its value sorts before
    /// <paramref name="value"/> byte by byte (PostgreSQL compares with the <c>C</c> collation, SQLite's default is
    /// binary), so concurrent callers on any replica can only move the offset forward.
    /// </summary>
    public async Task<bool> AdvanceOffsetAsync(string key, string value, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConnectorDbContext>();
        var now = timeProvider.GetUtcNow();
        var written = db.Database.IsNpgsql()
            ? await db.Database.ExecuteSqlInterpolatedAsync(
                $"""
                INSERT INTO connector_offsets (connector_id, key, value, updated_at) VALUES ({connectorId}, {key}, {value}, {now})
                ON CONFLICT (connector_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                WHERE connector_offsets.value COLLATE "C" < excluded.value COLLATE "C"
                """,
                cancellationToken)
            : await db.Database.ExecuteSqlInterpolatedAsync(
                $"""
                INSERT INTO connector_offsets (connector_id, key, value, updated_at) VALUES ({connectorId}, {key}, {value}, {now})
                ON CONFLICT (connector_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                WHERE connector_offsets.value < excluded.value
                """,
                cancellationToken);
        return written > 0;
    }

    public Task<bool> IsSeenAsync(string eventId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventId);

        // Concurrent webhooks share one query.
        return _seen.IsSeenAsync(eventId, cancellationToken);
    }

    public async Task MarkSeenAsync(string eventId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        var now = timeProvider.GetUtcNow();

        // Concurrent webhooks share one commit; this returns once this id is committed.
        await _seen.MarkSeenAsync(eventId, now, cancellationToken);

        var last = Interlocked.Read(ref _lastPruneTicks);
        if (now.UtcTicks - last > PruneEvery.Ticks && Interlocked.CompareExchange(ref _lastPruneTicks, now.UtcTicks, last) == last)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ConnectorDbContext>();
            var before = now - IConnectorStore.SeenEventRetention - TimeSpan.FromDays(1);
            await db.SeenEvents.Where(e => e.ConnectorId == connectorId && e.SeenAt < before).ExecuteDeleteAsync(cancellationToken);
        }
    }
}
