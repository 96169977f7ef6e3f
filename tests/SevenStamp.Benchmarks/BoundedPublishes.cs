namespace SevenStamp.Benchmarks;

/// <summary>Starts a number of publishes with at most so many pending at once, a freed slot taken at once.</summary>
internal static class BoundedPublishes
{
    /// <summary>Runs <paramref name="publish"/> for 0 … <paramref name="count"/> − 1; returns when every one completed.</summary>
    public static async Task RunAsync(int count, int limit, Func<int, Task> publish, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(limit);
        var pending = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            await gate.WaitAsync(cancellationToken);
            pending.Add(RunOneAsync(publish, i, gate));
        }

        await Task.WhenAll(pending);
    }

    private static async Task RunOneAsync(Func<int, Task> publish, int index, SemaphoreSlim gate)
    {
        try
        {
            await publish(index);
        }
        finally
        {
            gate.Release();
        }
    }
}
