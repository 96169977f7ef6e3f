using SevenStamp.Connectors.TestKit.Compliance;

namespace SevenStamp.Connectors.Simulator.Tests;

/// <summary>The connector compliance suite on the POS simulator (it receives no webhooks, so the base suite only), selling every 50 ms until stopped.</summary>
public sealed class SimulatorComplianceTests() : ConnectorComplianceTests<SimulatorConnector>(new() { ["interval"] = "50ms", ["seed"] = "7" });
