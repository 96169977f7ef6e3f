namespace SevenStamp.Connectors.Sdk;

/// <summary>
/// The entry point of a connector plugin: one public class with a parameterless constructor per plugin.
/// It declares its settings, checks them, and creates one task per configured connector instance.
/// The host owns threads, retries and publishing; the connector only turns POS events into contract records.
/// </summary>
public interface IPosConnector
{
    /// <summary>The settings a merchant fills in to enable this connector.</summary>
    ConnectorSettingsDefinition SettingsDefinition { get; }

    /// <summary>
    /// Checks settings that already passed the schema (types, required fields) for rules across fields or
    /// against the outside world's formats. Return one error per field at fault; an empty sequence means valid.
    /// </summary>
    IEnumerable<SettingError> Validate(ConnectorSettings settings);

    /// <summary>Creates the running part of one connector instance. Called only with valid settings.</summary>
    IConnectorTask CreateTask(ConnectorContext context);
}
