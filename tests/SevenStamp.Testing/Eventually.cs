using System.Diagnostics;
using System.Globalization;

namespace SevenStamp.Testing;

/// <summary>
/// Polls a condition until it holds or a timeout passes. The tests wait this way for what they cannot await: a
/// consumer on the bus, a background loop, a file mover, a child process. Every such wait goes through here, so the
/// timeout rule is the same everywhere: the condition is checked until the timeout passes, then once more.
/// </summary>
public static class Eventually
{
    /// <summary>How long a poll waits between two checks unless told otherwise.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Checks <paramref name="condition"/> every <paramref name="interval"/> (<see cref="DefaultInterval"/> when null)
    /// until it holds or <paramref name="timeout"/> passes; returns whether it held. An exception from the condition
    /// ends the wait: a condition that may throw while a dependency comes back catches that itself.
    /// </summary>
    public static async Task<bool> HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan? interval = null, CancellationToken cancellationToken = default) =>
        (await PollAsync(condition, timeout, interval, cancellationToken)).Held;

    /// <inheritdoc cref="HoldsAsync(Func{Task{bool}}, TimeSpan, TimeSpan?, CancellationToken)"/>
    public static Task<bool> HoldsAsync(Func<bool> condition, TimeSpan timeout, TimeSpan? interval = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return HoldsAsync(() => Task.FromResult(condition()), timeout, interval, cancellationToken);
    }

    /// <summary>
    /// As <see cref="HoldsAsync(Func{Task{bool}}, TimeSpan, TimeSpan?, CancellationToken)"/>, for a wait the test cannot
    /// go on without: when the condition never held it throws a <see cref="TimeoutException"/> naming
    /// <paramref name="what"/> was awaited, for how long and how many times it was checked.
    /// </summary>
    public static async Task AssertAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, TimeSpan? interval = null, CancellationToken cancellationToken = default)
    {
        var (held, checks) = await PollAsync(condition, timeout, interval, cancellationToken);
        if (!held)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"Timed out waiting for {what}: not seen in {timeout.TotalSeconds:0.###} s ({checks} checks)."));
        }
    }

    /// <inheritdoc cref="AssertAsync(Func{Task{bool}}, TimeSpan, string, TimeSpan?, CancellationToken)"/>
    public static Task AssertAsync(Func<bool> condition, TimeSpan timeout, string what, TimeSpan? interval = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return AssertAsync(() => Task.FromResult(condition()), timeout, what, interval, cancellationToken);
    }

    private static async Task<(bool Held, int Checks)> PollAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan? interval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var waited = Stopwatch.StartNew();
        var checks = 0;
        while (waited.Elapsed < timeout)
        {
            checks++;
            if (await condition())
            {
                return (true, checks);
            }

            await Task.Delay(interval ?? DefaultInterval, cancellationToken);
        }

        checks++;
        return (await condition(), checks);
    }
}
