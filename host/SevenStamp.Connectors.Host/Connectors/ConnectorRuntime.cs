using SevenStamp.Connectors.Host.Plugins;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Host.Connectors;

/// <summary>One configured connector instance and what became of it.</summary>
public sealed class ConnectorRuntime(ConnectorInstanceConfig config, LoadedPlugin? plugin)
{
    private long _eventsIn;
    private long _recordsOut;
    private long _signatureFailures;
    private long _lastEventTicks;

    public ConnectorInstanceConfig Config { get; } = config;

    public string Id => Config.Id;

    public LoadedPlugin? Plugin { get; } = plugin;

    public ConnectorState State { get; private set; } = ConnectorState.Pending;

    /// <summary>Why the connector failed, in words for the merchant; null unless <see cref="ConnectorState.Failed"/>.</summary>
    public string? FailureReason { get; private set; }

    /// <summary>Per-field settings errors that kept it from starting.</summary>
    public IReadOnlyList<SettingError> SettingErrors { get; private set; } = [];

    internal IConnectorTask? Task { get; set; }

    public long EventsIn => Interlocked.Read(ref _eventsIn);

    public long RecordsOut => Interlocked.Read(ref _recordsOut);

    public long SignatureFailures => Interlocked.Read(ref _signatureFailures);

    public DateTimeOffset? LastEventAt
    {
        get
        {
            var ticks = Interlocked.Read(ref _lastEventTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    internal void MarkRunning() => (State, FailureReason) = (ConnectorState.Running, null);

    internal void MarkDisabled() => State = ConnectorState.Disabled;

    internal void MarkStopped() => State = ConnectorState.Stopped;

    internal void MarkFailed(string reason, IReadOnlyList<SettingError>? errors = null)
    {
        State = ConnectorState.Failed;
        FailureReason = reason;
        SettingErrors = errors ?? [];
    }

    internal void CountEventIn(DateTimeOffset at)
    {
        Interlocked.Increment(ref _eventsIn);
        Interlocked.Exchange(ref _lastEventTicks, at.UtcTicks);
    }

    internal void CountRecordOut() => Interlocked.Increment(ref _recordsOut);

    internal void CountSignatureFailure() => Interlocked.Increment(ref _signatureFailures);

    private long _failures;

    /// <summary>Calls into the connector that threw.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    internal void CountFailure(DateTimeOffset at)
    {
        Interlocked.Increment(ref _failures);
        LastFailureAt = at;
    }

    /// <summary>When a call into the connector last threw.</summary>
    public DateTimeOffset? LastFailureAt { get; private set; }
}
