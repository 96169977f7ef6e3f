namespace SevenStamp.Connectors.Host.Health;

/// <summary>
/// Turns "failing now" into "failing for longer than the grace period": a dependency that drops for a moment
/// (a broker restart, a database failover) keeps the host ready; one that stays down makes it unready.
/// </summary>
internal sealed class FailureGrace(TimeProvider timeProvider, TimeSpan grace)
{
    private long _failingSinceTicks;

    /// <summary>Records a check result; returns how long it has been failing (zero when healthy).</summary>
    public TimeSpan Observe(bool healthy)
    {
        if (healthy)
        {
            Interlocked.Exchange(ref _failingSinceTicks, 0);
            return TimeSpan.Zero;
        }

        var now = timeProvider.GetUtcNow().UtcTicks;
        Interlocked.CompareExchange(ref _failingSinceTicks, now, 0);
        return TimeSpan.FromTicks(now - Interlocked.Read(ref _failingSinceTicks));
    }

    public bool Exceeded(TimeSpan failingFor) => failingFor > grace;
}
