using System.Text;
using SevenStamp.Connectors.TestKit;

namespace SevenStamp.Connectors.CsvDrop.Tests;

/// <summary>What someone who can write to the inbox (but nowhere else) can make the connector do: links, pipes, planted names, hostile bytes.</summary>
public sealed class HostileFileTests : IDisposable
{
    private const string Header = "saleId,occurredAt,total,currency\n";
    private const string Export = Header + "X-1,2026-11-23T09:00:00Z,1.00,EUR\n";
    private readonly CsvDropHarness _harness = new();
    private readonly DirectoryInfo _outside = Directory.CreateTempSubdirectory("sevenstamp-csv-outside-");

    public void Dispose()
    {
        _harness.Dispose();
        _outside.Delete(recursive: true);
    }

    [Fact]
    public async Task Scan_SymlinkToAFileOutsideTheInbox_IsQuarantinedUnreadAndTheTargetUntouched()
    {
        // Arrange: a link in the inbox to an export-shaped file elsewhere.
        var sink = new RecordingSink();
        var task = _harness.CreateTask(sink);
        var target = Path.Combine(_outside.FullName, "elsewhere.csv");
        await File.WriteAllTextAsync(target, Export);
        var written = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(target, written);
        File.CreateSymbolicLink(Path.Combine(_harness.Inbox, "linked.csv"), target);

        // Act
        Assert.True(await _harness.ScanUntilIdleAsync(task));

        // Assert: nothing published; the link itself (not its target) in quarantine with the reason; the target as it was.
        Assert.Empty(sink.Records);
        Assert.Equal(["linked.csv", "linked.csv.reason.txt"], _harness.QuarantinedFiles());
        Assert.NotNull(new FileInfo(Path.Combine(_harness.Quarantine, "linked.csv")).LinkTarget);
        Assert.Contains("symbolic link", await File.ReadAllTextAsync(Path.Combine(_harness.Quarantine, "linked.csv.reason.txt")), StringComparison.Ordinal);
        Assert.Equal(Export, await File.ReadAllTextAsync(target));
        Assert.Equal(written, File.GetLastWriteTimeUtc(target));
    }

    [Fact]
    public async Task Scan_HardLinkToAFileOutsideTheInbox_IsQuarantinedUnread()
    {
        // Arrange: a second name, in the inbox, for a file that lives elsewhere.
        var sink = new RecordingSink();
        var task = _harness.CreateTask(sink);
        var original = Path.Combine(_outside.FullName, "original.csv");
        await File.WriteAllTextAsync(original, Export);
        UnixTestFiles.CreateHardLink(original, Path.Combine(_harness.Inbox, "hardlinked.csv"));

        // Act
        Assert.True(await _harness.ScanUntilIdleAsync(task));

        // Assert
        Assert.Empty(sink.Records);
        Assert.Equal(["hardlinked.csv", "hardlinked.csv.reason.txt"], _harness.QuarantinedFiles());
        Assert.Contains("hard link", await File.ReadAllTextAsync(Path.Combine(_harness.Quarantine, "hardlinked.csv.reason.txt")), StringComparison.Ordinal);
        Assert.Equal(Export, await File.ReadAllTextAsync(original));
    }

