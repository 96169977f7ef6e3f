namespace SevenStamp.Connectors.Sdk.Tests;

public class BackgroundConnectorTaskTests
{
    private sealed class Looping : BackgroundConnectorTask
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Rounds;

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            Started.TrySetResult();
            while (true)
            {
                Interlocked.Increment(ref Rounds);
                await Task.Delay(10, stoppingToken);
            }
        }
    }

    [Fact]
    public async Task BackgroundConnectorTask_Started_RunsTheLoopAndStopsWhenAsked()
    {
        var task = new Looping();

        await task.StartAsync(CancellationToken.None);
        await task.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await task.StopAsync(grace.Token);
        var rounds = task.Rounds;
        await Task.Delay(50);

        Assert.True(rounds > 0);
        Assert.Equal(rounds, task.Rounds);
        await task.DisposeAsync();
    }

    [Fact]
    public async Task StopOrDispose_TaskThatNeverStarted_DoesNothing()
    {
        var task = new Looping();

        await task.StopAsync(CancellationToken.None);
        await task.DisposeAsync();

        Assert.Equal(0, task.Rounds);
    }
}
