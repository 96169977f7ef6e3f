using MassTransit;
using Microsoft.Extensions.Options;
using SevenStamp.Connectors.Host.Messaging;
using SevenStamp.Connectors.Host.Plugins;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Host.Connectors;

/// <summary>
/// Runs the connector instances of the merchant's configuration file: checks each (plugin known, settings
/// valid), starts the valid ones, and keeps going when one is broken, reporting it with the field and reason.
/// Registered after the bus, so it starts once the bus is up and stops before the bus goes down.
/// </summary>
public sealed partial class ConnectorSupervisor(
    PluginCatalog catalog,
    IBus bus,
    IOptions<SevenStampOptions> options,
    IHostEnvironment environment,
    ILoggerFactory loggerFactory,
    TimeProvider timeProvider,
    IServiceScopeFactory scopes) : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<ConnectorSupervisor>();
    private readonly Dictionary<string, ConnectorRuntime> _connectors = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _restartLoop;

    /// <summary>Problems with the configuration file that kept an entry from being read at all.</summary>
    public IReadOnlyList<ConnectorConfigError> ConfigurationErrors { get; private set; } = [];

    public IReadOnlyCollection<ConnectorRuntime> Connectors => _connectors.Values;

    public bool TryGet(string connectorId, out ConnectorRuntime runtime) => _connectors.TryGetValue(connectorId, out runtime!);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(options.Value.ConnectorsFile, environment.ContentRootPath);
        var (configs, errors) = ConnectorConfigurationFile.Load(path);
        ConfigurationErrors = errors;
        foreach (var error in errors)
        {
            LogConfigurationError(_logger, error.ToString());
        }

        foreach (var config in configs)
        {
            catalog.Plugins.TryGetValue(config.PluginId, out var plugin);
            var runtime = new ConnectorRuntime(config, plugin);
            _connectors[config.Id] = runtime;
            await StartOneAsync(runtime, cancellationToken);
        }

        LogStarted(_logger, _connectors.Values.Count(c => c.State == ConnectorState.Running), _connectors.Count);
        _restartLoop = Task.Run(() => RestartFailedAsync(_stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_restartLoop is not null)
        {
            await _restartLoop.WaitAsync(cancellationToken);
        }

        var running = _connectors.Values.Where(c => c.Task is not null).ToList();
        await Task.WhenAll(running.Select(c => StopOneAsync(c, cancellationToken)));
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Dispose();
        foreach (var runtime in _connectors.Values)
        {
            await DisposeTaskAsync(runtime);
        }
    }

    private async Task StartOneAsync(ConnectorRuntime runtime, CancellationToken cancellationToken)
    {
        var config = runtime.Config;
        if (runtime.Plugin is null)
        {
            var known = catalog.Plugins.Count == 0 ? "none are installed" : "installed: " + string.Join(", ", catalog.Plugins.Keys.Order(StringComparer.Ordinal));
            var quarantined = catalog.Failures.Any(f => f.PluginId == config.PluginId) ? " (that plugin is installed but was quarantined; see the plugin errors above)" : string.Empty;
            Fail(runtime, $"plugin '{config.PluginId}' is not installed{quarantined}; {known}");
            return;
        }

        if (!config.Enabled)
        {
            runtime.MarkDisabled();
            LogDisabled(_logger, config.Id);
            return;
        }

        var connector = config.Isolation == Isolation.ConnectorIsolation.Process
            ? new Isolation.IsolatedConnector(runtime.Plugin, config, options.Value.Webhooks.MaxBodyBytes, reason => { Fail(runtime, reason); ScheduleRestart(runtime); })
            : runtime.Plugin.Connector;
        IReadOnlyList<SettingError> settingErrors;
        ConnectorSettings? settings;
        try
        {
            var result = ConnectorValidation.Validate(connector, config.Settings);
            settings = result.Settings;
            settingErrors = result.Errors;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Fail(runtime, $"the plugin threw while validating its settings: {ex.GetType().Name}: {ex.Message}");
            return;
        }

        if (settingErrors.Count > 0)
        {
            foreach (var error in settingErrors)
            {
                LogSettingError(_logger, config.Id, error.Field, error.Message);
            }

            runtime.MarkFailed($"{settingErrors.Count} invalid setting(s): " + string.Join("; ", settingErrors), settingErrors);
            return;
        }

        var busOptions = options.Value.Bus;
        var context = new ConnectorContext(
            config.Id,
            config.MerchantId,
            settings!,
            new MassTransitCheckoutEventSink(bus, runtime, busOptions.PublishTimeout),
            loggerFactory.CreateLogger($"SevenStamp.Connectors.{config.PluginId}.{config.Id}"),
            timeProvider,
            new DatabaseConnectorStore(scopes, config.Id, timeProvider));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.ConnectorStartTimeout);
        try
        {
            runtime.Task = connector.CreateTask(context);
            await runtime.Task.StartAsync(timeout.Token).WaitAsync(timeout.Token);
            runtime.MarkRunning();
            LogRunning(_logger, config.Id, config.PluginId, settings!.ToString());
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Fail(runtime, $"did not start within {options.Value.ConnectorStartTimeout.TotalSeconds:0} s");
            ScheduleRestart(runtime);
            await DisposeTaskAsync(runtime);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            Fail(runtime, $"threw while starting: {ex.GetType().Name}: {ex.Message}");
            ScheduleRestart(runtime);
            await DisposeTaskAsync(runtime);
        }
    }

    /// <summary>A connector that threw or hung while starting is started again later: 5 s, 10 s, 20 s … at most 5 minutes apart.</summary>
    private void ScheduleRestart(ConnectorRuntime runtime)
    {
        var attempts = ++runtime.RestartAttempts;
        var initial = options.Value.ConnectorRestartDelay;
        var delay = TimeSpan.FromTicks((long)Math.Min(options.Value.ConnectorRestartMaxDelay.Ticks, initial.Ticks * Math.Pow(2, Math.Min(attempts - 1, 20))));
        runtime.NextRestartAt = timeProvider.GetUtcNow() + delay;
        LogRestartScheduled(_logger, runtime.Id, delay.TotalSeconds, attempts);
    }

    private async Task RestartFailedAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250), timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = timeProvider.GetUtcNow();
                foreach (var runtime in _connectors.Values.Where(c => c.State == ConnectorState.Failed && c.NextRestartAt <= now).ToList())
                {
                    runtime.NextRestartAt = null;
                    LogRestarting(_logger, runtime.Id, runtime.RestartAttempts);
                    await StartOneAsync(runtime, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task StopOneAsync(ConnectorRuntime runtime, CancellationToken cancellationToken)
    {
        try
        {
            await runtime.Task!.StopAsync(cancellationToken).WaitAsync(cancellationToken);
            if (runtime.State == ConnectorState.Running)
            {
                runtime.MarkStopped();
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogStopFailed(_logger, runtime.Id, ex.GetType().Name, ex.Message);
        }
        finally
        {
            await DisposeTaskAsync(runtime);
        }
    }

    private async Task DisposeTaskAsync(ConnectorRuntime runtime)
    {
        var task = runtime.Task;
        runtime.Task = null;
        if (task is null)
        {
            return;
        }

        try
        {
            await task.DisposeAsync();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogStopFailed(_logger, runtime.Id, ex.GetType().Name, ex.Message);
        }
    }

    private void Fail(ConnectorRuntime runtime, string reason)
    {
        runtime.MarkFailed(reason);
        LogFailed(_logger, runtime.Id, reason);
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Error, Message = "Connector configuration: {Problem}")]
    private static partial void LogConfigurationError(ILogger logger, string problem);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "Connector {ConnectorId}: setting '{Field}' {Problem}")]
    private static partial void LogSettingError(ILogger logger, string connectorId, string field, string problem);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Error, Message = "Connector {ConnectorId} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string connectorId, string reason);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Information, Message = "Connector {ConnectorId} ({PluginId}) is running with {Settings}")]
    private static partial void LogRunning(ILogger logger, string connectorId, string pluginId, string settings);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Information, Message = "Connector {ConnectorId} is disabled in the configuration")]
    private static partial void LogDisabled(ILogger logger, string connectorId);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Information, Message = "{Running} of {Configured} configured connector(s) running")]
    private static partial void LogStarted(ILogger logger, int running, int configured);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Warning, Message = "Connector {ConnectorId} will be started again in {Seconds} s (attempt {Attempt} failed)")]
    private static partial void LogRestartScheduled(ILogger logger, string connectorId, double seconds, int attempt);

    [LoggerMessage(EventId = 1109, Level = LogLevel.Information, Message = "Starting connector {ConnectorId} again (after {Attempts} failed attempt(s))")]
    private static partial void LogRestarting(ILogger logger, string connectorId, int attempts);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Warning, Message = "Connector {ConnectorId} did not stop cleanly: {ExceptionType}: {Problem}")]
    private static partial void LogStopFailed(ILogger logger, string connectorId, string exceptionType, string problem);
}
