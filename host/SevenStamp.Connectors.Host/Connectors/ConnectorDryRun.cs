using Microsoft.Extensions.Options;
using SevenStamp.Connectors.Host.Messaging;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.Host.Connectors;

/// <summary>
/// What a webhook would have done: the outcome the POS would be answered, the sales and refunds that would be
/// published (addressed exactly as published), or the errors, each named by its field (<c>signature</c>,
/// <c>body</c>, a record's field, <c>settings.*</c>, <c>connector</c>).
/// </summary>
internal sealed record DryRunResult(string Outcome, string Message, IReadOnlyList<SaleCompleted> Sales, IReadOnlyList<SaleRefunded> Refunds, IReadOnlyList<SettingError> Errors)
{
    public static DryRunResult Failed(string outcome, params SettingError[] errors) =>
        new(outcome, string.Join("; ", errors.Select(e => e.ToString())), [], [], errors);
}

/// <summary>
/// A dry run of a connector's webhook: the connector's plugin, with its current settings, is handed the body and
/// headers exactly as <c>POST /webhooks/{connectorId}</c> would hand them (signature checked over the same bytes, the
/// same mapping), but its records go to a sink that only keeps them, and its store reads the seen events without
/// marking any: nothing is published, stamped or remembered, and the live connector's counters do not move.
/// Only webhook connectors can be tried, and only in the host's process: a connector the operator isolated in a
/// process of its own is not run here (its plugin would then run unisolated).
/// </summary>
internal sealed partial class ConnectorDryRun(ConnectorSupervisor supervisor, IServiceScopeFactory scopes, IOptions<SevenStampOptions> options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
{
    /// <summary>Runs <paramref name="body"/> through connector <paramref name="connectorId"/>; null when it is not configured here.</summary>
    public async Task<DryRunResult?> RunAsync(string connectorId, string body, IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(headers);
        if (!supervisor.TryGet(connectorId, out var runtime))
        {
            return null;
        }

        if (runtime.Plugin is null)
        {
            return DryRunResult.Failed("unavailable", new SettingError("connector", $"its plugin '{runtime.Config.PluginId}' is not installed on this host"));
        }

        if (runtime.Config.Isolation == Isolation.ConnectorIsolation.Process)
        {
            return DryRunResult.Failed("unavailable", new SettingError("connector", "runs in a process of its own (isolation \"process\"); a dry run is not available for it. Send a test webhook from the point of sale instead."));
        }

        var bytes = System.Text.Encoding.UTF8.GetBytes(body);
        var limits = options.Value.Webhooks;
        if (bytes.Length > limits.MaxBodyBytes)
        {
            return DryRunResult.Failed("invalid", new SettingError("body", $"is {bytes.Length} bytes; a webhook may be at most {limits.MaxBodyBytes} bytes"));
        }

        var plugin = runtime.Plugin.Connector;
        SettingsValidationResult settings;
        try
        {
            settings = ConnectorValidation.Validate(plugin, runtime.Config.Settings);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return DryRunResult.Failed("unavailable", new SettingError("settings", $"the plugin threw while validating its settings: {ex.GetType().Name}"));
        }

        if (!settings.IsValid)
        {
            return DryRunResult.Failed("unavailable", [.. settings.Errors.Select(e => e with { Field = "settings." + e.Field })]);
        }

        var sink = new CapturingSink(runtime);
        var context = new ConnectorContext(
            runtime.Id,
            runtime.Config.MerchantId,
            settings.Settings!,
            sink,
            loggerFactory.CreateLogger($"SevenStamp.Connectors.{runtime.Config.PluginId}.{runtime.Id}.DryRun"),
            timeProvider,
            new ReadOnlyStore(new DatabaseConnectorStore(scopes, runtime.Id, timeProvider)));

        IConnectorTask task;
        try
        {
            task = plugin.CreateTask(context);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return DryRunResult.Failed("unavailable", new SettingError("connector", $"could not be created: {ex.GetType().Name}"));
        }

        await using (task)
        {
            if (task is not IWebhookReceiver receiver)
            {
                return DryRunResult.Failed("not_supported", new SettingError("connector", "does not receive webhooks, so there is nothing to try here"));
            }

            var request = new WebhookRequest(HttpMethods.Post, headers, bytes, timeProvider.GetUtcNow());
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(limits.Timeout);
            WebhookResponse response;
            try
            {
                response = await receiver.HandleWebhookAsync(request, timeout.Token).WaitAsync(timeout.Token);
            }
            catch (CheckoutRecordRejectedException ex)
            {
                return DryRunResult.Failed("invalid", new SettingError(ex.Field, ex.Problem));
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return DryRunResult.Failed("unavailable", new SettingError("connector", $"took longer than {limits.Timeout.TotalSeconds:0.#} s"));
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                LogConnectorError(loggerFactory.CreateLogger<ConnectorDryRun>(), ex, runtime.Id);
                return DryRunResult.Failed("error", new SettingError("connector", "failed to process the event (a live delivery would be answered 500 and not recorded)"));
            }

            var outcome = response.Outcome.ToString().ToLowerInvariant();
            return response.Outcome switch
            {
                WebhookOutcome.Unauthorized => DryRunResult.Failed(outcome, new SettingError("signature", response.Message)),
                WebhookOutcome.Invalid => DryRunResult.Failed(outcome, new SettingError("body", response.Message)),
                WebhookOutcome.Unavailable => DryRunResult.Failed(outcome, new SettingError("connector", response.Message)),
                _ => new DryRunResult(outcome, response.Message, sink.Sales, sink.Refunds, []),
            };
        }
    }

    /// <summary>Keeps what the connector would publish, addressed as the live sink addresses it.</summary>
    private sealed class CapturingSink(ConnectorRuntime runtime) : ICheckoutEventSink
    {
        public List<SaleCompleted> Sales { get; } = [];

        public List<SaleRefunded> Refunds { get; } = [];

        public Task PublishAsync(SaleCompleted sale, CancellationToken cancellationToken)
        {
            Sales.Add(MassTransitCheckoutEventSink.Addressed(sale, runtime));
            return Task.CompletedTask;
        }

        public Task PublishAsync(SaleRefunded refund, CancellationToken cancellationToken)
        {
            Refunds.Add(MassTransitCheckoutEventSink.Addressed(refund, runtime));
            return Task.CompletedTask;
        }
    }

    /// <summary>The live connector's store, read only: a repeat is told as a repeat, and nothing is marked seen or moved on.</summary>
    private sealed class ReadOnlyStore(IConnectorStore store) : IConnectorStore
    {
        public Task<string?> GetOffsetAsync(string key, CancellationToken cancellationToken) => store.GetOffsetAsync(key, cancellationToken);

        public Task SetOffsetAsync(string key, string value, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<bool> AdvanceOffsetAsync(string key, string value, CancellationToken cancellationToken) => Task.FromResult(false);

        public Task<bool> IsSeenAsync(string eventId, CancellationToken cancellationToken) => store.IsSeenAsync(eventId, cancellationToken);

        public Task MarkSeenAsync(string eventId, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [LoggerMessage(EventId = 1310, Level = LogLevel.Warning, Message = "Connector {ConnectorId} threw during a dry run")]
    private static partial void LogConnectorError(ILogger logger, Exception exception, string connectorId);
}
