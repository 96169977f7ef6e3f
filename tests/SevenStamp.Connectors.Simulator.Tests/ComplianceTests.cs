using SevenStamp.Connectors.Sdk;
using SevenStamp.Connectors.TestKit.Compliance;

namespace SevenStamp.Connectors.Simulator.Tests;

/// <summary>The connector compliance suite on the POS simulator (it receives no webhooks, so the base suite only).</summary>
public sealed class SimulatorComplianceTests : ConnectorComplianceTests
{
    protected override IPosConnector CreateConnector() => new SimulatorConnector();

    protected override IReadOnlyDictionary<string, string?> ValidSettings() => new Dictionary<string, string?> { ["interval"] = "50ms", ["maxSales"] = "3", ["seed"] = "7" };
}
