using System.Security.Cryptography;
using System.Text;
using SevenStamp.Connectors.TestKit;
using SevenStamp.Connectors.TestKit.Compliance;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.CsvDrop.Tests;

/// <summary>
/// The file-drop compliance suite on the CSV drop connector, over a real temp inbox folder: the base checks
/// (settings schema, required and ill-typed settings named, validation never throwing, start/stop/dispose with
/// cancellation, no secret logged) and the file-drop ones (a sample export mapped, the same export twice published
/// once, unreadable and oversized exports quarantined with nothing published).
/// </summary>
public sealed class CsvDropComplianceTests() : FileDropConnectorComplianceTests<CsvDropConnector>(CsvDropSample.Export);

/// <summary>A till export of one sale, the sale it becomes, and exports the connector cannot read.</summary>
internal static class CsvDropSample
{
    private static readonly byte[] Content = Encoding.UTF8.GetBytes(
        "saleId,occurredAt,total,currency,customerId,sku,itemName,quantity,unitPrice\n" +
        "S-9001,2026-11-23T09:30:00Z,5.60,EUR,C-42,ESP-01,Espresso,2,2.80\n");

    public static FileDropSample Export => new()
    {
        FileName = "till-export.csv",
        Content = Content,
        ExpectedSale = new SaleCompleted
        {
            MerchantId = ConnectorHarness.MerchantId,
            ConnectorId = ConnectorHarness.ConnectorId,
            ExternalSaleId = "S-9001",
            SourceEventId = CsvFilePublisher.RowKey(Convert.ToHexStringLower(SHA256.HashData(Content)), 2),
            OccurredAt = new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero),
            Customer = new CustomerIdentifiers { PosCustomerId = "C-42" },
            Currency = "EUR",
            Total = 5.60m,
            LineItems = [new SaleLineItem { Sku = "ESP-01", Name = "Espresso", Quantity = 2, UnitPrice = 2.80m }],
            Discounts = [],
        },
        FileSizeLimitSetting = "maxFileMegabytes",
        FileSizeLimitValue = "1",
        FileSizeLimitBytes = 1024 * 1024,
        Settings = new Dictionary<string, string?> { ["pollInterval"] = "100ms", ["quietPeriod"] = "50ms" },
        MoreMalformedFiles =
        [
            ("not valid UTF-8", [0x73, 0x61, 0x6C, 0x65, 0x49, 0x64, 0x0A, 0xC3, 0x28, 0xFF, 0x0A]),
            ("a header without the mapped columns", Encoding.UTF8.GetBytes("Receipt,When,Amount\nR-1,2026-11-23,1.00\n")),
        ],
    };
}
