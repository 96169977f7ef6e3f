namespace SevenStamp.Connectors.CsvDrop;

/// <summary>
/// Keeps a claimed file's time fresh while it is processed, so other hosts (and this one after a restart) can tell a
/// live claim from one whose host stopped: a claim untouched for the claim timeout is returned to the inbox.
/// </summary>
internal sealed class ClaimHeartbeat : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private ClaimHeartbeat(Action<DateTime> touch, TimeSpan every, TimeProvider timeProvider)
    {
        _loop = Task.Run(() => BeatAsync(touch, every, timeProvider, _stop.Token), CancellationToken.None);
    }

    /// <summary>Calls <paramref name="touch"/> with the time now every <paramref name="every"/> (at least 100 ms) until disposed.</summary>
    public static ClaimHeartbeat Start(Action<DateTime> touch, TimeSpan every, TimeProvider timeProvider) =>
        new(touch, every > TimeSpan.FromMilliseconds(100) ? every : TimeSpan.FromMilliseconds(100), timeProvider);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
#pragma warning disable VSTHRD003 // The loop is this object's own, started in the constructor.
        await _loop;
#pragma warning restore VSTHRD003
        _stop.Dispose();
    }

    private static async Task BeatAsync(Action<DateTime> touch, TimeSpan every, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(every, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    touch(timeProvider.GetUtcNow().UtcDateTime);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Moved away (done) or briefly unreachable: the next beat tries again.
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Done.
        }
    }
}
