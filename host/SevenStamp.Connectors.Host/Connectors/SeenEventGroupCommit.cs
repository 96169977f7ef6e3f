using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Connectors.Host.Connectors;

/// <summary>
/// Group reads and group commit for one connector's seen events. Concurrent dedupe checks share one <c>IN</c> query,
/// each caller getting its own answer; concurrent marks share one transaction, each call returning only after its own
/// id is committed. A busy connector pays one query and one commit (one fsync on SQLite, one write turn) per group
/// instead of per webhook.
/// </summary>
internal sealed class SeenEventGroupCommit
{
    private const int MaxGroup = 200;

    private readonly IServiceScopeFactory _scopes;
    private readonly string _connectorId;
    private readonly Groups<(string EventId, TaskCompletionSource<bool> Seen)> _reads;
    private readonly Groups<(string EventId, DateTimeOffset SeenAt, TaskCompletionSource Done)> _writes;

    public SeenEventGroupCommit(IServiceScopeFactory scopes, string connectorId)
    {
        _scopes = scopes;
        _connectorId = connectorId;
        _reads = new Groups<(string, TaskCompletionSource<bool>)>(ReadAsync);
        _writes = new Groups<(string, DateTimeOffset, TaskCompletionSource)>(WriteAsync);
    }

    /// <summary>Whether <paramref name="eventId"/> was marked seen; concurrent callers share one query.</summary>
    public async Task<bool> IsSeenAsync(string eventId, CancellationToken cancellationToken)
    {
        var seen = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _reads.AddAsync((eventId, seen));
        return await seen.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Marks <paramref name="eventId"/> seen; returns once it is committed, sharing the commit with concurrent callers.</summary>
    public async Task MarkSeenAsync(string eventId, DateTimeOffset seenAt, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _writes.AddAsync((eventId, seenAt, done));
        await done.Task.WaitAsync(cancellationToken);
    }

    private async Task ReadAsync(List<(string EventId, TaskCompletionSource<bool> Seen)> group)
    {
        try
        {
            var ids = group.Select(g => g.EventId).Distinct(StringComparer.Ordinal).ToList();
            await using var scope = _scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>();
            var found = (await db.SeenEvents.AsNoTracking()
                .Where(e => e.ConnectorId == _connectorId && ids.Contains(e.EventId))
                .Select(e => e.EventId)
                .ToListAsync(CancellationToken.None)).ToHashSet(StringComparer.Ordinal);
            foreach (var (eventId, seen) in group)
            {
                seen.TrySetResult(found.Contains(eventId));
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            foreach (var item in group)
            {
                item.Seen.TrySetException(ex);
            }
        }
    }

    private async Task WriteAsync(List<(string EventId, DateTimeOffset SeenAt, TaskCompletionSource Done)> group)
    {
        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>();
            using (await scope.ServiceProvider.GetRequiredService<WriteTurns>().TakeAsync(CancellationToken.None))
            await using (var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None))
            {
                foreach (var (eventId, seenAt, _) in group)
                {
                    await db.Database.ExecuteSqlInterpolatedAsync(
                        $"""
                        INSERT INTO connector_seen_events (connector_id, event_id, seen_at) VALUES ({_connectorId}, {eventId}, {seenAt})
                        ON CONFLICT (connector_id, event_id) DO NOTHING
                        """,
                        CancellationToken.None);
                }

                await transaction.CommitAsync(CancellationToken.None);
            }

            foreach (var item in group)
            {
                item.Done.TrySetResult();
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            foreach (var item in group)
            {
                item.Done.TrySetException(ex);
            }
        }
    }

    /// <summary>
    /// Items that arrive concurrently, handled in groups: the first caller with no group in progress takes every item
    /// waiting (up to <see cref="MaxGroup"/>) and runs the group, again until none is left. The group action settles
    /// each item itself and never throws; it runs for every caller of the group, so it takes no caller's token.
    /// </summary>
    private sealed class Groups<T>(Func<List<T>, Task> run)
    {
        private readonly ConcurrentQueue<T> _waiting = new();
        private int _running;

        public async Task AddAsync(T item)
        {
            _waiting.Enqueue(item);
            while (!_waiting.IsEmpty && Interlocked.CompareExchange(ref _running, 1, 0) == 0)
            {
                try
                {
                    var group = new List<T>(MaxGroup);
                    while (true)
                    {
                        group.Clear();
                        while (group.Count < MaxGroup && _waiting.TryDequeue(out var next))
                        {
                            group.Add(next);
                        }

                        if (group.Count == 0)
                        {
                            break;
                        }

                        await run(group);
                    }
                }
                finally
                {
                    Volatile.Write(ref _running, 0);
                }
            }
        }
    }
}
