using Microsoft.EntityFrameworkCore;
using SevenStamp.Connectors.Host.Connectors.Data;
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
    private readonly GroupRunner<(string EventId, TaskCompletionSource<bool> Seen)> _reads;
    private readonly GroupRunner<(string EventId, DateTimeOffset SeenAt, TaskCompletionSource Done)> _writes;

    public SeenEventGroupCommit(IServiceScopeFactory scopes, string connectorId)
    {
        _scopes = scopes;
        _connectorId = connectorId;
        _reads = new GroupRunner<(string, TaskCompletionSource<bool>)>(ReadAsync, MaxGroup);
        _writes = new GroupRunner<(string, DateTimeOffset, TaskCompletionSource)>(WriteAsync, MaxGroup);
    }

    /// <summary>Whether <paramref name="eventId"/> was marked seen; concurrent callers share one query.</summary>
    public async Task<bool> IsSeenAsync(string eventId, CancellationToken cancellationToken)
    {
        var seen = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _reads.Add((eventId, seen));
        return await seen.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Marks <paramref name="eventId"/> seen; returns once it is committed, sharing the commit with concurrent callers.</summary>
    public async Task MarkSeenAsync(string eventId, DateTimeOffset seenAt, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _writes.Add((eventId, seenAt, done));
        await done.Task.WaitAsync(cancellationToken);
    }

    private async Task ReadAsync(List<(string EventId, TaskCompletionSource<bool> Seen)> group)
    {
        try
        {
            var ids = group.Select(g => g.EventId).Distinct(StringComparer.Ordinal).ToList();
            await using var scope = _scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ConnectorDbContext>();
            // Plain SQL, one parameter per id: a group is at most MaxGroup ids.
            var sql = new SqlText("SELECT event_id AS \"Value\" FROM connector_seen_events WHERE connector_id = ");
            sql.Append(sql.Parameter(_connectorId)).Append(" AND event_id IN ").Rows([ids], list => list.Select(sql.Parameter));
            var found = (await db.Database.SqlQueryRaw<string>(sql.Text, sql.Parameters).ToListAsync(CancellationToken.None)).ToHashSet(StringComparer.Ordinal);
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
            var db = scope.ServiceProvider.GetRequiredService<ConnectorDbContext>();
            using (await scope.ServiceProvider.GetRequiredService<WriteTurns>().TakeAsync(CancellationToken.None))
            {
                // One statement for the group: a group is at most MaxGroup rows of two parameters each.
                var sql = new SqlText("INSERT INTO connector_seen_events (connector_id, event_id, seen_at) VALUES ");
                var connector = sql.Parameter(_connectorId);
                sql.Rows(group, item => [connector, sql.Parameter(item.EventId), sql.Parameter(item.SeenAt)]);
                sql.Append(" ON CONFLICT (connector_id, event_id) DO NOTHING");
                await db.Database.ExecuteSqlRawAsync(sql.Text, sql.Parameters, CancellationToken.None);
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
