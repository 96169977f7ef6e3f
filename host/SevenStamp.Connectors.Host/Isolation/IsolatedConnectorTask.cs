using System.Diagnostics;
using System.Runtime.InteropServices;
using SevenStamp.Connectors.Host.Connectors;
using SevenStamp.Connectors.Host.Plugins;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Host.Isolation;

/// <summary>
/// A connector task whose plugin code runs in a child process (<see cref="ConnectorWorker"/>): starting it starts
/// the process, webhooks and stop are forwarded to it, and its sink and store calls are served here with the host's
/// own sink (so a 2xx still waits for the broker) and store. When the process dies every pending call fails at once
/// (a webhook gets 503, so the POS retries) and the supervisor is told, which marks the connector failed and
/// restarts it with its backoff. Stopping asks the worker, then kills its process tree after <see cref="StopGrace"/>.
/// </summary>
internal sealed partial class IsolatedConnectorTask : IConnectorTask, IWebhookReceiver
{
    /// <summary>How long a worker may take to stop before it is killed.</summary>
    internal static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan ExitWait = TimeSpan.FromSeconds(5);

    private readonly LoadedPlugin _plugin;
    private readonly ConnectorInstanceConfig _config;
    private readonly ConnectorContext _context;
    private readonly int _maxFrameBytes;
    private readonly Action<string> _onDied;
    private readonly ILogger _logger;
    private Process? _process;
    private FrameChannel? _channel;
    private Task? _reader;
    private Task? _stderr;
    private volatile string? _lastError;
    private bool _started;
    private volatile bool _stopping;
    private bool _receivesWebhooks;
    private readonly Lock _gate = new();
    private bool _diedReported;

    public IsolatedConnectorTask(LoadedPlugin plugin, ConnectorInstanceConfig config, ConnectorContext context, int maxFrameBytes, Action<string> onDied)
    {
        _plugin = plugin;
        _config = config;
        _context = context;
        _maxFrameBytes = maxFrameBytes;
        _onDied = onDied;
        _logger = context.Logger;
    }

    /// <summary>The worker's process id while it runs (tests and diagnostics).</summary>
    internal int? ProcessId { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var process = new Process { StartInfo = WorkerStartInfo(_plugin, _maxFrameBytes) };
        _process = process;
        if (!process.Start())
        {
            throw new InvalidOperationException("the connector's worker process did not start");
        }

        ProcessId = process.Id;
        LogWorkerStarted(_logger, _config.Id, process.Id);
        var channel = new FrameChannel(process.StandardOutput.BaseStream, process.StandardInput.BaseStream, HandleFromWorkerAsync, _maxFrameBytes);
        _channel = channel;
        _stderr = ForwardStderrOnDedicatedThread(process);
        _reader = Task.Run(() => WatchAsync(process, channel), CancellationToken.None);

        var reply = await CallAsync(
            new WorkerFrame { Type = WorkerFrame.Start, ConnectorId = _context.ConnectorId, MerchantId = _context.MerchantId, Settings = _config.Settings },
            cancellationToken);
        _receivesWebhooks = reply.Flag == true;
        string? closed;
        lock (_gate)
        {
            _started = true;
            closed = channel.ClosedReason;
            _diedReported |= closed is not null;
        }

        if (closed is not null)
        {
            // Died right after answering: a failed start, retried like any other.
            throw new WorkerUnavailableException(closed);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        if (_channel is not { ClosedReason: null } channel)
        {
            return;
        }

        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(StopGrace);
        try
        {
            await CallAsync(new WorkerFrame { Type = WorkerFrame.Stop }, grace.Token);
        }
        catch (OperationCanceledException) when (grace.IsCancellationRequested)
        {
            LogStopTimedOut(_logger, _config.Id, StopGrace.TotalSeconds);
        }
        catch (WorkerUnavailableException)
        {
            // Already gone.
        }
    }

    public async Task<WebhookResponse> HandleWebhookAsync(WebhookRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_receivesWebhooks)
        {
            return WebhookResponse.Invalid($"connector '{_config.Id}' does not receive webhooks");
        }

        WorkerFrame reply;
        try
        {
            reply = await CallAsync(
                new WorkerFrame
                {
                    Type = WorkerFrame.Webhook,
                    Method = request.Method,
                    Headers = request.Headers,
                    Body = Convert.ToBase64String(request.Body.Span),
                    ReceivedAt = request.ReceivedAt,
                    QueryString = request.QueryString,
                },
                cancellationToken);
        }
        catch (WorkerUnavailableException)
        {
            return WebhookResponse.Unavailable("the connector's process stopped before the event was durable; retry");
        }

        return reply.Outcome switch
        {
            WebhookOutcome.Accepted => WebhookResponse.Accepted(reply.Message ?? "accepted"),
            WebhookOutcome.Duplicate => WebhookResponse.Duplicate(reply.Message ?? "duplicate"),
            WebhookOutcome.Ignored => WebhookResponse.Ignored(reply.Message ?? "ignored"),
            WebhookOutcome.Unauthorized => WebhookResponse.Unauthorized(reply.Message ?? "signature verification failed"),
            WebhookOutcome.Invalid => WebhookResponse.Invalid(reply.Message ?? "invalid"),
            _ => WebhookResponse.Unavailable(reply.Message ?? "temporarily unavailable, retry later"),
        };
    }

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        var process = _process;
        if (process is null)
        {
            return;
        }

