using SevenStamp.Connectors.Host.Connectors;
using SevenStamp.Connectors.Host.Plugins;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Host.Isolation;

/// <summary>
/// The host's stand-in for a connector that runs out of process (<c>"isolation": "process"</c>): same settings
/// definition and validation as the plugin, but its tasks are <see cref="IsolatedConnectorTask"/>s whose plugin code
/// runs in a worker process of its own.
/// </summary>
internal sealed class IsolatedConnector(LoadedPlugin plugin, ConnectorInstanceConfig config, int maxWebhookBodyBytes, Action<string> onDied) : IPosConnector
{
    public ConnectorSettingsDefinition SettingsDefinition => plugin.Connector.SettingsDefinition;

    public IEnumerable<SettingError> Validate(ConnectorSettings settings) => plugin.Connector.Validate(settings);

    public IConnectorTask CreateTask(ConnectorContext context) =>
        new IsolatedConnectorTask(plugin, config, context, FrameLimit(maxWebhookBodyBytes), onDied);

    /// <summary>Room for the largest webhook body the host accepts, base64, plus headers.</summary>
    internal static int FrameLimit(int maxWebhookBodyBytes) =>
        (int)Math.Min(int.MaxValue / 2, Math.Max(4L * 1024 * 1024, (maxWebhookBodyBytes * 4L / 3) + (1024 * 1024)));
}
