using SevenStamp.Connectors.Host.Plugins;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Host.Connectors;

/// <summary>One configured connector instance and what became of it.</summary>
public sealed class ConnectorRuntime(ConnectorInstanceConfig config, LoadedPlugin? plugin, ConnectorSource source = ConnectorSource.File, string revision = "")
{
    private long _eventsIn;
    private long _recordsOut;
    private long _signatureFailures;
    private long _ignored;
    private long _invalid;
    private long _lastEventTicks;

    public ConnectorInstanceConfig Config { get; } = config;

    public string Id => Config.Id;

    public LoadedPlugin? Plugin { get; } = plugin;

    /// <summary>Where the instance is defined.</summary>
    public ConnectorSource Source { get; } = source;

    /// <summary>The revision of the desired state (settings, paused, restart requests) this runtime was made for.</summary>
    internal string Revision { get; } = revision;

    /// <summary>When the connector last started successfully.</summary>
    public DateTimeOffset? StartedAt { get; private set; }

    public ConnectorState State { get; private set; } = ConnectorState.Pending;

    /// <summary>Why the connector failed, in words for the merchant; null unless <see cref="ConnectorState.Failed"/>.</summary>
    public string? FailureReason { get; private set; }

    /// <summary>Per-field settings errors that kept it from starting.</summary>
    public IReadOnlyList<SettingError> SettingErrors { get; private set; } = [];

    internal IConnectorTask? Task { get; set; }

    public long EventsIn => Interlocked.Read(ref _eventsIn);

    public long RecordsOut => Interlocked.Read(ref _recordsOut);

    public long SignatureFailures => Interlocked.Read(ref _signatureFailures);

    /// <summary>Authentic events the connector acknowledged and did not act on (a test order, an unpaid order, not a sale).</summary>
    public long Ignored => Interlocked.Read(ref _ignored);

    /// <summary>Authentic events refused as malformed (400); they never count toward the circuit.</summary>
    public long Invalid => Interlocked.Read(ref _invalid);

