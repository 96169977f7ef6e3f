using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Connectors.Host.Connectors;

/// <summary>
/// Group commit for one connector's seen-event marks. Concurrent webhooks each add their event id and wait; the
/// first caller with nothing in progress becomes the writer and inserts every id waiting (up to 200) in one
/// transaction, again until none is left. Each call still returns only after its own id is committed, but a busy
/// connector pays one commit (one fsync on SQLite, one write-lock turn) per group instead of per webhook.
/// </summary>
internal sealed class SeenEventGroupCommit(IServiceScopeFactory scopes, string connectorId)
{
    private const int MaxGroup = 200;

    private readonly ConcurrentQueue<(string EventId, DateTimeOffset SeenAt, TaskCompletionSource Done)> _waiting = new();
    private int _writing;

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
