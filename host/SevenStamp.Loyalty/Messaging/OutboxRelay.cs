using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Messaging;

/// <summary>
/// Publishes outbox rows, a claimed batch at a time, and marks them sent. Rows are claimed for a while before publishing,
/// so several replicas share the work; a row whose publish fails is retried with backoff; a crash after
/// publishing and before marking publishes the row again, which consumers tolerate (at least once).
/// </summary>
public sealed partial class OutboxRelay(IServiceScopeFactory scopes, IBus bus, OutboxSignal signal, TimeProvider timeProvider, ILogger<OutboxRelay> logger) : BackgroundService
{
    private const int BatchSize = 100;
    private static readonly TimeSpan ClaimFor = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan KeepSentFor = TimeSpan.FromDays(7);

    private readonly string _relayId = RelayId();
    private DateTimeOffset _lastCleanup;
    private DateTimeOffset _lastBacklogCount;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            int published;
            try
            {
                published = await RelayBatchAsync(stoppingToken);
                await CleanUpAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogRelayFailed(logger, ex);
                published = 0;
            }

            if (published < BatchSize)
            {
                try
                {
                    await signal.WaitAsync(PollEvery, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Claims and publishes one batch; returns how many rows were published.</summary>
    public async Task<int> RelayBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>();
        var now = timeProvider.GetUtcNow();
        var until = now + ClaimFor;
        var claimable = db.Outbox
            .Where(m => m.SentAt == null && (m.LockedUntil == null || m.LockedUntil < now))
            .OrderBy(m => m.Id)
            .Take(BatchSize)
            .Select(m => m.Id);
        var claimed = await db.Outbox
            .Where(m => claimable.Contains(m.Id))
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.LockedUntil, until).SetProperty(m => m.LockedBy, _relayId), cancellationToken);
        if (claimed == 0)
        {
            return 0;
        }

        var rows = await db.Outbox.AsNoTracking()
            .Where(m => m.LockedBy == _relayId && m.LockedUntil == until && m.SentAt == null)
            .OrderBy(m => m.Id)
            .ToListAsync(cancellationToken);
        // The batch is published at once and its confirms awaited together, instead of one round trip to the broker
        // per row. Consumers never relied on the order (several consume at once, and replicas relay side by side);
        // the wallet updaters read the card's state when they run.
        var publishing = new List<(OutboxMessage Row, Task Publish)>(rows.Count);
        foreach (var row in rows)
        {
            if (!Outbox.ContractTypes.TryGetValue(row.MessageType, out var type))
            {
                LogUnknownType(logger, row.Id, row.MessageType);
                continue;
            }

            publishing.Add((row, PublishAsync(row, type, cancellationToken)));
        }

        var sent = new List<long>(publishing.Count);
        foreach (var (row, publish) in publishing)
        {
            try
            {
                await publish;
                sent.Add(row.Id);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException && !cancellationToken.IsCancellationRequested)
            {
                // Back off: 1 s, 2 s, 4 s … up to 5 minutes; the row stays claimed until then.
                var delay = TimeSpan.FromSeconds(Math.Min(300, Math.Pow(2, Math.Min(row.Attempts, 9))));
                await db.Outbox.Where(m => m.Id == row.Id)
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.Attempts, m => m.Attempts + 1).SetProperty(m => m.LockedUntil, timeProvider.GetUtcNow() + delay), CancellationToken.None);
                LogPublishFailed(logger, row.Id, row.MessageType, ex.GetType().Name, ex.Message);
            }
        }

        if (sent.Count > 0)
        {
            var sentAt = timeProvider.GetUtcNow();
            await db.Outbox.Where(m => sent.Contains(m.Id)).ExecuteUpdateAsync(s => s.SetProperty(m => m.SentAt, sentAt), CancellationToken.None);
        }

        return sent.Count;
    }

    private async Task PublishAsync(OutboxMessage row, Type type, CancellationToken cancellationToken)
    {
        var message = JsonSerializer.Deserialize(row.Payload, type, Outbox.Json)!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PublishTimeout);
        var sequence = row.Id;
        await bus.Publish(message, type, Pipe.Execute<PublishContext>(context =>
        {
            // One identity per outbox row, the same on a republish, so a consumer that keeps a record of what it
            // handled (the outbound webhooks) sees a duplicate as one; the sequence orders one card's events.
            context.MessageId = Outbox.MessageIdOf(sequence);
            context.Headers.Set(Outbox.SequenceHeader, sequence);
        }), timeout.Token);
    }

    private static string RelayId()
    {
        var id = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";
        return id.Length <= LoyaltyDbContext.IdLength ? id : id[^LoyaltyDbContext.IdLength..];
    }

    private async Task CleanUpAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        if (now - _lastBacklogCount >= TimeSpan.FromSeconds(10))
        {
            _lastBacklogCount = now;
            await using var countScope = scopes.CreateAsyncScope();
            LoyaltyMetrics.OutboxBacklog(await countScope.ServiceProvider.GetRequiredService<LoyaltyDbContext>().Outbox.LongCountAsync(m => m.SentAt == null, cancellationToken));
        }

        if (now - _lastCleanup < TimeSpan.FromHours(1))
        {
            return;
        }

        _lastCleanup = now;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>();
        var before = now - KeepSentFor;
        await db.Outbox.Where(m => m.SentAt != null && m.SentAt < before).ExecuteDeleteAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Error, Message = "The outbox relay failed; retrying")]
    private static partial void LogRelayFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Outbox row {RowId} ({MessageType}) could not be published: {ExceptionType}: {Problem}; retrying later")]
    private static partial void LogPublishFailed(ILogger logger, long rowId, string messageType, string exceptionType, string problem);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Error, Message = "Outbox row {RowId} has unknown message type {MessageType}; left unsent")]
    private static partial void LogUnknownType(ILogger logger, long rowId, string messageType);
}
