using MassTransit;

namespace SevenStamp.Wallet.Tests;

/// <summary>
/// Counts the deliveries of one message id to the endpoints whose queue name contains a given text (any case), consumed or
/// faulted. The test harness lists a message id once; a copy published under the same id is seen only here.
/// </summary>
internal sealed class Deliveries(string queue, Guid messageId, int awaited) : IConsumeObserver
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _count;

    /// <summary>Waits until <c>awaited</c> deliveries were handled, at most <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(TimeSpan timeout) => await _reached.Task.WaitAsync(timeout);

    public Task PreConsume<T>(ConsumeContext<T> context)
        where T : class => Task.CompletedTask;

    public Task PostConsume<T>(ConsumeContext<T> context)
        where T : class => Count(context);

    public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception)
        where T : class => Count(context);

    private Task Count(ConsumeContext context)
    {
        if (context.MessageId == messageId
            && context.ReceiveContext.InputAddress?.AbsolutePath.Contains(queue, StringComparison.OrdinalIgnoreCase) == true
            && Interlocked.Increment(ref _count) == awaited)
        {
            _reached.TrySetResult();
        }

        return Task.CompletedTask;
    }
}
