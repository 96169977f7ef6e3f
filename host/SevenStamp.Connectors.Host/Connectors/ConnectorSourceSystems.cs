using SevenStamp.Loyalty.Api;

namespace SevenStamp.Connectors.Host.Connectors;

/// <summary>The loyalty API's view of the running connectors: the point-of-sale system each one's sales come from.</summary>
internal sealed class ConnectorSourceSystems(ConnectorSupervisor supervisor) : IConnectorSourceSystems
{
    public string? SourceSystemOf(string connectorId) => supervisor.TryGet(connectorId, out var runtime) ? runtime.Config.SourceSystem : null;
}