        try
        {
            // Closing its input tells the worker to leave; a worker that does not is killed with its whole tree.
            try
            {
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // Already gone.
            }

            if (!await WaitForExitAsync(process, TimeSpan.FromSeconds(1)))
            {
                LogKilling(_logger, _config.Id, process.Id);
                process.Kill(entireProcessTree: true);
                await WaitForExitAsync(process, ExitWait);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        _channel?.Close("the connector was stopped");
        foreach (var task in new[] { _reader, _stderr })
        {
            if (task is not null)
            {
                await task.WaitAsync(ExitWait).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        _channel?.Dispose();
        process.Dispose();
        ProcessId = null;
    }

    /// <summary>The same host binary in worker mode, with the same runtime that runs this host.</summary>
    internal static ProcessStartInfo WorkerStartInfo(LoadedPlugin plugin, int maxFrameBytes)
    {
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(typeof(ConnectorWorker).Assembly.Location);
        info.ArgumentList.Add(ConnectorWorker.Command);
        info.ArgumentList.Add("--plugin-directory");
        info.ArgumentList.Add(plugin.Directory);
        info.ArgumentList.Add("--plugin-id");
        info.ArgumentList.Add(plugin.Manifest.Id);
        info.ArgumentList.Add("--max-frame-bytes");
        info.ArgumentList.Add(maxFrameBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return info;
    }

    /// <summary>The <c>dotnet</c> executable running this process, or the one of this runtime's installation.</summary>
    private static string DotnetHost()
    {
        var name = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (Environment.ProcessPath is { } path && string.Equals(Path.GetFileName(path), name, StringComparison.OrdinalIgnoreCase))
        {
            return path;
        }

        // <root>/shared/Microsoft.NETCore.App/<version>/ → <root>/dotnet
        var runtime = Path.TrimEndingDirectorySeparator(RuntimeEnvironment.GetRuntimeDirectory());
        var root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(runtime)));
        if (root is not null && File.Exists(Path.Combine(root, name)))
        {
            return Path.Combine(root, name);
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath ? hostPath : name;
    }

    private async Task<WorkerFrame> CallAsync(WorkerFrame request, CancellationToken cancellationToken)
    {
        var channel = _channel ?? throw new WorkerUnavailableException("the connector's process is not running");
        var reply = await channel.CallAsync(request, cancellationToken);
        return reply.Error switch
        {
            null => reply,
            WorkerFrame.ErrorUnavailable => throw new CheckoutSinkUnavailableException(reply.Message ?? "the checkout sink is unavailable"),
            WorkerFrame.ErrorRejected => throw new CheckoutRecordRejectedException(reply.Key ?? "record", reply.Message ?? "was refused"),
            WorkerFrame.ErrorCancelled => throw new OperationCanceledException(reply.Message),
            _ => throw new InvalidOperationException(reply.Message),
        };
    }

    private async Task<WorkerFrame> HandleFromWorkerAsync(WorkerFrame request, CancellationToken cancellationToken)
    {
        var key = request.Key ?? string.Empty;
        switch (request.Type)
        {
            case WorkerFrame.PublishSale when request.Sale is { } sale:
                await _context.Sink.PublishAsync(sale, cancellationToken);
                return WorkerFrame.Ok();
            case WorkerFrame.PublishRefund when request.Refund is { } refund:
                await _context.Sink.PublishAsync(refund, cancellationToken);
                return WorkerFrame.Ok();
            case WorkerFrame.GetOffset:
                return WorkerFrame.Ok() with { Value = await _context.Store.GetOffsetAsync(key, cancellationToken) };
            case WorkerFrame.SetOffset:
                await _context.Store.SetOffsetAsync(key, request.Value ?? string.Empty, cancellationToken);
                return WorkerFrame.Ok();
            case WorkerFrame.AdvanceOffset:
                return WorkerFrame.Ok() with { Flag = await _context.Store.AdvanceOffsetAsync(key, request.Value ?? string.Empty, cancellationToken) };
            case WorkerFrame.IsSeen:
                return WorkerFrame.Ok() with { Flag = await _context.Store.IsSeenAsync(key, cancellationToken) };
            case WorkerFrame.MarkSeen:
                await _context.Store.MarkSeenAsync(key, cancellationToken);
                return WorkerFrame.Ok();
            default:
                return WorkerFrame.Failed(WorkerFrame.ErrorUnsupported, $"the host does not serve '{request.Type}' requests");
        }
    }

    /// <summary>Serves the worker's frames until its output ends, then fails every pending call and reports the death.</summary>
    private async Task WatchAsync(Process process, FrameChannel channel)
    {
        string? broken = null;
        try
        {
            await channel.RunOnDedicatedThread();
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or System.Text.Json.JsonException or ObjectDisposedException)
        {
            // A worker that breaks the protocol is not trusted further.
            broken = $"its process broke the protocol ({ex.GetType().Name})";
            LogProtocolBroken(_logger, _config.Id, ex.GetType().Name);
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }

        await WaitForExitAsync(process, ExitWait);
        if (_stderr is { } stderr)
        {
            await stderr.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        var reason = broken ?? Describe(process);
        channel.Close(reason);
        ReportDied(reason);
    }

    private void ReportDied(string reason)
    {
        lock (_gate)
        {
            if (!_started || _stopping || _diedReported)
            {
                return;
            }

            _diedReported = true;
        }

        LogWorkerDied(_logger, _config.Id, reason);
        _onDied(reason);
    }

    private string Describe(Process process)
    {
        string exit;
        try
        {
            exit = !process.HasExited ? "its process closed its output"
                : !OperatingSystem.IsWindows() && process.ExitCode > 128 ? $"its process was killed by signal {process.ExitCode - 128}"
                : $"its process exited with code {process.ExitCode}";
        }
        catch (InvalidOperationException)
        {
            exit = "its process ended";
        }

        return _lastError is { } last ? $"{exit}: {last}" : exit;
    }

    /// <summary>Forwards the worker's stderr on a thread of its own: a blocked pipe read must not hold a thread-pool thread.</summary>
    private Task ForwardStderrOnDedicatedThread(Process process)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            ForwardStderr(process);
            done.TrySetResult();
        })
        {
            IsBackground = true,
            Name = "connector worker stderr",
        }.Start();
        return done.Task;
    }

    private void ForwardStderr(Process process)
    {
        try
        {
            while (process.StandardError.ReadLine() is { } line)
            {
                if (line.Length == 0)
                {
                    continue;
                }

                var (level, category, message) = WorkerLog.Parse(line);
                var runtimeReport = category == "stderr";
                var stackFrame = runtimeReport && message.TrimStart().StartsWith("at ", StringComparison.Ordinal);

                // The runtime's own last words on a crash ("Unhandled exception. …", "Process terminated." and the
                // FailFast message on the next line) are errors; the stack frames that follow are detail.
                if (runtimeReport && (message.StartsWith("Unhandled exception.", StringComparison.Ordinal) || message.StartsWith("Process terminated.", StringComparison.Ordinal)))
                {
                    level = LogLevel.Error;
                }
                else if (stackFrame)
                {
                    level = LogLevel.Debug;
                }
                else if (runtimeReport && _lastError == "Process terminated.")
                {
                    level = LogLevel.Error;
                    message = "Process terminated. " + message;
                }

                if (level >= LogLevel.Error)
                {
                    _lastError = message.Length > 300 ? message[..300] + "…" : message;
                }

                WorkerLog.Forward(_logger, level, category, message);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The pipe closed with the process.
        }
    }

    private static async Task<bool> WaitForExitAsync(Process process, TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    [LoggerMessage(EventId = 1402, Level = LogLevel.Information, Message = "Connector {ConnectorId} runs isolated in worker process {ProcessId}")]
    private static partial void LogWorkerStarted(ILogger logger, string connectorId, int processId);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Error, Message = "Connector {ConnectorId}: worker process died: {Reason}")]
    private static partial void LogWorkerDied(ILogger logger, string connectorId, string reason);

    [LoggerMessage(EventId = 1404, Level = LogLevel.Warning, Message = "Connector {ConnectorId} did not stop within {Seconds} s; its worker process is killed")]
    private static partial void LogStopTimedOut(ILogger logger, string connectorId, double seconds);

    [LoggerMessage(EventId = 1405, Level = LogLevel.Warning, Message = "Killing worker process {ProcessId} of connector {ConnectorId}")]
    private static partial void LogKilling(ILogger logger, string connectorId, int processId);

    [LoggerMessage(EventId = 1406, Level = LogLevel.Error, Message = "Connector {ConnectorId}: worker process broke the protocol ({ExceptionType}); it is killed")]
    private static partial void LogProtocolBroken(ILogger logger, string connectorId, string exceptionType);
}
