using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text.Json;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Host.Isolation;

/// <summary>
/// Request/reply over a pair of pipes, used the same way on both sides of a connector worker: each frame is a
/// 4-byte big-endian length and that many bytes of UTF-8 JSON (<see cref="WorkerFrame"/>), never more than
/// <see cref="MaxFrameBytes"/>. Either side may call the other; replies find their call by id, and a cancelled
/// call tells the other side with a <c>cancel</c> frame.
/// </summary>
internal sealed class FrameChannel(Stream input, Stream output, Func<WorkerFrame, CancellationToken, Task<WorkerFrame>> handler, int maxFrameBytes) : IDisposable
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<long, TaskCompletionSource<WorkerFrame>> _pending = new();
    private readonly ConcurrentDictionary<long, CancellationTokenSource> _incoming = new();
    private long _nextId;
    private string? _closedReason;

    public int MaxFrameBytes { get; } = maxFrameBytes;

    /// <summary>Why the channel closed, or null while it is open.</summary>
    public string? ClosedReason => Volatile.Read(ref _closedReason);

    /// <summary>
    /// Reads and dispatches frames on a thread of its own until the input ends or breaks; does not close the channel
    /// itself. Pipe and console reads block a thread, so they must not hold one of the few thread-pool threads.
    /// </summary>
    public Task RunOnDedicatedThread()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
#pragma warning disable VSTHRD002 // Completes synchronously: every read blocks this thread, never awaits.
                RunAsync(CancellationToken.None, blocking: true).GetAwaiter().GetResult();
#pragma warning restore VSTHRD002
                done.TrySetResult();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                done.TrySetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "connector worker frames",
        };
        thread.Start();
        return done.Task;
    }

    /// <summary>Reads and dispatches frames until the input ends or breaks; does not close the channel itself.</summary>
    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(cancellationToken, blocking: false);

    private async Task RunAsync(CancellationToken cancellationToken, bool blocking)
    {
        var header = new byte[4];
        while (true)
        {
            try
            {
                await ReadExactlyAsync(header, blocking, cancellationToken);
            }
            catch (EndOfStreamException)
            {
                return;
            }

            var length = BinaryPrimitives.ReadInt32BigEndian(header);
            if (length <= 0 || length > MaxFrameBytes)
            {
                throw new InvalidDataException($"a frame of {length} bytes is outside 1..{MaxFrameBytes}");
            }

            var body = new byte[length];
            await ReadExactlyAsync(body, blocking, cancellationToken);
            var frame = JsonSerializer.Deserialize<WorkerFrame>(body, WorkerFrame.Json) ?? throw new InvalidDataException("an empty frame");
            switch (frame.Type)
            {
                case WorkerFrame.Reply:
                    if (_pending.TryRemove(frame.Id, out var call))
                    {
                        call.TrySetResult(frame);
                    }

                    break;
                case WorkerFrame.Cancel:
                    if (_incoming.TryGetValue(frame.Id, out var running))
                    {
                        try
                        {
                            // Not awaited: the read loop must not leave its thread (callbacks run elsewhere).
                            _ = running.CancelAsync();
                        }
                        catch (ObjectDisposedException)
                        {
                            // Finished meanwhile.
                        }
                    }

                    break;
                default:
                    _ = Task.Run(() => DispatchAsync(frame), CancellationToken.None);
                    break;
            }
        }
    }

    private async Task ReadExactlyAsync(byte[] buffer, bool blocking, CancellationToken cancellationToken)
    {
        if (blocking)
        {
#pragma warning disable CA1849, VSTHRD103 // On its own thread, on purpose (see RunOnDedicatedThread).
            input.ReadExactly(buffer);
#pragma warning restore CA1849, VSTHRD103
        }
        else
        {
            await input.ReadExactlyAsync(buffer, cancellationToken);
        }
    }

    /// <summary>Sends <paramref name="request"/> and waits for its reply; throws <see cref="WorkerUnavailableException"/> when the channel is or becomes closed.</summary>
    public async Task<WorkerFrame> CallAsync(WorkerFrame request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<WorkerFrame>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        try
        {
            if (ClosedReason is { } closed)
            {
                throw new WorkerUnavailableException(closed);
            }

            await SendAsync(request with { Id = id }, cancellationToken);
            return await reply.Task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await TrySendAsync(new WorkerFrame { Type = WorkerFrame.Cancel, Id = id });
            throw;
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>Fails every pending call and every later one with <paramref name="reason"/>; the first reason wins.</summary>
    public void Close(string reason)
    {
        Interlocked.CompareExchange(ref _closedReason, reason, null);
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var call))
            {
                call.TrySetException(new WorkerUnavailableException(ClosedReason!));
            }
        }

        foreach (var running in _incoming.Values)
        {
            try
            {
                running.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Finished meanwhile.
            }
        }
    }

    public void Dispose() => _writeLock.Dispose();

    private async Task DispatchAsync(WorkerFrame request)
    {
        using var cancellation = new CancellationTokenSource();
        _incoming[request.Id] = cancellation;
        WorkerFrame reply;
        try
        {
            reply = await handler(request, cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            reply = WorkerFrame.Failed(WorkerFrame.ErrorCancelled, "cancelled");
        }
        catch (CheckoutSinkUnavailableException ex)
        {
            reply = WorkerFrame.Failed(WorkerFrame.ErrorUnavailable, ex.Message);
        }
        catch (CheckoutRecordRejectedException ex)
        {
            reply = WorkerFrame.Failed(WorkerFrame.ErrorRejected, ex.Problem) with { Key = ex.Field };
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            reply = WorkerFrame.Failed(WorkerFrame.ErrorFailed, $"{ex.GetType().Name}: {ex.Message}");
        }
        finally
        {
            _incoming.TryRemove(request.Id, out _);
        }

        await TrySendAsync(reply with { Type = WorkerFrame.Reply, Id = request.Id });
    }

    private async Task TrySendAsync(WorkerFrame frame)
    {
        try
        {
            await SendAsync(frame, CancellationToken.None);
        }
        catch (WorkerUnavailableException)
        {
            // The other side is gone; nobody is waiting for this frame any more.
        }
    }

    private async Task SendAsync(WorkerFrame frame, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(frame, WorkerFrame.Json);
        if (body.Length > MaxFrameBytes)
        {
            throw new InvalidOperationException($"The {frame.Type} message is {body.Length} bytes, more than the {MaxFrameBytes} a connector worker accepts.");
        }

        var header = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, body.Length);
        try
        {
            await _writeLock.WaitAsync(cancellationToken);
        }
        catch (ObjectDisposedException ex)
        {
            throw new WorkerUnavailableException(ClosedReason ?? "the connector's process is gone", ex);
        }

        try
        {
            // Written synchronously under the lock: a pipe write returns at once while the other side reads (it
            // reads on a thread of its own), and an async pipe write would cost a thread-pool hop per frame.
#pragma warning disable CA1849, VSTHRD103
            output.Write(header);
            output.Write(body);
            output.Flush();
#pragma warning restore CA1849, VSTHRD103
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            throw new WorkerUnavailableException(ClosedReason ?? "the connector's process no longer reads its input", ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
