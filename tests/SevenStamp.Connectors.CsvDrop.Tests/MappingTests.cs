using System.Text;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Connectors.TestKit;

namespace SevenStamp.Connectors.CsvDrop.Tests;

/// <summary>Sample exports of each supported shape, mapped to sales and refunds.</summary>
public sealed class MappingTests : IDisposable
{
    private readonly CsvDropHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Map_OneSalePerRowWithCustomerAndCodes_PublishesEachSale()
    {
        // Arrange: the fields under their own names, two codes in one quoted cell.
        var sink = new RecordingSink();
        var task = _harness.CreateTask(sink);
        _harness.Drop("sales.csv", """
            saleId,occurredAt,total,currency,customerId,email,phone,discountCodes,locationId
            S-1001,2026-11-23T09:30:00+01:00,4.20,eur,C-7,Anna@Example.com ,+49 151 1234 5678,"SUMMER10, VIP",store-1
            S-1002,2026-11-23 10:15:00Z,12.00,EUR,,,,,
            """);

        // Act
        Assert.True(await _harness.ScanUntilIdleAsync(task));

        // Assert
        Assert.Equal(["S-1001", "S-1002"], sink.Sales.Select(s => s.ExternalSaleId));
        var first = sink.Sales[0];
        Assert.Equal((ConnectorHarness.MerchantId, ConnectorHarness.ConnectorId), (first.MerchantId, first.ConnectorId));
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 8, 30, 0, TimeSpan.Zero), first.OccurredAt.ToUniversalTime());
        Assert.Equal((4.20m, "EUR", "store-1"), (first.Total, first.Currency, first.LocationId));
        Assert.Equal("C-7", first.Customer.PosCustomerId);
        Assert.Equal(CustomerHash.Email("anna@example.com"), first.Customer.EmailHash);
        Assert.Equal(CustomerHash.Phone("+4915112345678"), first.Customer.PhoneHash);
        Assert.Equal(["SUMMER10", "VIP"], first.Discounts.Select(d => d.Code));
        Assert.StartsWith("csv:", first.SourceEventId, StringComparison.Ordinal);
        Assert.EndsWith(":2", first.SourceEventId, StringComparison.Ordinal);
        Assert.Same(Contracts.CustomerIdentifiers.None, sink.Sales[1].Customer);
        Assert.Empty(sink.Sales[1].Discounts);
        Assert.Equal(["sales.csv"], _harness.ProcessedFiles());
        Assert.Empty(_harness.InboxFiles());
    }

    [Fact]
    public async Task Map_RenamedColumnsWithOneLineItemPerRow_PublishesTheLineItem()
    {
        // Arrange: a POS export with its own header names, mapped through the columns setting.
        var sink = new RecordingSink();
        var task = _harness.CreateTask(sink, _harness.Settings(
            ("columns", """{"saleId": "Receipt No", "occurredAt": "Date", "total": "Gross", "customerId": "Customer", "sku": "Article", "itemName": "Description", "quantity": "Qty", "unitPrice": "Price", "category": "Group"}"""),
            ("currency", "EUR")));
        _harness.Drop("export.csv", """
            Receipt No,Date,Customer,Article,Description,Group,Qty,Price,Gross
            R-1,2026-11-23 08:00,C-1,ESP-01,Espresso,Coffee,2,2.10,4.20
            R-2,2026-11-23 08:05,C-2,,Croissant,,,,1.80
            """);

        // Act
        Assert.True(await _harness.ScanUntilIdleAsync(task));

        // Assert
        Assert.Equal(2, sink.Sales.Count);
        var line = Assert.Single(sink.Sales[0].LineItems);
        Assert.Equal(("ESP-01", "Espresso", "Coffee", 2m, 2.10m), (line.Sku, line.Name, line.Category, line.Quantity, line.UnitPrice));
        Assert.Equal(("EUR", 4.20m), (sink.Sales[0].Currency, sink.Sales[0].Total));
        var second = Assert.Single(sink.Sales[1].LineItems);
        Assert.Equal(("Croissant", 1m, 1.80m), (second.Name, second.Quantity, second.UnitPrice));
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero), sink.Sales[0].OccurredAt);
    }

    [Fact]
    public async Task Map_EuropeanExportWithSemicolonsDecimalCommaAndLocalTime_ReadsAmountsAndZone()
    {
        // Arrange: ; delimiter, 1.234,50 amounts, dd.MM.yyyy HH:mm local Berlin time (winter: UTC+1).
        var sink = new RecordingSink();
        var task = _harness.CreateTask(sink, _harness.Settings(
            ("delimiter", ";"), ("decimalSeparator", ","), ("thousandsSeparator", "."), ("dateFormat", "dd.MM.yyyy HH:mm"), ("timeZone", "Europe/Berlin"),
            ("columns", """{"saleId": "Beleg", "occurredAt": "Datum", "total": "Summe", "currency": "Währung"}""")));
        _harness.Drop("kasse.csv", "Beleg;Datum;Summe;Währung\r\nB-1;23.11.2026 09:30;1.234,50;EUR\r\nB-2;01.07.2026 12:00;-0,00;EUR\r\nB-3;23.11.2026 10:00;4,2;EUR\r\n");

        // Act
        Assert.True(await _harness.ScanUntilIdleAsync(task));

        // Assert
        Assert.Equal([1234.50m, 0m, 4.2m], sink.Sales.Select(s => s.Total));
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 8, 30, 0, TimeSpan.Zero), sink.Sales[0].OccurredAt.ToUniversalTime());
        Assert.Equal(TimeSpan.FromHours(2), sink.Sales[1].OccurredAt.Offset);
    }

    [Fact]
    public async Task Map_FileWithoutHeaderMappedByColumnNumber_PublishesSales()
    {
        // Arrange
        var sink = new RecordingSink();
        var task = _harness.CreateTask(sink, _harness.Settings(
            ("hasHeader", "false"), ("currency", "GBP"), ("columns", """{"saleId": 2, "occurredAt": "1", "total": 3}""")));
        _harness.Drop("noheader.csv", "2026-11-23T09:00:00Z,T-9,3.50\n2026-11-23T09:05:00Z,T-10,1.00\n");

        // Act
        Assert.True(await _harness.ScanUntilIdleAsync(task));

        // Assert
        Assert.Equal([("T-9", 3.50m, "GBP"), ("T-10", 1.00m, "GBP")], sink.Sales.Select(s => (s.ExternalSaleId, s.Total, s.Currency)));
        Assert.EndsWith(":1", sink.Sales[0].SourceEventId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Map_TabDelimitedWithAutoDetection_PublishesSales()
    {
        // Arrange
        var sink = new RecordingSink();
        var task = _harness.CreateTask(sink, _harness.Settings(("delimiter", "auto"), ("filePattern", "*.tsv")));
        _harness.Drop("sales.tsv", "saleId\toccurredAt\ttotal\tcurrency\nA-1\t2026-11-23\t9.99\tUSD\n");
        _harness.Drop("ignored.csv", "saleId,occurredAt,total,currency\nX-1,2026-11-23,1,USD\n");

        // Act
        Assert.True(await _harness.ScanUntilIdleAsync(task, "*.tsv"));

        // Assert: only the pattern's files are read; a date alone is midnight UTC.
        var sale = Assert.Single(sink.Sales);
        Assert.Equal(("A-1", 9.99m, new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero)), (sale.ExternalSaleId, sale.Total, sale.OccurredAt));
        Assert.Equal(["ignored.csv"], _harness.InboxFiles());
    }

    [Fact]
    public async Task Map_RefundRows_PublishRefundsOfTheNamedSale()
    {
        // Arrange
        var sink = new RecordingSink();
        var task = _harness.CreateTask(sink, _harness.Settings(
            ("columns", """{"type": "Kind", "refundOf": "Original", "fullRefund": "Full"}"""), ("refundTypes", "refund,Return")));
        _harness.Drop("day.csv", """
            saleId,occurredAt,total,currency,Kind,Original,Full
            S-1,2026-11-23T09:00:00Z,10.00,EUR,sale,,
            S-2,2026-11-23T09:10:00Z,5.00,EUR,,,
            R-1,2026-11-23T11:00:00Z,-10.00,EUR,RETURN,S-1,yes
            R-2,2026-11-23T11:30:00Z,2.50,EUR,refund,S-2,
            R-3,2026-11-23T11:40:00Z,2.50,EUR,refund,,
            V-1,2026-11-23T11:50:00Z,2.50,EUR,void,,
            """);

        // Act
        Assert.True(await _harness.ScanUntilIdleAsync(task));

        // Assert
        Assert.Equal(["S-1", "S-2"], sink.Sales.Select(s => s.ExternalSaleId));
        Assert.Equal([("R-1", "S-1", 10.00m, true), ("R-2", "S-2", 2.50m, false)], sink.Refunds.Select(r => (r.ExternalRefundId, r.ExternalSaleId, r.Amount, r.IsFullRefund)));
        var report = await File.ReadAllTextAsync(Path.Combine(_harness.Processed, "day.csv.errors.csv"));
        Assert.Contains("\"day.csv\",\"6\",\"refundOf\"", report, StringComparison.Ordinal);
        Assert.Contains("\"day.csv\",\"7\",\"type\"", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Map_Windows1252File_DecodesAccentsAndTheSameBytesAsUtf8AreQuarantined()
    {
        // Arrange: "Café crème" and "Müller" in windows-1252 bytes.
        var text = "saleId,occurredAt,total,currency,itemName,customerId\nS-1,2026-11-23T09:00:00Z,3.10,EUR,Café crème,Müller\n";
        var bytes = Encoding.Latin1.GetBytes(text);
        var sink = new RecordingSink();
        var ansi = _harness.CreateTask(sink, _harness.Settings(("encoding", "windows-1252")));
        _harness.Drop("ansi.csv", bytes);

        // Act
        Assert.True(await _harness.ScanUntilIdleAsync(ansi));

        // Assert
        var sale = Assert.Single(sink.Sales);
        Assert.Equal(("Café crème", "Müller"), (sale.LineItems[0].Name, sale.Customer.PosCustomerId));

        // The same bytes read as UTF-8 (the default) are refused whole, with the fix in the reason.
        using var other = new CsvDropHarness();
        var utf8Sink = new RecordingSink();
        var utf8 = other.CreateTask(utf8Sink, other.Settings());
        other.Drop("ansi.csv", bytes);
        Assert.True(await other.ScanUntilIdleAsync(utf8));
        Assert.Empty(utf8Sink.Records);
        Assert.Equal(["ansi.csv", "ansi.csv.reason.txt"], other.QuarantinedFiles());
        Assert.Contains("windows-1252", await File.ReadAllTextAsync(Path.Combine(other.Quarantine, "ansi.csv.reason.txt")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Map_BomQuotedNewlinesAndMixedLineEndings_ReadsEveryRowWithItsLine()
    {
        // Arrange: a UTF-8 BOM, a quoted newline in a name, CRLF and LF mixed, a bad row after the multi-line one.
        var sink = new RecordingSink();
        var task = _harness.CreateTask(sink);
        var content = "saleId,occurredAt,total,currency,itemName\r\n"
            + "S-1,2026-11-23T09:00:00Z,1.00,EUR,\"Latte\r\nlarge, \"\"oat\"\"\"\n"
            + "S-2,2026-11-23T09:01:00Z,2.00,EUR,Tea\r\n"
            + "S-3,2026-11-23T09:02:00Z,oops,EUR,Cake\n"
            + "S-4,2026-11-23T09:03:00Z,4.00,EUR,Water";
        _harness.Drop("bom.csv", [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(content)]);

        // Act
        Assert.True(await _harness.ScanUntilIdleAsync(task));

        // Assert: the BOM is not part of the first header; the quoted newline is read as part of the value (one space
        // in the item's name, as the SDK's rule for display text has it) and counts as a line.
        Assert.Equal(["S-1", "S-2", "S-4"], sink.Sales.Select(s => s.ExternalSaleId));
        Assert.Equal("Latte large, \"oat\"", sink.Sales[0].LineItems[0].Name);
        Assert.Equal([":2", ":4", ":6"], sink.Sales.Select(s => s.SourceEventId![s.SourceEventId!.LastIndexOf(':')..]));
        var report = await File.ReadAllLinesAsync(Path.Combine(_harness.Processed, "bom.csv.errors.csv"));
        Assert.StartsWith("\"bom.csv\",\"5\",\"total\",\"total\",\"is not a number", report[1], StringComparison.Ordinal);
    }
}
