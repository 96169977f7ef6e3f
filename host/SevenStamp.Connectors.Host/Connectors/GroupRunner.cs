using System.Collections.Concurrent;

namespace SevenStamp.Connectors.Host.Connectors;

/// <summary>
/// Items that arrive concurrently, handled in groups: while items wait, one drain task takes every item waiting (up
/// to the group size), runs the group, and again until none is left. The drain runs on a task of its own, so no
/// caller's request carries other callers' groups: under steady load the drain may never run dry, and a caller
/// that drained for everyone would not return. The group action settles each item itself and never throws; it runs
/// for every caller of the group, so it takes no caller's token.
/// </summary>
internal sealed class GroupRunner<T>(Func<List<T>, Task> run, int maxGroup)
{
    private readonly ConcurrentQueue<T> _waiting = new();
    private int _draining;

    /// <summary>Queues <paramref name="item"/> for the next group; the group action settles it.</summary>
    public void Add(T item)
    {
        _waiting.Enqueue(item);
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            _ = Task.Run(DrainAsync);
        }
    }

    private async Task DrainAsync()
    {
        var group = new List<T>(maxGroup);
        while (true)
        {
            group.Clear();
            while (group.Count < maxGroup && _waiting.TryDequeue(out var next))
            {
                group.Add(next);
            }

            if (group.Count > 0)
            {
                await run(group);
                continue;
            }

            // Nothing waiting: stop, unless an item arrived after the last look and its caller saw this drain running.
            Volatile.Write(ref _draining, 0);
            if (_waiting.IsEmpty || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
            {
                return;
            }
        }
    }
}
