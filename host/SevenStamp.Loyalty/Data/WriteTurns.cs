namespace SevenStamp.Loyalty.Data;

/// <summary>
/// Turns at the database's write lock for the host's busy writers (the sale batches and the webhooks' seen marks).
/// SQLite has one write lock per file, and a writer that finds it taken waits in SQLite's busy handler: sleeps of
/// 1 ms growing to 100 ms on a blocked thread, with no order among the waiters, so under load one writer can wait
/// through many batches of another. Taking a turn here first queues the writers in arrival order without holding a
/// thread, and each finds the lock free. PostgreSQL locks rows, not the database: there every turn is granted at once.
/// </summary>
public sealed class WriteTurns
{
    private readonly SemaphoreSlim? _lock;

    public WriteTurns(LoyaltyStoreProvider provider) => _lock = provider == LoyaltyStoreProvider.Sqlite ? new SemaphoreSlim(1, 1) : null;

    /// <summary>Waits for this writer's turn; dispose the result once the transaction has committed or rolled back.</summary>
    public async ValueTask<Turn> TakeAsync(CancellationToken cancellationToken)
    {
        if (_lock is null)
        {
            return default;
        }

        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Turn(_lock);
    }

    /// <summary>A writer's turn; disposing it lets the next writer in.</summary>
    public readonly struct Turn(SemaphoreSlim? held) : IDisposable
    {
        public void Dispose() => held?.Release();
    }
}
