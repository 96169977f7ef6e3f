using Microsoft.Extensions.Logging.Abstractions;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.TestKit;

/// <summary>Validates settings the way the host does and creates a connector task over a <see cref="RecordingSink"/>.</summary>
public static class ConnectorHarness
{
    public const string MerchantId = "test-merchant";
    public const string ConnectorId = "test-connector";

    /// <summary>The errors the host would report for these settings.</summary>
    public static IReadOnlyList<SettingError> Validate(IPosConnector connector, IReadOnlyDictionary<string, string?> values) =>
        ConnectorValidation.Validate(connector, values).Errors;

    public static (IConnectorTask Task, RecordingSink Sink) Create(IPosConnector connector, IReadOnlyDictionary<string, string?> values, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(connector);
        var result = ConnectorValidation.Validate(connector, values);
        if (!result.IsValid)
        {
            throw new ArgumentException("Invalid settings: " + string.Join("; ", result.Errors), nameof(values));
        }

        var sink = new RecordingSink();
        var context = new ConnectorContext(ConnectorId, MerchantId, result.Settings!, sink, NullLogger.Instance, timeProvider ?? TimeProvider.System);
        return (connector.CreateTask(context), sink);
    }
}
