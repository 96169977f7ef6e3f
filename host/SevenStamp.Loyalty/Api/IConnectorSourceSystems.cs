namespace SevenStamp.Loyalty.Api;

/// <summary>
/// The point-of-sale system each connector's sales come from, as the host's running connectors say. The loyalty API
/// asks it when a request names a POS customer by connector id (<c>connectorId</c> + <c>posCustomerId</c>), so the
/// link it writes is the one that connector's sales look up. Implemented by the host, which runs the connectors.
/// </summary>
public interface IConnectorSourceSystems
{
    /// <summary>
    /// The source system configured for the connector, or null when no connector has this id or it names none (its
    /// sales are then keyed by the connector id itself).
    /// </summary>
    string? SourceSystemOf(string connectorId);
}
