namespace SevenStamp.Connectors.Host.Connectors;

/// <summary>One connector instance as the merchant configured it.</summary>
/// <param name="Id">The instance id, used in the webhook URL <c>/webhooks/{id}</c>.</param>
/// <param name="PluginId">Which plugin runs it.</param>
/// <param name="MerchantId">The merchant whose cards its sales stamp.</param>
/// <param name="Enabled">False keeps the instance configured but stopped.</param>
/// <param name="Settings">Raw setting values, environment references resolved.</param>
public sealed record ConnectorInstanceConfig(string Id, string PluginId, string MerchantId, bool Enabled, IReadOnlyDictionary<string, string?> Settings)
{
    /// <summary>Where its plugin code runs: in the host's process (default) or in a worker process of its own.</summary>
    public Isolation.ConnectorIsolation Isolation { get; init; }

    /// <summary>
    /// The point-of-sale system its sales come from, as the merchant named it; null lets the plugin say, else the
    /// connector id applies. Stamps are keyed on it with the sale id (see <see cref="ConnectorSourceSystem"/>).
    /// </summary>
    public string? SourceSystem { get; init; }
}
