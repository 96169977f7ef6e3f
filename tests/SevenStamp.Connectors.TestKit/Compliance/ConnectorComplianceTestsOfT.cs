using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.TestKit.Compliance;

/// <summary>
/// The compliance suite on <typeparamref name="TConnector"/>, created as the host creates it (parameterless
/// constructor), with settings derived from its schema plus <paramref name="settings"/>:
/// <code>public sealed class SimulatorComplianceTests() : ConnectorComplianceTests&lt;SimulatorConnector&gt;(new() { ["interval"] = "50ms" });</code>
/// </summary>
/// <typeparam name="TConnector">The connector under test.</typeparam>
/// <param name="settings">Settings a merchant would have to choose, given on top of the generated ones.</param>
public abstract class ConnectorComplianceTests<TConnector>(Dictionary<string, string?>? settings = null) : ConnectorComplianceTests
    where TConnector : IPosConnector, new()
{
    protected override IPosConnector CreateConnector() => new TConnector();

    protected override IReadOnlyDictionary<string, string?> GivenSettings => settings ?? new Dictionary<string, string?>();
}
