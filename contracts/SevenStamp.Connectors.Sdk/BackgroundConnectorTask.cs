namespace SevenStamp.Connectors.Sdk;

/// <summary>
/// A connector task whose work is one long-running loop (polling, catch-up, a simulated POS): implement
/// <see cref="ExecuteAsync"/> and the start, stop and disposal follow the <see cref="IConnectorTask"/> contract.
/// <see cref="IConnectorTask.StartAsync"/> returns at once with the loop running on its own task; stopping cancels
/// the loop's token and waits for it within the host's grace period. Since SDK 1.1.
/// </summary>
public abstract class BackgroundConnectorTask : IConnectorTask
{
    private static readonly TimeSpan DisposeWait = TimeSpan.FromSeconds(5);
    private CancellationTokenSource? _stopping;
    private Task? _loop;

    public virtual Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = new CancellationTokenSource();
        var token = _stopping.Token;
        _loop = Task.Run(() => RunAsync(token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public virtual async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping is null || _loop is null)
        {
            return;
        }

        await _stopping.CancelAsync();
        await _loop.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await DisposeAsyncCore();
        GC.SuppressFinalize(this);
    }

    /// <summary>The loop; runs until <paramref name="stoppingToken"/> is cancelled. Catch what should not end it.</summary>
    protected abstract Task ExecuteAsync(CancellationToken stoppingToken);

    /// <summary>Stops the loop if it still runs (waiting a few seconds at most); override to release more, calling the base first.</summary>
    protected virtual async ValueTask DisposeAsyncCore()
    {
        if (_stopping is null)
        {
            return;
        }

        await _stopping.CancelAsync();
        if (_loop is not null)
        {
#pragma warning disable VSTHRD003 // The loop is this object's own, started in StartAsync.
            await Task.WhenAny(_loop, Task.Delay(DisposeWait, CancellationToken.None));
#pragma warning restore VSTHRD003
        }

        _stopping.Dispose();
        _stopping = null;
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            await ExecuteAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
