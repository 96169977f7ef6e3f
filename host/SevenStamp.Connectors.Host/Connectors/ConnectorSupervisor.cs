using System.Collections.Concurrent;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SevenStamp.Connectors.Host.Connectors.Data;
using SevenStamp.Connectors.Host.Messaging;
using SevenStamp.Connectors.Host.Plugins;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Host.Connectors;

/// <summary>
/// Runs the connector instances of the merchant's configuration file and those created through the management API
/// (stored in the database): checks each (plugin known, settings valid), starts the valid ones, and keeps going
/// when one is broken, reporting it with the field and reason. The set is dynamic: every
/// <see cref="ConnectorManagementOptions.PollInterval"/> (and right after an API change on this replica) it reads
/// the stored instances and converges — adds, replaces (stop old, start new), removes, pauses, resumes and restarts —
/// so every replica sharing the database serves the same connectors. Lookups for webhooks are lock-free; changes
/// are made one at a time. Registered after the bus, so it starts once the bus is up and stops before the bus goes down.
/// </summary>
public sealed partial class ConnectorSupervisor(
    PluginCatalog catalog,
    IBus bus,
    IOptions<SevenStampOptions> options,
    IHostEnvironment environment,
    ILoggerFactory loggerFactory,
    TimeProvider timeProvider,
    IServiceScopeFactory scopes,
    ConnectorSecrets secrets) : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<ConnectorSupervisor>();
    private readonly ConcurrentDictionary<string, ConnectorRuntime> _connectors = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IReadOnlyList<ConnectorInstanceConfig> _fileConnectors = [];
    private IReadOnlyList<ConnectorConfigError> _fileErrors = [];
    private HashSet<string> _fileIds = new(StringComparer.Ordinal);
    private Task? _loop;
    private bool _storeUnreachable;

    /// <summary>Problems with the configuration (file entries that could not be read, ids defined twice).</summary>
    public IReadOnlyList<ConnectorConfigError> ConfigurationErrors { get; private set; } = [];

    public IReadOnlyCollection<ConnectorRuntime> Connectors => _connectors.Values.ToList();

    /// <summary>
    /// Said when the connector file does not exist: a normal state (a host whose connectors all come from the
    /// management API has none), so a warning and a note on <c>/health/ready</c>, not an error. Null when it exists.
    /// </summary>
    public string? ConnectorsFileNote { get; private set; }

    /// <summary>The merchant's connector file, as a full path.</summary>
    public string ConnectorsFilePath => Path.GetFullPath(options.Value.ConnectorsFile, environment.ContentRootPath);

    /// <summary>True when the connector file defines (or tries to define) <paramref name="connectorId"/>.</summary>
    public bool IsDefinedInFile(string connectorId) => _fileIds.Contains(connectorId);

    public bool TryGet(string connectorId, out ConnectorRuntime runtime) => _connectors.TryGetValue(connectorId, out runtime!);

    /// <summary>
    /// The folders each connector other than <paramref name="exceptId"/> works in, for those that run, start or are
    /// paused (a failed, disabled or stopped one holds none).
    /// </summary>
    internal IEnumerable<(string Id, IReadOnlyList<OwnedFolder> Folders)> FoldersInUse(string? exceptId) =>
        _connectors.Values
            .Where(c => c.Id != exceptId && c.State is not (ConnectorState.Failed or ConnectorState.Disabled or ConnectorState.Stopped))
            .OrderBy(c => c.Id, StringComparer.Ordinal)
            .Select(c => (c.Id, FolderClaims.Of(c.Plugin, c.Config.Settings)));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<ConnectorInstanceConfig> configs = [];
        IReadOnlyList<ConnectorConfigError> errors = [];
        if (File.Exists(ConnectorsFilePath))
        {
            (configs, errors) = ConnectorConfigurationFile.Load(ConnectorsFilePath);
        }
        else
        {
            ConnectorsFileNote = $"no connector file at {ConnectorsFilePath}: only connectors of the management API run; create the file or set SevenStamp:ConnectorsFile";
            LogNoConnectorsFile(_logger, ConnectorsFilePath);
        }

        _fileConnectors = configs;
        _fileErrors = errors;
        _fileIds = [.. configs.Select(c => c.Id), .. errors.Where(e => e.ConnectorId is not null).Select(e => e.ConnectorId!)];
        foreach (var error in errors)
        {
            LogConfigurationError(_logger, error.ToString());
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            await ReconcileAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }

        LogStarted(_logger, _connectors.Values.Count(c => c.State == ConnectorState.Running), _connectors.Count);
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
    }

    /// <summary>Reads the stored connectors now and applies every change on this replica; returns once applied.</summary>
    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await ReconcileAsync(_stopping.Token);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken);
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var running = _connectors.Values.Where(c => c.Task is not null).ToList();
            await Task.WhenAll(running.Select(c => StopOneAsync(c, cancellationToken)));
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Dispose();
        foreach (var runtime in _connectors.Values)
        {
            await DisposeTaskAsync(runtime);
        }

        _gate.Dispose();
    }

    /// <summary>
    /// Brings the running connectors in line with the desired ones: the file's, then the stored ones (an id in
    /// both: the file wins, reported). A runtime whose desired revision changed is replaced: the new one is put in
    /// place (pending) before the old one stops, so webhooks meanwhile get 503 rather than 404.
    /// </summary>
    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var stored = await LoadStoredAsync(cancellationToken);
        if (stored is null)
        {
            // The database did not answer: keep what runs; the next poll tries again.
            if (_connectors.IsEmpty)
            {
                await ApplyAsync(FileDesired([]), cancellationToken);
            }

            return;
        }

        var (instances, controls) = stored.Value;
        var desired = FileDesired(controls);
        var conflicts = new List<ConnectorConfigError>();
        foreach (var instance in instances.OrderBy(i => i.Id, StringComparer.Ordinal))
        {
            if (_fileIds.Contains(instance.Id))
            {
                conflicts.Add(new ConnectorConfigError(instance.Id, "id", $"is defined both in {Path.GetFileName(ConnectorsFilePath)} and through the management API; the file's definition runs. Delete one of them."));
                continue;
            }

            desired.Add(ApiDesired(instance));
        }

        foreach (var conflict in conflicts.Where(c => !ConfigurationErrors.Contains(c)))
        {
            LogConfigurationError(_logger, conflict.ToString());
        }

        ConfigurationErrors = [.. _fileErrors, .. conflicts];
        await ApplyAsync(desired, cancellationToken);
    }

    private async Task ApplyAsync(List<DesiredConnector> desired, CancellationToken cancellationToken)
    {
        var wanted = desired.Select(d => d.Config.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _connectors.Keys.Where(id => !wanted.Contains(id)).ToList())
        {
            if (_connectors.TryRemove(gone, out var removed))
            {
                LogRemoved(_logger, gone);
                await RetireAsync(removed, cancellationToken);
            }
        }

        foreach (var next in desired)
        {
            var config = next.Config;
            _connectors.TryGetValue(config.Id, out var current);
            if (current is not null && current.Revision == next.Revision)
            {
                continue;
            }

            catalog.Plugins.TryGetValue(config.PluginId, out var plugin);
            var runtime = new ConnectorRuntime(config, plugin, next.Source, next.Revision);
            if (current is not null)
            {
                runtime.CarryCountersFrom(current);
            }

            _connectors[config.Id] = runtime;
            if (current is not null)
            {
                await RetireAsync(current, cancellationToken);
            }

            if (next.Problems.Count > 0)
            {
                var errors = next.Problems.Select(p => new SettingError(p.Field, p.Message)).ToList();
                Fail(runtime, $"{errors.Count} setting(s) could not be read: " + string.Join("; ", errors), errors);
                continue;
            }

            if (next.Paused)
            {
                runtime.MarkPaused();
                LogPaused(_logger, config.Id);
                continue;
            }

            await StartOneAsync(runtime, cancellationToken);
        }
    }

    private List<DesiredConnector> FileDesired(IReadOnlyList<ConnectorFileControl> controls)
    {
        var byId = controls.ToDictionary(c => c.ConnectorId, StringComparer.Ordinal);
        return [.. _fileConnectors.Select(config => byId.TryGetValue(config.Id, out var control)
            ? new DesiredConnector(config, ConnectorSource.File, control.Paused, "file:" + control.Revision.ToString("N"), [])
            : new DesiredConnector(config, ConnectorSource.File, false, "file", []))];
    }

    private DesiredConnector ApiDesired(ConnectorInstance instance)
    {
        var problems = new List<ConnectorConfigError>();
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
        Dictionary<string, string> stored;
        try
        {
            stored = StoredConnectorSettings.Parse(instance.Settings);
        }
        catch (JsonException)
        {
            stored = [];
            problems.Add(new ConnectorConfigError(instance.Id, "settings", "are stored in a damaged form; replace the connector (PUT /api/connectors/" + instance.Id + ")"));
        }

        foreach (var (name, value) in stored)
        {
            var (resolved, problem) = StoredConnectorSettings.Resolve(instance.Id, name, value, secrets, Environment.GetEnvironmentVariable);
            if (problem is not null)
            {
                problems.Add(new ConnectorConfigError(instance.Id, name, problem));
            }
            else
            {
                settings[name] = resolved;
            }
        }

        if (!Isolation.ConnectorIsolationNames.TryParse(instance.Isolation, out var isolation))
        {
            problems.Add(new ConnectorConfigError(instance.Id, "isolation", $"is '{instance.Isolation}' in the database; it {Isolation.ConnectorIsolationNames.Expected}"));
        }

        string? sourceSystem = null;
        if (instance.SourceSystem is not null && !ConnectorSourceSystem.TryParse(instance.SourceSystem, out sourceSystem))
        {
            problems.Add(new ConnectorConfigError(instance.Id, "sourceSystem", $"is not valid in the database; it {ConnectorSourceSystem.Expected}"));
        }

        var config = new ConnectorInstanceConfig(instance.Id, instance.PluginId, instance.MerchantId, true, settings) { Isolation = isolation, SourceSystem = sourceSystem };
        return new DesiredConnector(config, ConnectorSource.Api, instance.Paused, instance.Revision.ToString("N"), problems);
    }

    private async Task<(List<ConnectorInstance> Instances, List<ConnectorFileControl> Controls)?> LoadStoredAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ConnectorDbContext>();
            var instances = await db.ConnectorInstances.AsNoTracking().ToListAsync(cancellationToken);
            var controls = await db.ConnectorFileControls.AsNoTracking().ToListAsync(cancellationToken);
            if (_storeUnreachable)
            {
                _storeUnreachable = false;
                LogStoreBack(_logger);
            }

            return (instances, controls);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            if (!_storeUnreachable)
            {
                _storeUnreachable = true;
                LogStoreUnreachable(_logger, ex.GetType().Name, ex.Message);
            }

            return null;
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250), timeProvider);
        var lastPoll = timeProvider.GetUtcNow();
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await _gate.WaitAsync(stoppingToken);
                try
                {
                    await RestartFailedAsync(stoppingToken);
                    var now = timeProvider.GetUtcNow();
                    if (now - lastPoll >= options.Value.Connectors.PollInterval)
                    {
                        lastPoll = now;
                        await ReconcileAsync(stoppingToken);
                    }
                }
                finally
                {
                    _gate.Release();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
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

        // A folder another connector already works in (the file's connectors start first, so the later one is refused).
        if (FolderClaims.Conflict(FolderClaims.Of(runtime.Plugin, config.Settings), FoldersInUse(config.Id)) is { } conflict)
        {
            LogSettingError(_logger, config.Id, conflict.Field, conflict.Message);
            runtime.MarkFailed($"setting '{conflict.Field}' {conflict.Message}", [conflict]);
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
            runtime.MarkRunning(timeProvider.GetUtcNow());
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

    /// <summary>
    /// A connector that threw or hung while starting, or whose worker died, is started again later: 5 s, 10 s, 20 s …
    /// at most 5 minutes apart. A failure after a run longer than the longest wait starts the series over; a shorter
    /// run does not, so a worker that dies soon after every start backs off like one that cannot start.
    /// </summary>
    private void ScheduleRestart(ConnectorRuntime runtime)
    {
        if (runtime.TakeRunTime(timeProvider.GetUtcNow()) >= options.Value.ConnectorRestartMaxDelay)
        {
            runtime.RestartAttempts = 0;
        }

        var attempts = ++runtime.RestartAttempts;
        var initial = options.Value.ConnectorRestartDelay;
        var delay = TimeSpan.FromTicks((long)Math.Min(options.Value.ConnectorRestartMaxDelay.Ticks, initial.Ticks * Math.Pow(2, Math.Min(attempts - 1, 20))));
        runtime.NextRestartAt = timeProvider.GetUtcNow() + delay;
        LogRestartScheduled(_logger, runtime.Id, delay.TotalSeconds, attempts);
    }

    private async Task RestartFailedAsync(CancellationToken stoppingToken)
    {
        var now = timeProvider.GetUtcNow();
        foreach (var runtime in _connectors.Values.Where(c => c.State == ConnectorState.Failed && c.NextRestartAt <= now).ToList())
        {
            runtime.NextRestartAt = null;
            LogRestarting(_logger, runtime.Id, runtime.RestartAttempts);
            await StartOneAsync(runtime, stoppingToken);
        }
    }

    /// <summary>
    /// Takes a replaced or removed runtime out of service: no new webhook calls, the ones inside it finish (at most
    /// the webhook timeout), then its task stops.
    /// </summary>
    private async Task RetireAsync(ConnectorRuntime runtime, CancellationToken cancellationToken)
    {
        runtime.Retire();
        var deadline = timeProvider.GetUtcNow() + options.Value.Webhooks.Timeout + TimeSpan.FromSeconds(1);
        while (runtime.InFlight > 0 && timeProvider.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), timeProvider, cancellationToken);
        }

        if (runtime.Task is not null)
        {
            await StopOneAsync(runtime, cancellationToken);
        }
    }

    private async Task StopOneAsync(ConnectorRuntime runtime, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Value.ConnectorStartTimeout);
            await runtime.Task!.StopAsync(timeout.Token).WaitAsync(timeout.Token);
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

    private void Fail(ConnectorRuntime runtime, string reason, IReadOnlyList<SettingError>? errors = null)
    {
        runtime.MarkFailed(reason, errors);
        LogFailed(_logger, runtime.Id, reason);
    }

    [LoggerMessage(EventId = 1114, Level = LogLevel.Warning, Message = "No connector file at {Path}: only connectors created through the management API run. Create the file, or set SevenStamp:ConnectorsFile to where it is")]
    private static partial void LogNoConnectorsFile(ILogger logger, string path);

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

    [LoggerMessage(EventId = 1110, Level = LogLevel.Information, Message = "Connector {ConnectorId} is paused")]
    private static partial void LogPaused(ILogger logger, string connectorId);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Information, Message = "Connector {ConnectorId} was removed and is stopped")]
    private static partial void LogRemoved(ILogger logger, string connectorId);

    [LoggerMessage(EventId = 1112, Level = LogLevel.Warning, Message = "Cannot read the stored connectors ({ExceptionType}: {Problem}); the running ones keep running, retrying")]
    private static partial void LogStoreUnreachable(ILogger logger, string exceptionType, string problem);

    [LoggerMessage(EventId = 1113, Level = LogLevel.Information, Message = "The stored connectors can be read again")]
    private static partial void LogStoreBack(ILogger logger);

    /// <summary>What one connector instance should be: its configuration, where it comes from, paused or not, and the revision of all that.</summary>
    private sealed record DesiredConnector(ConnectorInstanceConfig Config, ConnectorSource Source, bool Paused, string Revision, IReadOnlyList<ConnectorConfigError> Problems);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Warning, Message = "Connector {ConnectorId} did not stop cleanly: {ExceptionType}: {Problem}")]
    private static partial void LogStopFailed(ILogger logger, string connectorId, string exceptionType, string problem);
}
