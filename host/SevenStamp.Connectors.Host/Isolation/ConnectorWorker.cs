using SevenStamp.Connectors.Host.Plugins;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.Host.Isolation;

/// <summary>
/// The child side of an isolated connector: <c>SevenStamp.Connectors.Host connector-worker --plugin-directory DIR
/// --plugin-id ID --max-frame-bytes N</c>. Loads that one plugin folder with the catalog's checks, then serves the
/// host's frames on stdin/stdout; the plugin's sink and store calls go back to the host. Logs go to stderr. Exits
/// as soon as stdin closes, so a worker never outlives its host.
/// </summary>
internal sealed partial class ConnectorWorker(LoadedPlugin plugin, ILoggerFactory loggerFactory)
{
    public const string Command = "connector-worker";

    private FrameChannel _channel = null!;
    private IConnectorTask? _task;

    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var protocolOut = Console.OpenStandardOutput();
        var protocolIn = Console.OpenStandardInput();

        // Console reads and writes block their thread; a plugin may block some more. A few threads ready from the
        // start keep each hop of a call from waiting for the pool to grow (measured: ~45 ms a round trip on 2 cores).
        ThreadPool.GetMinThreads(out var workers, out var completion);
        ThreadPool.SetMinThreads(Math.Max(workers, 8), Math.Max(completion, 8));