    [Fact]
    public async Task Scan_NamedPipeInTheInbox_IsQuarantinedWithoutBlockingTheScan()
    {
        // Arrange: a named pipe with an export's name (opening it to read waits for a writer that never comes), and a real export.
        var sink = new RecordingSink();
        var task = _harness.CreateTask(sink);
        var pipe = Path.Combine(_harness.Inbox, "a-pipe.csv");
        UnixTestFiles.CreateNamedPipe(pipe);
        _harness.Drop("b-real.csv", Export);

        // Act: the scan runs on another thread so that a scan stuck in open() fails the test instead of hanging it.
        var scan = Task.Run(() => _harness.ScanUntilIdleAsync(task), TestContext.Current.CancellationToken);
        var finished = await Task.WhenAny(scan, Task.Delay(CsvDropHarness.Deadline, TestContext.Current.CancellationToken)) == scan;
        if (!finished)
        {
            // Release the stuck open() so the test process can end.
            await using var release = new FileStream(pipe, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        }

        // Assert
        Assert.True(finished, "The scan blocked on the named pipe.");
        Assert.True(await scan);
        Assert.Equal(["X-1"], sink.Sales.Select(s => s.ExternalSaleId));
        Assert.Equal(["a-pipe.csv", "a-pipe.csv.reason.txt"], _harness.QuarantinedFiles());
        Assert.Contains("not a regular file", await File.ReadAllTextAsync(Path.Combine(_harness.Quarantine, "a-pipe.csv.reason.txt")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_ProcessingFolderIsASymlinkElsewhere_ScanRefusesAndNothingOutsideIsMovedOrRead()
    {
        // Arrange: processing/ replaced by a link to another folder holding an old export (a stale claim, it seems).
        var sink = new RecordingSink();
        var task = _harness.CreateTask(sink);
        var stranded = Path.Combine(_outside.FullName, "someone-elses.csv");
        await File.WriteAllTextAsync(stranded, Export);
        File.SetLastWriteTimeUtc(stranded, DateTime.UtcNow.AddDays(-1));
        Directory.CreateSymbolicLink(_harness.Processing, _outside.FullName);
        _harness.Drop("today.csv", Export);

        // Act
        var refused = await Assert.ThrowsAnyAsync<IOException>(() => task.ScanOnceAsync(CancellationToken.None));

        // Assert: the reason names the folder and the fix; the outside file stays; the inbox file waits.
        Assert.Contains("processing", refused.Message, StringComparison.Ordinal);
        Assert.Contains("symbolic link", refused.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(stranded));
        Assert.Empty(sink.Records);
        Assert.Equal(["today.csv"], _harness.InboxFiles());
    }

    [Fact]
    public async Task Scan_CompanionFileNamesPlantedAsLinks_NoFileOutsideIsWritten()
    {
        // Arrange: where the connector will write a row report and a quarantine reason, links to files elsewhere.
        var sink = new RecordingSink();
        var task = _harness.CreateTask(sink);
        var victim = Path.Combine(_outside.FullName, "victim.txt");
        await File.WriteAllTextAsync(victim, "keep me");
        var created = Path.Combine(_outside.FullName, "created.txt");
        Directory.CreateDirectory(Path.Combine(_harness.Processing, "reports"));
        File.CreateSymbolicLink(Path.Combine(_harness.Processing, "reports", "bad.csv.errors.csv"), victim);
        Directory.CreateDirectory(_harness.Quarantine);
        File.CreateSymbolicLink(Path.Combine(_harness.Quarantine, "empty.csv.reason.txt"), created);
        _harness.Drop("bad.csv", Header + "B-1,2026-11-23T09:00:00Z,oops,EUR\nB-2,2026-11-23T09:00:00Z,2.00,EUR\n");
        _harness.Drop("empty.csv", []);

        // Act
        Assert.True(await _harness.ScanUntilIdleAsync(task));

        // Assert: the report and the reason were written as files of their own; nothing outside changed or appeared.
        Assert.Equal("keep me", await File.ReadAllTextAsync(victim));
        Assert.False(File.Exists(created));
        Assert.Equal(["B-2"], sink.Sales.Select(s => s.ExternalSaleId));
        Assert.Contains("\"bad.csv\",\"2\",\"total\"", await File.ReadAllTextAsync(Path.Combine(_harness.Processed, "bad.csv.errors.csv")), StringComparison.Ordinal);
        var reason = Assert.Single(Directory.GetFiles(_harness.Quarantine, "empty*.reason.txt"), f => new FileInfo(f).LinkTarget is null);
        Assert.Contains("empty", await File.ReadAllTextAsync(reason), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_SymlinkedSubfolderInTheInbox_IsNotEntered()
    {
        // Arrange
        var sink = new RecordingSink();
        var task = _harness.CreateTask(sink);
        await File.WriteAllTextAsync(Path.Combine(_outside.FullName, "inside-the-link.csv"), Export);
        Directory.CreateSymbolicLink(Path.Combine(_harness.Inbox, "more.csv"), _outside.FullName);

        // Act
        await task.ScanOnceAsync(CancellationToken.None);

        // Assert
        Assert.Empty(sink.Records);
        Assert.True(File.Exists(Path.Combine(_outside.FullName, "inside-the-link.csv")));
    }

    [Fact]
    public async Task OpenClaimed_PathReplacedAfterTheOpen_IsRefused()
    {
        // Arrange: a handle opened on one file, then another file renamed over the path (a swap between check and use).
        var path = Path.Combine(_harness.Inbox, "swapped.csv");
        await File.WriteAllTextAsync(path, Export);
        using var handle = File.OpenHandle(path);
        var other = Path.Combine(_outside.FullName, "other.csv");
        await File.WriteAllTextAsync(other, Export);
        File.Move(other, path, overwrite: true);

        // Act
        var refused = Assert.Throws<CsvFileException>(() => FileClaims.CheckClaimedFile(handle, path));

        // Assert
        Assert.Contains("replaced", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_HostileFiles_NoReasonReportOrLogLineHoldsTheirContent()
    {
        // Arrange: values that must never leave the file: a customer's e-mail and a secret-looking token.
        const string Email = "anna.secret@example.com";
        const string Token = "tok_testonly_Zq9mT4vXw2pL7nRc8kYd";
        var logger = new LineLogger();
        var sink = new RecordingSink();
        var task = _harness.CreateTask(sink, logger: logger);
        _harness.Drop("no-header.csv", $"{Email},2026-11-23T09:00:00Z,5.00,EUR\n{Token},2026-11-23T09:00:00Z,5.00,EUR\n");
        _harness.Drop("secret-cells.csv", Header
            + $"S-1,2026-11-23T09:00:00Z,{Token},EUR\n"
            + $"S-2,{Email},1.00,EUR\n"
            + $"S-3,2026-11-23T09:00:00Z,1.00,{Token}\n"
            + $"{new string('x', 190)}{Email},2026-11-23T09:00:00Z,1.00,EUR\n"
            + $"S-5,2026-11-23T09:00:00Z,1.00,EUR,\"{Email}\n");
        _harness.Drop("bad-header.csv", $"saleId,\"{Email},total\n");
        _harness.Drop("bad-bytes.csv", [.. Encoding.UTF8.GetBytes(Header + $"{Email},2026-11-23T09:00:00Z,1.00,EUR\nS-1,"), 0xC3, 0x28, .. Encoding.UTF8.GetBytes($"{Token}\n")]);

        // Act
        Assert.True(await _harness.ScanUntilIdleAsync(task));

        // Assert: the values are in the files (so the check below could fail), and in no reason, report or log line.
        Assert.Contains(Email, await File.ReadAllTextAsync(Path.Combine(_harness.Quarantine, "no-header.csv")), StringComparison.Ordinal);
        var written = Directory.EnumerateFiles(_harness.Quarantine, "*.reason.txt")
            .Concat(Directory.EnumerateFiles(_harness.Processed, "*.errors.csv"))
            .Select(File.ReadAllText)
            .Concat(logger.Lines)
            .ToList();
        Assert.Equal(3, Directory.EnumerateFiles(_harness.Quarantine, "*.reason.txt").Count());
        Assert.Single(Directory.EnumerateFiles(_harness.Processed, "*.errors.csv"));
        Assert.NotEmpty(logger.Lines);
        Assert.All(written, text =>
        {
            Assert.DoesNotContain(Email, text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("anna.secret", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Token[..12], text, StringComparison.Ordinal);
        });
    }

    public static TheoryData<string, byte[], string> BadlyEncodedFiles => new()
    {
        // 0xC3 0x28: a two-byte sequence cut short, at line 3, field 2 (the date), its 5th character.
        { "utf-8", [.. Encoding.UTF8.GetBytes(Export + "X-2,2026"), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("-11-23T09:00:00Z,1.00,EUR\n")], "line 3, column 2 (character 9)" },

        // An unpaired high surrogate (U+D800) in UTF-16 with a byte order mark, at line 2, field 1.
        { "utf-16", [0xFF, 0xFE, .. Encoding.Unicode.GetBytes(Header + "X"), 0x00, 0xD8, .. Encoding.Unicode.GetBytes("-1,2026-11-23T09:00:00Z,1.00,EUR\n")], "line 2, column 1 (character 2)" },
    };

    [Theory]
    [MemberData(nameof(BadlyEncodedFiles))]
    public async Task Scan_InvalidTextInTheEncoding_IsQuarantinedNamingLineAndColumn(string encoding, byte[] content, string position)
    {
        // Arrange
        var sink = new RecordingSink();
        var task = _harness.CreateTask(sink, _harness.Settings(("encoding", encoding)));
        _harness.Drop("bad-text.csv", content);

        // Act
        Assert.True(await _harness.ScanUntilIdleAsync(task));

        // Assert: nothing of it published; the reason says where, and what to change.
        Assert.Empty(sink.Records);
        var reason = await File.ReadAllTextAsync(Path.Combine(_harness.Quarantine, "bad-text.csv.reason.txt"));
        Assert.Contains(position, reason, StringComparison.Ordinal);
        Assert.Contains("encoding setting", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_ReplacementCharacterInACell_RowNotPublishedAndReportedWithLineAndColumn()
    {
        // Arrange: U+FFFD (what a program writes where it could not convert a character) in a customer id and in a
        // discount code; the other rows are fine.
        var sink = new RecordingSink();
        var task = _harness.CreateTask(sink);
        _harness.Drop("mangled.csv", "saleId,occurredAt,total,currency,customerId,discountCodes\n"
            + "M-1,2026-11-23T09:00:00Z,1.00,EUR,C-1,\n"
            + "M-2,2026-11-23T09:00:00Z,1.00,EUR,Jos\uFFFD,\n"
            + "M-3,2026-11-23T09:00:00Z,1.00,EUR,C-3,SUMMER\uFFFD10\n"
            + "M-4,2026-11-23T09:00:00Z,1.00,EUR,C-4,\n");

        // Act
        Assert.True(await _harness.ScanUntilIdleAsync(task));

        // Assert
        Assert.Equal(["M-1", "M-4"], sink.Sales.Select(s => s.ExternalSaleId));
        var report = await File.ReadAllLinesAsync(Path.Combine(_harness.Processed, "mangled.csv.errors.csv"));
        Assert.StartsWith("\"mangled.csv\",\"3\",\"customerId\",\"customerId\",", report[1], StringComparison.Ordinal);
        Assert.Contains("U+FFFD", report[1], StringComparison.Ordinal);
        Assert.Contains("column 5", report[1], StringComparison.Ordinal);
        Assert.StartsWith("\"mangled.csv\",\"4\",\"discountCodes\",", report[2], StringComparison.Ordinal);
    }
    [Fact]
    public async Task Scan_InvisibleAndControlCharactersInIds_AreRemovedOrTheRowReportedByColumn()
    {
        // Arrange: a zero-width space and a BOM in customer ids (one customer), a bell character inside a sale id.
        var sink = new RecordingSink();
        var task = _harness.CreateTask(sink);
        _harness.Drop("invisible.csv", "saleId,occurredAt,total,currency,customerId,discountCodes\n"
            + "I-1,2026-11-23T09:00:00Z,1.00,EUR,ana\u200B,\n"
            + "I-\u00072,2026-11-23T09:00:00Z,1.00,EUR,ana,\n"
            + "I-3,2026-11-23T09:00:00Z,1.00,EUR,\uFEFFana,CAFE-AB12\u202E\n");

        // Act
        Assert.True(await _harness.ScanUntilIdleAsync(task));

        // Assert
        Assert.Equal(["I-1", "I-3"], sink.Sales.Select(s => s.ExternalSaleId));
        Assert.All(sink.Sales, s => Assert.Equal("ana", s.Customer.PosCustomerId));
        Assert.Equal("CAFE-AB12", sink.Sales[1].Discounts[0].Code);
        var report = await File.ReadAllLinesAsync(Path.Combine(_harness.Processed, "invisible.csv.errors.csv"));
        Assert.StartsWith("\"invisible.csv\",\"3\",\"saleId\",\"saleId\",", report[1], StringComparison.Ordinal);
        Assert.Contains("control character", report[1], StringComparison.Ordinal);
    }
}
