using System.Text;
using SevenStamp.Connectors.TestKit;

namespace SevenStamp.Connectors.CsvDrop.Tests;

/// <summary>Files whose writer is not done when they look quiet: no row may be lost, none published twice.</summary>
public sealed class GrowingFileTests : IDisposable
{
    private const string Header = "saleId,occurredAt,total,currency\n";
    private readonly CsvDropHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Scan_WriterWithoutLockPausesLongerThanTheQuietPeriod_EveryRowPublishedOnce()
    {
        // Arrange: a writer that takes no advisory lock (as Python, Java or a shell script writes) keeps the file
        // open, writes one row and pauses.
        var sink = new RecordingSink();
        var task = _harness.CreateTask(sink);
        var path = Path.Combine(_harness.Inbox, "paused.csv");
        var writer = UnixTestFiles.CreateUnlockedWriter(path);
        await writer.WriteAsync(Encoding.UTF8.GetBytes(Header + "P-1,2026-11-23T09:00:00Z,1.00,EUR\n"));
        await writer.FlushAsync();

        // Act: scans well past the quiet period (50 ms) while the writer pauses; then it writes a second row and closes.
        for (var i = 0; i < 4; i++)
        {
            await task.ScanOnceAsync(CancellationToken.None);
            await Task.Delay(80);
        }

        await writer.WriteAsync(Encoding.UTF8.GetBytes("P-2,2026-11-23T09:01:00Z,2.00,EUR\n"));
        await writer.DisposeAsync();
        Assert.True(await _harness.ScanUntilIdleAsync(task));

        // Assert: both rows, each once; the file in processed/ holds nothing that was not published.
        Assert.Equal(["P-1", "P-2"], sink.Sales.Select(s => s.ExternalSaleId));
        Assert.Equal(["paused.csv"], _harness.ProcessedFiles());
    }

    [Fact]
    public async Task Scan_FileGrowsWhileItIsBeingRead_AppendedRowsPublishedOnceAndACutRowWhole()
    {
        // Arrange: a writer no check can see (another machine, a network share) appends after the claim. The file
        // ends without a line break, so reading it reaches its end; while its row is published the writer adds a
        // row and the start of another, cut in the middle of its total; while the second is published, the rest.
        var sink = new CallbackSink();
        var task = _harness.CreateTask(sink);
        var claimed = Path.Combine(_harness.Processing, "growing.csv");
        sink.OnPublish = count =>
        {
            if (count == 1)
            {
                File.AppendAllText(claimed, "\nG-2,2026-11-23T09:01:00Z,2.00,EUR\nG-3,2026-11-23T09:02:00Z,1");
            }
            else if (count == 2)
            {
                File.AppendAllText(claimed, "2.50,EUR\n");
            }
        };
        _harness.Drop("growing.csv", Header + "G-1,2026-11-23T09:00:00Z,1.00,EUR");

        // Act
        Assert.True(await _harness.ScanUntilIdleAsync(task));

        // Assert: every row once, the cut one with its whole total (not 1), nothing reported as bad.
        Assert.Equal([("G-1", 1.00m), ("G-2", 2.00m), ("G-3", 12.50m)], sink.Sales.Select(s => (s.ExternalSaleId, s.Total)));
        Assert.Equal(["growing.csv"], _harness.ProcessedFiles());
        Assert.Equal(3, sink.Sales.Select(s => s.SourceEventId).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task Scan_FileGrewThenTheBrokerWentAway_TheRetryPublishesNoRowTwice()
    {
        // Arrange: a row appended while the first is published; the broker is gone when the appended row comes.
        var sink = new CallbackSink();
        var task = _harness.CreateTask(sink);
        var claimed = Path.Combine(_harness.Processing, "retry.csv");
        sink.OnPublish = count =>
        {
            if (count == 1)
            {
                File.AppendAllText(claimed, "R-2,2026-11-23T09:01:00Z,2.00,EUR\n");
                sink.Unavailable = true;
            }
        };
        _harness.Drop("retry.csv", Header + "R-1,2026-11-23T09:00:00Z,1.00,EUR\n");

        // Act: the file goes back to the inbox; once the broker is back it is read again, whole.
        await CsvDropHarness.ScanUntilAsync(task, () => sink.Unavailable && _harness.InboxFiles().Contains("retry.csv"));

        Assert.True(sink.Unavailable, "The row was never published.");
        Assert.Equal(["retry.csv"], _harness.InboxFiles());
        Assert.Empty(_harness.ProcessedFiles());
        sink.OnPublish = null;
        sink.Unavailable = false;
        Assert.True(await _harness.ScanUntilIdleAsync(task));

        // Assert
        Assert.Equal(["R-1", "R-2"], sink.Sales.Select(s => s.ExternalSaleId));
        Assert.Equal(["retry.csv"], _harness.ProcessedFiles());
    }
}
