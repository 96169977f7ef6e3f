using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.CsvDrop.Tests;

/// <summary>The plugin as operators run it: loaded from disk by the real host, its rows turned into stamps.</summary>
public sealed class HostTests : IDisposable
{
    private readonly DirectoryInfo _inbox = Directory.CreateTempSubdirectory("sevenstamp-csv-host-");

    public void Dispose() => _inbox.Delete(recursive: true);

    [Fact]
    public async Task Host_CsvDropLoadedFromDisk_TurnsADroppedFileIntoStampsOnce()
    {
        // Arrange: the bundled plugin folder beside the tests, a connectors file naming csv-drop.
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "plugins", "SevenStamp.Connectors.CsvDrop", "SevenStamp.Connectors.CsvDrop.dll")));
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "plugins", "SevenStamp.Connectors.CsvDrop", "Sylvan.Data.Csv.dll")));
        var connectors = JsonSerializer.Serialize(new
        {
            connectors = new[]
            {
                new
                {
                    id = "till-export",
                    plugin = "csv-drop",
                    merchantId = "cafe-1",
                    settings = new Dictionary<string, object>
                    {
                        ["folder"] = _inbox.FullName,
                        ["delimiter"] = ";",
                        ["decimalSeparator"] = ",",
                        ["currency"] = "EUR",
                        ["pollInterval"] = "200ms",
                        ["quietPeriod"] = "100ms",
                        ["columns"] = new { saleId = "Beleg", occurredAt = "Datum", total = "Summe", customerId = "Kunde" },
                    },
                },
            },
        });
        var logs = new CapturingLoggerProvider();
        await using var host = await RunningHost.StartAsync(connectors, new Dictionary<string, string?> { ["SevenStamp:Bus:Transport"] = "InMemory" }, logs: logs);
        const string export = "Beleg;Datum;Summe;Kunde\nH-1;2026-11-23T09:00:00Z;4,20;cust-h\nH-2;2026-11-23T09:05:00Z;3,10;cust-h\n";

        // Act: the file is written as .part and renamed into place, as the README tells POS scripts to.
        var part = Path.Combine(_inbox.FullName, "till.csv.part");
        await File.WriteAllTextAsync(part, export);
        File.Move(part, Path.Combine(_inbox.FullName, "till.csv"));

        // Assert: both rows became stamps through the bus and the loyalty engine; the file is in processed/.
        Assert.True(await Eventually.HoldsAsync(async () => await host.StampsOfAsync("till-export", "cust-h") == 2, TimeSpan.FromSeconds(60)), "The dropped rows did not become stamps.");
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(File.Exists(Path.Combine(_inbox.FullName, "processed", "till.csv"))), TimeSpan.FromSeconds(30)));

        // The same export dropped again under another name: the host's durable store knows its content.
        var again = Path.Combine(_inbox.FullName, "till-again.csv.part");
        await File.WriteAllTextAsync(again, export);
        File.Move(again, Path.Combine(_inbox.FullName, "till-again.csv"));
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(File.Exists(Path.Combine(_inbox.FullName, "processed", "till-again.csv"))), TimeSpan.FromSeconds(60)));
        Assert.Equal(1, await host.DeliveriesOfAsync("till-export", "H-1"));
        Assert.Equal(2, await host.QueryAsync(db => db.StampAwards.CountAsync(a => a.ConnectorId == "till-export")));

        // The plugin, in its own load context, reached the C library for its file checks (links, writers).
        Assert.Contains(logs.Lines, line => line.Contains("CSV drop till-export: till.csv processed", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, line => line.Contains("statx", StringComparison.Ordinal));
    }
}