    public DateTimeOffset? LastEventAt
    {
        get
        {
            var ticks = Interlocked.Read(ref _lastEventTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>
    /// Running from now. The restart count is kept: a connector that starts and then dies soon after (an isolated
    /// worker crashing on every webhook) keeps backing off; <see cref="TakeRunTime"/> tells when it ran long enough to
    /// start over.
    /// </summary>
    internal void MarkRunning(DateTimeOffset at)
    {
        StartedAt = at;
        _runningSince = at;
        (State, FailureReason, NextRestartAt) = (ConnectorState.Running, null, null);
        Interlocked.Exchange(ref _circuitOpenUntilTicks, 0);
        Interlocked.Exchange(ref _consecutiveFailures, 0);
        Interlocked.Exchange(ref _openings, 0);
    }

    internal void MarkDisabled() => State = ConnectorState.Disabled;

    internal void MarkStopped() => State = ConnectorState.Stopped;

    internal void MarkPaused() => State = ConnectorState.Paused;

    private int _inFlight;
    private int _retiring;

    /// <summary>Webhook calls currently inside this runtime.</summary>
    internal int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>True once a newer runtime replaced this one (or it was removed): it takes no new calls.</summary>
    internal bool IsRetiring => Volatile.Read(ref _retiring) != 0;

    /// <summary>A webhook call begins; check <see cref="IsRetiring"/> after this, so a retiring runtime either sees the call or the call sees it retiring.</summary>
    internal void EnterCall() => Interlocked.Increment(ref _inFlight);

    internal void ExitCall() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Takes no new calls from now on; the supervisor then waits for <see cref="InFlight"/> to drain before stopping it.</summary>
    internal void Retire() => Interlocked.Exchange(ref _retiring, 1);

    /// <summary>Keeps the counters of the runtime this one replaces (same id), so a pause, restart or replace does not reset them.</summary>
    internal void CarryCountersFrom(ConnectorRuntime previous)
    {
        Interlocked.Exchange(ref _eventsIn, previous.EventsIn);
        Interlocked.Exchange(ref _recordsOut, previous.RecordsOut);
        Interlocked.Exchange(ref _signatureFailures, previous.SignatureFailures);
        Interlocked.Exchange(ref _ignored, previous.Ignored);
        Interlocked.Exchange(ref _invalid, previous.Invalid);
        Interlocked.Exchange(ref _failures, previous.Failures);
        Interlocked.Exchange(ref _lastEventTicks, Interlocked.Read(ref previous._lastEventTicks));
        LastFailureAt = previous.LastFailureAt;
        StartedAt = previous.StartedAt;
    }

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

    internal void CountIgnored() => Interlocked.Increment(ref _ignored);

    internal void CountInvalid() => Interlocked.Increment(ref _invalid);

    private long _failures;

    /// <summary>Calls into the connector that threw.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    private int _consecutiveFailures;
    private int _openings;
    private long _circuitOpenUntilTicks;

    /// <summary>How long the circuit stays open the first time; each failed first call after it doubles the time.</summary>
    internal static readonly TimeSpan FirstOpening = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A call into the connector threw or timed out. <paramref name="threshold"/> failures in a row open the circuit,
    /// first for <see cref="FirstOpening"/>. Once that time is up the circuit is half-open: calls go through, and the
    /// first one that fails opens it again for twice as long, up to <paramref name="openFor"/>; a success closes it.
    /// So a connector whose database came back gets calls within seconds, and one that stays broken is called less
    /// and less often. Calls that were already running when the circuit opened do not lengthen it.
    /// </summary>
    internal void CountFailure(DateTimeOffset at, int threshold = int.MaxValue, TimeSpan openFor = default)
    {
        Interlocked.Increment(ref _failures);
        LastFailureAt = at;
        if (CircuitOpenUntil(at) is not null)
        {
            return;
        }

        if (Volatile.Read(ref _openings) > 0 || Interlocked.Increment(ref _consecutiveFailures) >= threshold)
        {
            var opening = Interlocked.Increment(ref _openings);
            Interlocked.Exchange(ref _circuitOpenUntilTicks, (at + OpeningLength(opening, openFor)).UtcTicks);
            Interlocked.Exchange(ref _consecutiveFailures, 0);
        }
    }

    /// <summary>How long the circuit stays open at its <paramref name="opening"/>th opening in a row: doubling from <see cref="FirstOpening"/> up to <paramref name="longest"/>.</summary>
    internal static TimeSpan OpeningLength(int opening, TimeSpan longest)
    {
        var length = FirstOpening * Math.Pow(2, Math.Clamp(opening - 1, 0, 20));
        return length < longest ? length : longest;
    }

    /// <summary>A call into the connector succeeded: the failure streak ends and the circuit is closed.</summary>
    internal void CountSuccess()
    {
        Interlocked.Exchange(ref _consecutiveFailures, 0);
        Interlocked.Exchange(ref _openings, 0);
    }

    /// <summary>When the open circuit lets calls through again, or null while it is closed.</summary>
    public DateTimeOffset? CircuitOpenUntil(DateTimeOffset now)
    {
        var until = Interlocked.Read(ref _circuitOpenUntilTicks);
        return until > now.UtcTicks ? new DateTimeOffset(until, TimeSpan.Zero) : null;
    }

    /// <summary>Restarts in the current run of failures: not reset by a start, only by a run that lasted (see the supervisor).</summary>
    public int RestartAttempts { get; internal set; }

    private DateTimeOffset? _runningSince;

    /// <summary>
    /// How long the connector had been running when it failed, once: null when it failed while starting, or when the
    /// run was already accounted for.
    /// </summary>
    internal TimeSpan? TakeRunTime(DateTimeOffset now)
    {
        var since = _runningSince;
        _runningSince = null;
        return since is { } at ? now - at : null;
    }

    /// <summary>When the supervisor will try to start a failed connector again; null when it will not.</summary>
    public DateTimeOffset? NextRestartAt { get; internal set; }

    /// <summary>When a call into the connector last threw.</summary>
    public DateTimeOffset? LastFailureAt { get; private set; }
}
