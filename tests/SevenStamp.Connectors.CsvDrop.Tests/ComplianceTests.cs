using SevenStamp.Connectors.Sdk;
using SevenStamp.Connectors.TestKit.Compliance;

namespace SevenStamp.Connectors.CsvDrop.Tests;

/// <summary>
/// The connector compliance suite on the CSV drop connector (it receives no webhooks, so the base suite: settings
/// schema, required and ill-typed settings named, validation never throwing, start/stop/dispose with cancellation),
/// over a real temp inbox folder.
/// </summary>
public sealed class CsvDropComplianceTests : ConnectorComplianceTests
{
    private readonly CsvDropHarness _harness = new();

    protected override IPosConnector CreateConnector() => new CsvDropConnector();

    protected override IReadOnlyDictionary<string, string?> ValidSettings() => _harness.Settings();

    protected override ValueTask DisposeAsyncCore()
    {
        _harness.Dispose();
        return ValueTask.CompletedTask;
    }
}
