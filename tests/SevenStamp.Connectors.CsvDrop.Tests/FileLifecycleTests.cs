using System.Globalization;
using System.Text;
using SevenStamp.Connectors.TestKit;

namespace SevenStamp.Connectors.CsvDrop.Tests;

/// <summary>How files move through the inbox: picked up once complete, processed once, resumed, reported, quarantined.</summary>
public sealed class FileLifecycleTests : IDisposable
{
    private const string Header = "saleId,occurredAt,total,currency\n";
    private readonly CsvDropHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    private static string Rows(string prefix, int count, int from = 1)
    {
        var text = new StringBuilder(Header);
        for (var i = from; i < from + count; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{prefix}-{i},2026-11-23T09:00:00Z,{i % 50 + 1}.50,EUR\n");
        }

        return text.ToString();
    }

    [Fact]
    public async Task Run_PartFileThenRenamed_IsPickedUpOnceAfterTheRename()
    {
        // Arrange: the running task (watcher + scan) sees the .part file first.
        var sink = new RecordingSink();
        await using var task = _harness.CreateTask(sink);
        await task.StartAsync(CancellationToken.None);
        var part = Path.Combine(_harness.Inbox, "today.csv.part");
        await File.WriteAllTextAsync(part, Rows("P", 3));

        // Act: a scan passes over the .part file (a direct scan is a full pass), then the writer renames it.
        await task.ScanOnceAsync(CancellationToken.None);
        Assert.Empty(sink.Records);
        Assert.True(File.Exists(part));
        File.Move(part, Path.Combine(_harness.Inbox, "today.csv"));

        // Assert
        Assert.True(await CsvDropHarness.EventuallyAsync(() => _harness.ProcessedFiles().Contains("today.csv")), "The renamed file was not processed.");
        await task.StopAsync(CancellationToken.None);
        Assert.Equal(["P-1", "P-2", "P-3"], sink.Sales.Select(s => s.ExternalSaleId));
        Assert.Empty(_harness.InboxFiles());
    }

    [Fact]
    public async Task Scan_SameFileDroppedTwiceUnderAnotherName_PublishesOnceAndMovesBoth()
    {
        // Arrange
        var sink = new RecordingSink();
        var task = _harness.CreateTask(sink);
        _harness.Drop("monday.csv", Rows("D", 4));
        Assert.True(await _harness.ScanUntilIdleAsync(task));

        // Act: the same bytes again, under the same name and under another.
        _harness.Drop("monday.csv", Rows("D", 4));
        _harness.Drop("monday-copy.csv", Rows("D", 4));
        Assert.True(await _harness.ScanUntilIdleAsync(task));

        // Assert: published once; every copy moved to processed/ under a name of its own.
        Assert.Equal(4, sink.Sales.Count);
        Assert.Equal(3, _harness.ProcessedFiles().Count);
        Assert.Contains("monday.csv", _harness.ProcessedFiles());
        Assert.Contains("monday-copy.csv", _harness.ProcessedFiles());
    }

