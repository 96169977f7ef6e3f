namespace SevenStamp.Loyalty.Messaging;

/// <summary>
/// Wakes a polling worker early: a writer notifies after its commit, and the worker waits for a notification or its
/// poll interval, whichever comes first. Notifications while one is pending fold into it.
/// </summary>
public abstract class WakeSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    /// <summary>Waits for a notification or <paramref name="timeout"/>, whichever comes first.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}
