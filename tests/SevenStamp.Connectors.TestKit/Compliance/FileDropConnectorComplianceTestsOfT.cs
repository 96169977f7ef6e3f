using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.TestKit.Compliance;

/// <summary>
/// The file-drop compliance suite on <typeparamref name="TConnector"/>, created as the host creates it, in one line:
/// <code>
/// public sealed class MyExportComplianceTests() : FileDropConnectorComplianceTests&lt;MyExportConnector&gt;(MyExportSamples.Export);
/// </code>
/// </summary>
/// <typeparam name="TConnector">The connector under test.</typeparam>
/// <param name="sample">The export, the sale it must become and the settings that name its folders.</param>
public abstract class FileDropConnectorComplianceTests<TConnector>(FileDropSample sample) : FileDropConnectorComplianceTests
    where TConnector : IPosConnector, new()
{
    protected override FileDropSample Sample => sample;

    protected override IPosConnector CreateConnector() => new TConnector();
}