    [Fact]
    public async Task Scan_SinkFailsMidFileThenANewTask_PublishesEveryRowExactlyOnce()
    {
        // Arrange: the broker goes away after 7 of 20 rows.
        var failing = new FailingSink(failAfter: 7);
        var first = _harness.CreateTask(failing);
        _harness.Drop("crash.csv", Rows("K", 20));

        // Act: the file goes back to the inbox, nothing moved to processed/.
        await first.ScanOnceAsync(CancellationToken.None);
        await Task.Delay(100);
        await first.ScanOnceAsync(CancellationToken.None);
        Assert.Equal(7, failing.Sales.Count);
        Assert.Equal(["crash.csv"], _harness.InboxFiles());
        Assert.Empty(_harness.ProcessedFiles());
        await first.DisposeAsync();

        // A new task (a restarted host) on the same store finishes it.
        var sink = new RecordingSink();
        await using var second = _harness.CreateTask(sink);
        Assert.True(await _harness.ScanUntilIdleAsync(second));

        // Assert: every row exactly once across both.
        var all = failing.Sales.Concat(sink.Sales).Select(s => s.ExternalSaleId).ToList();
        Assert.Equal(20, all.Count);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => $"K-{i}"), all.Order(StringComparer.Ordinal).OrderBy(id => int.Parse(id[2..], CultureInfo.InvariantCulture)));
        Assert.Equal(["crash.csv"], _harness.ProcessedFiles());
    }

    [Fact]
    public async Task Scan_SinkUnavailable_LeavesTheFileInTheInboxUntilItIsBack()
    {
        // Arrange
        var sink = new RecordingSink { Unavailable = true };
        var task = _harness.CreateTask(sink);
        _harness.Drop("wait.csv", Rows("W", 3));

        // Act
        await task.ScanOnceAsync(CancellationToken.None);
        await Task.Delay(100);
        await task.ScanOnceAsync(CancellationToken.None);

        // Assert: nothing lost, nothing moved.
        Assert.Equal(["wait.csv"], _harness.InboxFiles());
        Assert.Empty(_harness.ProcessedFiles());
        Assert.Empty(_harness.QuarantinedFiles());

        sink.Unavailable = false;
        Assert.True(await _harness.ScanUntilIdleAsync(task));
        Assert.Equal(3, sink.Sales.Count);
        Assert.Equal(["wait.csv"], _harness.ProcessedFiles());
    }

    [Fact]
    public async Task Scan_BadRows_AreReportedWithFileLineAndReasonAndTheGoodRowsPublished()
    {
        // Arrange: a formula cell, a missing id, a bad date, a negative sale, a bad currency.
        var sink = new RecordingSink();
        var task = _harness.CreateTask(sink);
        _harness.Drop("mixed.csv", Header
            + "G-1,2026-11-23T09:00:00Z,1.00,EUR\n"
            + "G-2,2026-11-23T09:00:00Z,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",EUR\n"
            + ",2026-11-23T09:00:00Z,1.00,EUR\n"
            + "G-4,23/11/2026,1.00,EUR\n"
            + "G-5,2026-11-23T09:00:00Z,-3.00,EUR\n"
            + "G-6,2026-11-23T09:00:00Z,3.00,EURO\n"
            + "G-7,2026-11-23T09:00:00Z,+1+2,EUR\n"
            + "G-8,2026-11-23T09:00:00Z,2.00,EUR\n");

        // Act
        Assert.True(await _harness.ScanUntilIdleAsync(task));

        // Assert
        Assert.Equal(["G-1", "G-8"], sink.Sales.Select(s => s.ExternalSaleId));
        Assert.Equal(["mixed.csv", "mixed.csv.errors.csv"], _harness.ProcessedFiles());
        var report = await File.ReadAllLinesAsync(Path.Combine(_harness.Processed, "mixed.csv.errors.csv"));
        Assert.Equal("\"file\",\"line\",\"field\",\"column\",\"reason\"", report[0].TrimStart('\uFEFF'));
        Assert.Equal(7, report.Length);
        Assert.StartsWith("\"mixed.csv\",\"3\",\"total\",\"total\",\"looks like a spreadsheet formula", report[1], StringComparison.Ordinal);
        // The cells themselves are not copied into the report (a spreadsheet opening it runs nothing of them).
        Assert.DoesNotContain("HYPERLINK", string.Join('\n', report), StringComparison.Ordinal);
        Assert.StartsWith("\"mixed.csv\",\"4\",\"saleId\"", report[2], StringComparison.Ordinal);
        Assert.StartsWith("\"mixed.csv\",\"5\",\"occurredAt\"", report[3], StringComparison.Ordinal);
        Assert.StartsWith("\"mixed.csv\",\"6\",\"total\"", report[4], StringComparison.Ordinal);
        Assert.StartsWith("\"mixed.csv\",\"7\",\"currency\"", report[5], StringComparison.Ordinal);
        Assert.StartsWith("\"mixed.csv\",\"8\",\"total\"", report[6], StringComparison.Ordinal);
        Assert.DoesNotContain("+1+2", report[6], StringComparison.Ordinal);
    }

    public static TheoryData<string, byte[], string> UnreadableFiles => new()
    {
        { "binary.csv", [0x50, 0x4B, 0x03, 0x04, 0x00, 0x00, 0x08, 0x00, 0x41, 0x42], "binary data" },
        { "empty.csv", [], "empty" },
        { "wrongheader.csv", Encoding.UTF8.GetBytes("Receipt,When,Amount\nR-1,2026-11-23,1.00\n"), "no column 'saleId'" },
        { "semicolons.csv", Encoding.UTF8.GetBytes("saleId;occurredAt;total;currency\nR-1;2026-11-23;1.00;EUR\n"), "check the delimiter" },
    };

    [Theory]
    [MemberData(nameof(UnreadableFiles))]
    public async Task Scan_UnreadableFile_IsQuarantinedWithItsReasonAndNothingPublished(string name, byte[] content, string reason)
    {
        // Arrange
        var sink = new RecordingSink();
        var task = _harness.CreateTask(sink);
        _harness.Drop(name, content);

        // Act
        Assert.True(await _harness.ScanUntilIdleAsync(task));

        // Assert
        Assert.Empty(sink.Records);
        Assert.Equal([name, name + ".reason.txt"], _harness.QuarantinedFiles());
        Assert.Contains(reason, await File.ReadAllTextAsync(Path.Combine(_harness.Quarantine, name + ".reason.txt")), StringComparison.Ordinal);
        Assert.Empty(_harness.ProcessedFiles());
    }

    [Fact]
    public async Task Scan_FileOverTheSizeLimit_IsQuarantinedUnread()
    {
        // Arrange: 1 MB limit, a 1.5 MB file.
        var sink = new RecordingSink();
        var task = _harness.CreateTask(sink, _harness.Settings(("maxFileMegabytes", "1")));
        _harness.Drop("huge.csv", Rows("H", 40_000));
        Assert.True(new FileInfo(Path.Combine(_harness.Inbox, "huge.csv")).Length > 1024 * 1024);

        // Act
        Assert.True(await _harness.ScanUntilIdleAsync(task));

        // Assert
        Assert.Empty(sink.Records);
        Assert.Contains("maxFileMegabytes", await File.ReadAllTextAsync(Path.Combine(_harness.Quarantine, "huge.csv.reason.txt")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_LargeFile_PublishesEveryRowWithBoundedMemory()
    {
        // Arrange: 100,000 rows (about 4 MB) into a sink that only counts.
        const int rows = 100_000;
        var sink = new CountingSink();
        var task = _harness.CreateTask(sink);
        _harness.Drop("year.csv", Rows("L", rows));

        // Act
        Assert.True(await _harness.ScanUntilIdleAsync(task));

        // Assert: every row once; the managed heap never held anything like the whole file's rows.
        Assert.Equal((rows, rows), (sink.Count, sink.Distinct));
        TestContext.Current.TestOutputHelper?.WriteLine($"100,000 rows: largest managed heap seen {sink.MaxHeapBytes / (1024 * 1024)} MB");
        Assert.True(sink.MaxHeapBytes < 256L * 1024 * 1024, $"The heap reached {sink.MaxHeapBytes / (1024 * 1024)} MB.");
        Assert.Equal(["year.csv"], _harness.ProcessedFiles());
    }

    [Fact]
    public async Task Run_TwoTasksOnOneFolder_PublishEachRowOnce()
    {
        // Arrange: two hosts (two running tasks, one shared store) watching the same folder.
        var sinkA = new RecordingSink();
        var sinkB = new RecordingSink();
        await using var a = _harness.CreateTask(sinkA);
        await using var b = _harness.CreateTask(sinkB);
        await a.StartAsync(CancellationToken.None);
        await b.StartAsync(CancellationToken.None);

        // Act
        for (var f = 0; f < 12; f++)
        {
            _harness.Drop($"batch-{f:00}.csv", Rows($"F{f}", 25));
        }

        // Assert
        Assert.True(await CsvDropHarness.EventuallyAsync(() => _harness.ProcessedFiles().Count == 12), "Not every file was processed.");
        await a.StopAsync(CancellationToken.None);
        await b.StopAsync(CancellationToken.None);
        var all = sinkA.Sales.Concat(sinkB.Sales).Select(s => s.ExternalSaleId).ToList();
        Assert.Equal(300, all.Count);
        Assert.Equal(300, all.Distinct(StringComparer.Ordinal).Count());
        Assert.Empty(Directory.EnumerateFiles(_harness.Processing));
    }

    [Fact]
    public async Task Scan_ClaimLeftByAStoppedHost_IsReturnedAndFinished()
    {
        // Arrange: a file in processing/ untouched for longer than the claim timeout, its first rows already published.
        var sink = new RecordingSink();
        var task = _harness.CreateTask(sink, _harness.Settings(("claimTimeout", "1s")));
        Directory.CreateDirectory(_harness.Processing);
        var stranded = Path.Combine(_harness.Processing, "stranded.csv");
        await File.WriteAllTextAsync(stranded, Rows("Z", 5));
        File.SetLastWriteTimeUtc(stranded, DateTime.UtcNow.AddMinutes(-10));

        // Act
        await CsvDropHarness.ScanUntilAsync(task, () => _harness.ProcessedFiles().Contains("stranded.csv"));

        Assert.Contains("stranded.csv", _harness.ProcessedFiles());

        // Assert
        Assert.Equal(5, sink.Sales.Count);
    }
    [Fact]
    public async Task Scan_FileStillHeldOpenByItsWriter_IsLeftAloneUntilClosed()
    {
        // Arrange: a writer that has written part of the file and still holds it open.
        var sink = new RecordingSink();
        var task = _harness.CreateTask(sink);
        var path = Path.Combine(_harness.Inbox, "growing.csv");
        var writer = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        await writer.WriteAsync(Encoding.UTF8.GetBytes(Header + "O-1,2026-11-23T09:00:00Z,1.00,EUR\n"));
        await writer.FlushAsync();

        // Act: scans well past the quiet period while the writer holds the file.
        for (var i = 0; i < 4; i++)
        {
            await task.ScanOnceAsync(CancellationToken.None);
            await Task.Delay(80);
        }

        // Assert: untouched; once the writer finishes and closes it, it is read whole.
        Assert.Empty(sink.Records);
        Assert.Equal(["growing.csv"], _harness.InboxFiles());
        await writer.WriteAsync(Encoding.UTF8.GetBytes("O-2,2026-11-23T09:01:00Z,2.00,EUR\n"));
        await writer.DisposeAsync();
        Assert.True(await _harness.ScanUntilIdleAsync(task));
        Assert.Equal(["O-1", "O-2"], sink.Sales.Select(s => s.ExternalSaleId));
    }
}
