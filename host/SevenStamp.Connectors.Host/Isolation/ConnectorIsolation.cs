namespace SevenStamp.Connectors.Host.Isolation;

/// <summary>Where a connector instance's plugin code runs (<c>"isolation"</c> in the connectors file).</summary>
public enum ConnectorIsolation
{
    /// <summary><c>"in-process"</c>, the default: in the host's process, in the plugin's own load context.</summary>
    InProcess = 0,

    /// <summary><c>"process"</c>: in a child process of its own that the host can kill; a crash there cannot take the host down.</summary>
    Process = 1,
}
