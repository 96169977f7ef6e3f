namespace SevenStamp.Connectors.Host.Plugins;

/// <summary>A plugin failed a check before or while loading; the message says which and how to fix it.</summary>
public sealed class PluginRefusedException : Exception
{
    public PluginRefusedException()
    {
    }

    public PluginRefusedException(string message)
        : base(message)
    {
    }

    public PluginRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public PluginRefusedException(string? pluginId, string problem)
        : base(problem)
    {
        PluginId = pluginId;
    }

    public string? PluginId { get; }
}
