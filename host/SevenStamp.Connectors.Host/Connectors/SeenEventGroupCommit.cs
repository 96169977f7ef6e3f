using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Connectors.Host.Connectors;

/// <summary>
/// Group reads and group commit for one connector's seen events. Concurrent dedupe checks share one query: the first
/// caller with no read in progress reads every id waiting (up to 200) with one <c>IN</c> query, again until none is
/// left, each caller getting its own answer. Marks: group commit. Concurrent webhooks each add their event id and wait; the
/// first caller with nothing in progress becomes the writer and inserts every id waiting (up to 200) in one
/// transaction, again until none is left. Each call still returns only after its own id is committed, but a busy
/// connector pays one commit (one fsync on SQLite, one write-lock turn) per group instead of per webhook.
/// </summary>
internal sealed class SeenEventGroupCommit(IServiceScopeFactory scopes, string connectorId)
{
    private const int MaxGroup = 200;

    private readonly ConcurrentQueue<(string EventId, DateTimeOffset SeenAt, TaskCompletionSource Done)> _waiting = new();
    private readonly ConcurrentQueue<(string EventId, TaskCompletionSource<bool> Seen)> _asked = new();
    private int _writing;
    private int _reading;

    /// <summary>Whether <paramref name="eventId"/> was marked seen; concurrent callers share one query.</summary>
    public async Task<bool> IsSeenAsync(string eventId, CancellationToken cancellationToken)
    {
        var seen = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _asked.Enqueue((eventId, seen));
        while (!_asked.IsEmpty && Interlocked.CompareExchange(ref _reading, 1, 0) == 0)
        {
            try
            {
                await ReadAskedAsync();
            }
            finally
            {
                Volatile.Write(ref _reading, 0);
            }
        }

        return await seen.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Answers groups until none is waiting. Runs for every caller of the group, so it does not take one caller's token.</summary>
    private async Task ReadAskedAsync()
    {
        var group = new List<(string EventId, TaskCompletionSource<bool> Seen)>(MaxGroup);
        while (true)
        {
            group.Clear();
            while (group.Count < MaxGroup && _asked.TryDequeue(out var item))
            {
                group.Add(item);
            }

            if (group.Count == 0)
            {
                return;
            }

            try
            {
                var ids = group.Select(g => g.EventId).Distinct(StringComparer.Ordinal).ToList();
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>();
                var found = (await db.SeenEvents.AsNoTracking()
                    .Where(e => e.ConnectorId == connectorId && ids.Contains(e.EventId))
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
    }

    public async Task MarkSeenAsync(string eventId, DateTimeOffset seenAt, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting.Enqueue((eventId, seenAt, done));
        while (!_waiting.IsEmpty && Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
        {
            try
            {
                await WriteWaitingAsync();
            }
            finally
            {
                Volatile.Write(ref _writing, 0);
            }
        }

        await done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Writes groups until none is waiting. Runs for every caller of the group, so it does not take one caller's token.</summary>
    private async Task WriteWaitingAsync()
    {
        var group = new List<(string EventId, DateTimeOffset SeenAt, TaskCompletionSource Done)>(MaxGroup);
        while (true)
        {
            group.Clear();
            while (group.Count < MaxGroup && _waiting.TryDequeue(out var item))
            {
                group.Add(item);
            }

            if (group.Count == 0)
            {
                return;
            }

            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>();
                using (await scope.ServiceProvider.GetRequiredService<WriteTurns>().TakeAsync(CancellationToken.None))
                await using (var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None))
                {
                    foreach (var (eventId, seenAt, _) in group)
                    {
                        await db.Database.ExecuteSqlInterpolatedAsync(
                            $"""
                            INSERT INTO connector_seen_events (connector_id, event_id, seen_at) VALUES ({connectorId}, {eventId}, {seenAt})
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
    }
}
