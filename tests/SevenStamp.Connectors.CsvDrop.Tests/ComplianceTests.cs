using System.Security.Cryptography;
using System.Text;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Connectors.TestKit;
using SevenStamp.Connectors.TestKit.Compliance;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.CsvDrop.Tests;

/// <summary>
/// The file-drop compliance suite on the CSV drop connector, over a real temp inbox folder: the base checks
/// (settings schema, required and ill-typed settings named, validation never throwing, start/stop/dispose with
/// cancellation) and the file-drop ones (a sample export mapped, the same export twice published once, unreadable
/// and oversized exports quarantined with nothing published).
/// </summary>
public sealed class CsvDropComplianceTests : FileDropConnectorComplianceTests
{
    private static readonly byte[] Sample = Encoding.UTF8.GetBytes(
        "saleId,occurredAt,total,currency,customerId,sku,itemName,quantity,unitPrice\n" +
        "S-9001,2026-11-23T09:30:00Z,5.60,EUR,C-42,ESP-01,Espresso,2,2.80\n");

    private readonly CsvDropHarness _harness = new();

    protected override IPosConnector CreateConnector() => new CsvDropConnector();

    protected override IReadOnlyDictionary<string, string?> ValidSettings() => _harness.Settings();

    protected override string SampleFileName => "till-export.csv";

    protected override byte[] SampleFile => Sample;

    protected override SaleCompleted ExpectedSale => new()
    {
        MerchantId = ConnectorHarness.MerchantId,
        ConnectorId = ConnectorHarness.ConnectorId,
        ExternalSaleId = "S-9001",
        SourceEventId = CsvFilePublisher.RowKey(Convert.ToHexStringLower(SHA256.HashData(Sample)), 2),
        OccurredAt = new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero),
        Customer = new CustomerIdentifiers { PosCustomerId = "C-42" },
        Currency = "EUR",
        Total = 5.60m,
        LineItems = [new SaleLineItem { Sku = "ESP-01", Name = "Espresso", Quantity = 2, UnitPrice = 2.80m }],
        Discounts = [],
    };

    protected override long FileSizeLimitBytes => 1024 * 1024;

    protected override IReadOnlyDictionary<string, string?> SettingsWithFileSizeLimit() => _harness.Settings(("maxFileMegabytes", "1"));

    protected override void Drop(string name, byte[] content) => _harness.Drop(name, content);

    protected override async Task ScanAsync(ConnectorUnderTest connector) =>
        Assert.True(await _harness.ScanUntilIdleAsync((CsvDropTask)connector.Task), "The inbox did not empty.");

    protected override IReadOnlyCollection<string> QuarantinedFiles() => _harness.QuarantinedFiles();

    protected override IEnumerable<(string Name, byte[] Content)> MalformedFiles() =>
        base.MalformedFiles().Concat(
        [
            ("not valid UTF-8", [0x73, 0x61, 0x6C, 0x65, 0x49, 0x64, 0x0A, 0xC3, 0x28, 0xFF, 0x0A]),
            ("a header without the mapped columns", Encoding.UTF8.GetBytes("Receipt,When,Amount\nR-1,2026-11-23,1.00\n")),
        ]);

    protected override ValueTask DisposeAsyncCore()
    {
        _harness.Dispose();
        return ValueTask.CompletedTask;
    }
}
