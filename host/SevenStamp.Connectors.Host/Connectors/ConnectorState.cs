namespace SevenStamp.Connectors.Host.Connectors;

public enum ConnectorState
{
    /// <summary>Configured, not started yet.</summary>
    Pending = 0,

    /// <summary>Started and taking events.</summary>
    Running = 1,

    /// <summary>Configured with <c>"enabled": false</c>.</summary>
    Disabled = 2,

    /// <summary>Invalid settings, unknown plugin, or the connector threw while starting; see the reason.</summary>
    Failed = 3,

    /// <summary>Stopped by the host.</summary>
    Stopped = 4,

    /// <summary>Paused through the management API: configured, stopped; its webhooks are answered 503 with Retry-After.</summary>
    Paused = 5,
}

/// <summary>Where a connector instance is defined.</summary>
public enum ConnectorSource
{
    /// <summary>The merchant's connector file: read-only through the management API (pause, resume and restart work).</summary>
    File = 0,

    /// <summary>Created through the management API and stored in the database.</summary>
    Api = 1,
}
