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
}
