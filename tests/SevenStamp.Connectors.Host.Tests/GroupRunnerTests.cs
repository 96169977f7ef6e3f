using SevenStamp.Connectors.Host.Connectors;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

public sealed class GroupRunnerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task GroupRunner_LaterGroupStillRunning_SettlesTheCallersItem()
    {
        // Arrange: the first group waits until a second item is queued; the second group blocks until released.
        var firstRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondQueued = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var groups = new List<string[]>();
        var runner = new GroupRunner<(string Name, TaskCompletionSource Done)>(
            async group =>
            {
                lock (groups)
                {
                    groups.Add([.. group.Select(g => g.Name)]);
                }

                if (group[0].Name == "first")
                {
                    firstRunning.SetResult();
                    await secondQueued.Task.WaitAsync(Patience);
                }
                else
                {
                    await release.Task.WaitAsync(Patience);
                }


                group.ForEach(g => g.Done.TrySetResult());
            },
            maxGroup: 10);
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Act
        runner.Add(("first", first));
        await firstRunning.Task.WaitAsync(Patience);
        runner.Add(("second", second));
        secondQueued.SetResult();
        await first.Task.WaitAsync(Patience);

        // Assert: the first caller is answered although the drain is still busy with the second group.
        Assert.False(second.Task.IsCompleted);
        release.SetResult();
        await second.Task.WaitAsync(Patience);
        Assert.Equal([["first"], ["second"]], groups);
    }

    [Fact]
    public async Task GroupRunner_ItemsAddedFromManyThreads_AreEachSettledOnceInGroupsOfAtMostTheLimit()
    {
        var runs = 0;
        var largest = 0;
        var settled = new int[2_000];
        var runner = new GroupRunner<int>(
            async group =>
            {
                Interlocked.Increment(ref runs);
                InterlockedMax(ref largest, group.Count);
                await Task.Yield();
                group.ForEach(i => Interlocked.Increment(ref settled[i]));
            },
            maxGroup: 25);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = t; i < settled.Length; i += 8)
            {
                runner.Add(i);
            }
        })));
        await Eventually.HoldsAsync(() => settled.All(s => s != 0), Patience, TimeSpan.FromMilliseconds(10));

        Assert.All(settled, count => Assert.Equal(1, count));
        Assert.InRange(largest, 1, 25);
        Assert.InRange(runs, settled.Length / 25, settled.Length);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
