namespace SevenStamp.Connectors.Host.Isolation;

/// <summary>Where a connector instance's plugin code runs (<c>"isolation"</c> in the connectors file).</summary>
public enum ConnectorIsolation
{
    /// <summary><c>"in-process"</c>, the default: in the host's process, in the plugin's own load context.</summary>
    InProcess = 0,

    /// <summary><c>"process"</c>: in a child process of its own that the host can kill; a crash there cannot take the host down.</summary>
    Process = 1,
}

/// <summary>The names of <see cref="ConnectorIsolation"/> in the connectors file, the management API and the database.</summary>
public static class ConnectorIsolationNames
{
    public const string InProcess = "in-process";

    public const string Process = "process";

    /// <summary>What a wrong value is told, after the field's name.</summary>
    public const string Expected = "must be \"in-process\" (the default: the connector runs inside the host) or \"process\" (it runs in a worker process of its own that a crash cannot spread from)";

    public static bool TryParse(string? name, out ConnectorIsolation isolation)
    {
        (var known, isolation) = name switch
        {
            InProcess => (true, ConnectorIsolation.InProcess),
            Process => (true, ConnectorIsolation.Process),
            _ => (false, ConnectorIsolation.InProcess),
        };
        return known;
    }

    public static string Name(ConnectorIsolation isolation) => isolation == ConnectorIsolation.Process ? Process : InProcess;
}
