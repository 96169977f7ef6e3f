using Microsoft.Extensions.Logging.Abstractions;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.TestKit;

/// <summary>Validates settings the way the host does and creates a connector task over a <see cref="RecordingSink"/>.</summary>
public static class ConnectorHarness
{
    public const string MerchantId = "test-merchant";
    public const string ConnectorId = "test-connector";

    /// <summary>Schema checks, then the connector's own checks: the errors the host would report.</summary>
    public static IReadOnlyList<SettingError> Validate(IPosConnector connector, IReadOnlyDictionary<string, string?> values)
    {
        ArgumentNullException.ThrowIfNull(connector);
        var result = connector.SettingsDefinition.Validate(values);
        return result.IsValid ? [.. connector.Validate(result.Settings!)] : result.Errors;
    }

    public static (IConnectorTask Task, RecordingSink Sink) Create(IPosConnector connector, IReadOnlyDictionary<string, string?> values, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(connector);
        var result = connector.SettingsDefinition.Validate(values);
        if (!result.IsValid)
        {
            throw new ArgumentException("Invalid settings: " + string.Join("; ", result.Errors), nameof(values));
        }

        var errors = connector.Validate(result.Settings!).ToList();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid settings: " + string.Join("; ", errors), nameof(values));
        }

        var sink = new RecordingSink();
        var context = new ConnectorContext(ConnectorId, MerchantId, result.Settings!, sink, NullLogger.Instance, timeProvider ?? TimeProvider.System);
        return (connector.CreateTask(context), sink);
    }
}
