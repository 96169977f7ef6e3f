using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Engine;

/// <summary>How the loyalty consumers group sales into transactions.</summary>
public sealed record SaleBatchingOptions
{
    /// <summary>Writer loops, each with its own transaction. SQLite has one writer at a time, so one; PostgreSQL more.</summary>
    public int Writers { get; init; } = 1;

    /// <summary>Most sales in one transaction.</summary>
    public int MaxBatch { get; init; } = 100;
}

/// <summary>
/// Group commit for the sale consumers. Each consumer call hands its sale in and waits; a writer loop takes every
/// sale waiting (up to <see cref="SaleBatchingOptions.MaxBatch"/>) and applies them in one transaction, one
/// savepoint per sale (<see cref="LoyaltyEngine.ApplySalesAsync"/>). A call returns once its sale is committed,
/// so the broker message is acknowledged only after that; a sale that failed fails its own call alone (and goes
/// through the consumer's retry and error queue), the others of its batch commit. Under light load a batch is
/// one sale and nothing waits; under heavy load one commit (one fsync on SQLite) carries many sales.
/// Sales of one customer always go to the same writer, so two writers never lock the same card in opposite order.
/// </summary>
public sealed partial class SaleBatcher : IAsyncDisposable
{
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger<SaleBatcher> _logger;
    private readonly SaleBatchingOptions _options;
    private readonly Channel<Pending>[] _queues;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private Task[]? _writers;

    public SaleBatcher(IServiceScopeFactory scopes, SaleBatchingOptions options, ILogger<SaleBatcher> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _scopes = scopes;
        _logger = logger;
        _options = options with { Writers = Math.Clamp(options.Writers, 1, 64), MaxBatch = Math.Clamp(options.MaxBatch, 1, 10_000) };
        _queues = [.. Enumerable.Range(0, _options.Writers).Select(_ => Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true }))];
    }

    /// <summary>Applies <paramref name="sale"/> in the next transaction of its writer; completes when that committed.</summary>
    public Task ApplyAsync(SaleCompleted sale, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sale);
        EnsureStarted();
        var pending = new Pending(sale, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), cancellationToken);
        if (!_queues[WriterOf(sale)].Writer.TryWrite(pending))
        {
            throw new OperationCanceledException("The loyalty host is stopping.");
        }

        // A call cancelled while its sale is queued returns at once; the sale may still be applied, which is safe:
        // the message is not acknowledged, and its redelivery finds the sale in the inbox.
        return pending.Done.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var queue in _queues)
        {
            queue.Writer.TryComplete();
        }

        await _stop.CancelAsync();
        if (_writers is not null)
        {
            await Task.WhenAll(_writers);
        }

        _stop.Dispose();
    }

    private int WriterOf(SaleCompleted sale)
    {
        if (_queues.Length == 1)
        {
            return 0;
        }

        var identifiers = CustomerIdentity.Of(sale);
        var key = identifiers.Count > 0 ? identifiers[0].Value : sale.ExternalSaleId;
        return (int)((uint)StringComparer.Ordinal.GetHashCode(key) % (uint)_queues.Length);
    }

    private void EnsureStarted()
    {
        if (_writers is not null)
        {
            return;
        }

        lock (_gate)
        {
            _writers ??= [.. _queues.Select(q => Task.Run(() => WriteAsync(q.Reader)))];
        }
    }

    private async Task WriteAsync(ChannelReader<Pending> reader)
    {
        var batch = new List<Pending>(_options.MaxBatch);
        try
        {
            while (await reader.WaitToReadAsync(_stop.Token))
            {
                batch.Clear();
                while (batch.Count < _options.MaxBatch && reader.TryRead(out var pending))
                {
                    if (pending.Cancellation.IsCancellationRequested)
                    {
                        pending.Done.TrySetCanceled(pending.Cancellation);
                    }
                    else
                    {
                        batch.Add(pending);
                    }
                }

                if (batch.Count > 0)
                {
                    await ApplyBatchAsync(batch);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopping: calls still waiting see their own cancellation, or this.
        }
        finally
        {
            while (reader.TryRead(out var left))
            {
                left.Done.TrySetCanceled();
            }

            foreach (var pending in batch)
            {
                pending.Done.TrySetCanceled();
            }
        }
    }

    private async Task ApplyBatchAsync(List<Pending> batch)
    {
        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            var engine = scope.ServiceProvider.GetRequiredService<LoyaltyEngine>();
            IReadOnlyList<Exception?> errors;
            using (await scope.ServiceProvider.GetRequiredService<WriteTurns>().TakeAsync(_stop.Token))
            {
                errors = await engine.ApplySalesAsync([.. batch.Select(p => p.Sale)], _stop.Token);
            }
            for (var i = 0; i < batch.Count; i++)
            {
                if (errors[i] is { } error)
                {
                    batch[i].Done.TrySetException(error);
                }
                else
                {
                    batch[i].Done.TrySetResult();
                }
            }

            LoyaltyMetrics.SaleBatch(batch.Count);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The transaction as a whole failed (a lost connection, a failed commit): every call fails and its
            // message is retried on its own; the inbox keeps any retry from applying a sale twice.
            if (ex is not OperationCanceledException)
            {
                LogBatchFailed(_logger, ex, batch.Count);
            }

            foreach (var pending in batch)
            {
                pending.Done.TrySetException(ex);
            }
        }
        finally
        {
            batch.Clear();
        }
    }

    private sealed record Pending(SaleCompleted Sale, TaskCompletionSource Done, CancellationToken Cancellation);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "A transaction of {Count} sales failed; each is retried on its own")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count);
}