        // Anything the plugin writes to the console must not corrupt the protocol: it goes to stderr, i.e. the log.
        Console.SetOut(Console.Error);
        string? directory = null, pluginId = null;
        var maxFrameBytes = 16 * 1024 * 1024;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--plugin-directory": directory = args[i + 1]; break;
                case "--plugin-id": pluginId = args[i + 1]; break;
                case "--max-frame-bytes": maxFrameBytes = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
                default: break;
            }
        }

        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(new WorkerLog.StderrProvider(LogLevel.Information)));
        var logger = loggerFactory.CreateLogger<ConnectorWorker>();
        if (directory is null || pluginId is null)
        {
            LogFatal(logger, "usage: connector-worker --plugin-directory DIR --plugin-id ID [--max-frame-bytes N]");
            return 2;
        }

        LoadedPlugin plugin;
        try
        {
            plugin = PluginCatalog.LoadFolder(directory);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogFatal(logger, $"the plugin in {Path.GetFileName(directory)} was refused: {ex.Message}");
            return 3;
        }

        if (!string.Equals(plugin.Manifest.Id, pluginId, StringComparison.Ordinal))
        {
            LogFatal(logger, $"the plugin in {Path.GetFileName(directory)} is '{plugin.Manifest.Id}', not '{pluginId}'");
            return 3;
        }

        var worker = new ConnectorWorker(plugin, loggerFactory);
        using var channel = new FrameChannel(protocolIn, protocolOut, worker.HandleAsync, maxFrameBytes);
        worker._channel = channel;
        try
        {
            await channel.RunOnDedicatedThread();
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or System.Text.Json.JsonException)
        {
            LogFatal(logger, $"the host's input broke: {ex.GetType().Name}: {ex.Message}");
        }

        // The host closed our input (it stopped us or it died): leave now, whatever threads the plugin still runs.
        Environment.Exit(0);
        return 0;
    }

    private async Task<WorkerFrame> HandleAsync(WorkerFrame request, CancellationToken cancellationToken)
    {
        switch (request.Type)
        {
            case WorkerFrame.Start:
                return await StartAsync(request, cancellationToken);
            case WorkerFrame.Webhook:
                if (_task is not IWebhookReceiver receiver)
                {
                    return WorkerFrame.Failed(WorkerFrame.ErrorUnsupported, "this connector does not receive webhooks");
                }

                var webhook = new WebhookRequest(
                    request.Method ?? "POST",
                    request.Headers ?? new Dictionary<string, string>(),
                    Convert.FromBase64String(request.Body ?? string.Empty),
                    request.ReceivedAt ?? TimeProvider.System.GetUtcNow(),
                    request.QueryString);
                var response = await receiver.HandleWebhookAsync(webhook, cancellationToken);
                return WorkerFrame.Ok() with { StatusCode = response.StatusCode, Outcome = response.Outcome, Message = response.Message };
            case WorkerFrame.Stop:
                var task = _task;
                _task = null;
                if (task is not null)
                {
                    try
                    {
                        await task.StopAsync(cancellationToken);
                    }
                    finally
                    {
                        await task.DisposeAsync();
                    }
                }

                return WorkerFrame.Ok();
            default:
                return WorkerFrame.Failed(WorkerFrame.ErrorUnsupported, $"unknown request '{request.Type}'");
        }
    }

    private async Task<WorkerFrame> StartAsync(WorkerFrame request, CancellationToken cancellationToken)
    {
        if (_task is not null)
        {
            return WorkerFrame.Failed(WorkerFrame.ErrorFailed, "the connector is already started");
        }

        var connectorId = request.ConnectorId ?? throw new InvalidDataException("start without a connector id");
        var result = ConnectorValidation.Validate(plugin.Connector, request.Settings ?? new Dictionary<string, string?>());
        if (result.Errors.Count > 0)
        {
            return WorkerFrame.Failed(WorkerFrame.ErrorFailed, $"{result.Errors.Count} invalid setting(s): " + string.Join("; ", result.Errors));
        }

        var context = new ConnectorContext(
            connectorId,
            request.MerchantId ?? throw new InvalidDataException("start without a merchant id"),
            result.Settings!,
            new ChannelSink(this),
            loggerFactory.CreateLogger($"SevenStamp.Connectors.{plugin.Manifest.Id}.{connectorId}"),
            TimeProvider.System,
            new ChannelStore(this));
        var task = plugin.Connector.CreateTask(context);
        try
        {
            await task.StartAsync(cancellationToken);
        }
        catch
        {
            await task.DisposeAsync();
            throw;
        }

        _task = task;
        return WorkerFrame.Ok() with { Flag = task is IWebhookReceiver };
    }

    /// <summary>A call to the host; its errors come back as the exceptions the plugin would see in-process.</summary>
    private async Task<WorkerFrame> CallHostAsync(WorkerFrame request, CancellationToken cancellationToken)
    {
        var reply = await _channel.CallAsync(request, cancellationToken);
        return reply.Error switch
        {
            null => reply,
            WorkerFrame.ErrorUnavailable => throw new CheckoutSinkUnavailableException(reply.Message ?? "the host could not publish the record"),
            WorkerFrame.ErrorRejected => throw new CheckoutRecordRejectedException(reply.Key ?? "record", reply.Message ?? "was refused"),
            WorkerFrame.ErrorCancelled => throw new OperationCanceledException(reply.Message),
            _ => throw new InvalidOperationException(reply.Message),
        };
    }

    private sealed class ChannelSink(ConnectorWorker worker) : ICheckoutEventSink
    {
        // Normalized here as the host's sink would (and again there): a record that breaks the rule is refused in the
        // plugin's own call, and no text that JSON cannot carry (a lone surrogate) reaches the channel.
        public Task PublishAsync(SaleCompleted sale, CancellationToken cancellationToken) =>
            worker.CallHostAsync(new WorkerFrame { Type = WorkerFrame.PublishSale, Sale = CheckoutText.Normalize(sale) }, cancellationToken);

        public Task PublishAsync(SaleRefunded refund, CancellationToken cancellationToken) =>
            worker.CallHostAsync(new WorkerFrame { Type = WorkerFrame.PublishRefund, Refund = CheckoutText.Normalize(refund) }, cancellationToken);
    }

    private sealed class ChannelStore(ConnectorWorker worker) : IConnectorStore
    {
        public async Task<string?> GetOffsetAsync(string key, CancellationToken cancellationToken) =>
            (await worker.CallHostAsync(new WorkerFrame { Type = WorkerFrame.GetOffset, Key = key }, cancellationToken)).Value;

        public Task SetOffsetAsync(string key, string value, CancellationToken cancellationToken) =>
            worker.CallHostAsync(new WorkerFrame { Type = WorkerFrame.SetOffset, Key = key, Value = value }, cancellationToken);

        // The host's store decides in its database, so the offset moves forward only, across replicas too.
        public async Task<bool> AdvanceOffsetAsync(string key, string value, CancellationToken cancellationToken) =>
            (await worker.CallHostAsync(new WorkerFrame { Type = WorkerFrame.AdvanceOffset, Key = key, Value = value }, cancellationToken)).Flag == true;

        public async Task<bool> IsSeenAsync(string eventId, CancellationToken cancellationToken) =>
            (await worker.CallHostAsync(new WorkerFrame { Type = WorkerFrame.IsSeen, Key = eventId }, cancellationToken)).Flag == true;

        public Task MarkSeenAsync(string eventId, CancellationToken cancellationToken) =>
            worker.CallHostAsync(new WorkerFrame { Type = WorkerFrame.MarkSeen, Key = eventId }, cancellationToken);
    }

    [LoggerMessage(EventId = 1410, Level = LogLevel.Critical, Message = "Connector worker cannot run: {Problem}")]
    private static partial void LogFatal(ILogger logger, string problem);
}
