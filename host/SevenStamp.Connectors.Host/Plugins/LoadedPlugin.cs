using McMaster.NETCore.Plugins;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Host.Plugins;

/// <summary>A plugin that passed every check and whose connector type was created.</summary>
public sealed class LoadedPlugin(ConnectorManifest manifest, string directory, IPosConnector connector, PluginLoader loader) : IDisposable
{
    public ConnectorManifest Manifest { get; } = manifest;

    /// <summary>The plugin's folder, canonical.</summary>
    public string Directory { get; } = directory;

    public IPosConnector Connector { get; } = connector;

    public void Dispose() => loader.Dispose();
}
