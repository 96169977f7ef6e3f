using System.Text;
using SevenStamp.Contracts;
using Xunit;

namespace SevenStamp.Connectors.TestKit.Compliance;

/// <summary>
/// The compliance suite of connectors that read files a POS drops into a folder: a documented sample file mapped to
/// the expected sale, the same file dropped twice published once, a malformed file quarantined with nothing
/// published, and an oversized file quarantined unread. A derived class owns the folder (created in
/// <see cref="ConnectorComplianceTests.InitializeAsync"/>, removed in <see cref="ConnectorComplianceTests.DisposeAsyncCore"/>)
/// and supplies how a file is dropped, how the connector scans, and where quarantined files end up.
/// </summary>
public abstract class FileDropConnectorComplianceTests : ConnectorComplianceTests
{
    /// <summary>The name a POS would give the sample export (its extension is used for the suite's other files).</summary>
    protected abstract string SampleFileName { get; }

    /// <summary>The bytes of a valid export holding one sale, as the POS writes it.</summary>
    protected abstract byte[] SampleFile { get; }

    /// <summary>The sale <see cref="SampleFile"/> must be mapped to (merchant and connector ids of <see cref="ConnectorHarness"/>).</summary>
    protected abstract SaleCompleted ExpectedSale { get; }

    /// <summary>
    /// The largest file the connector reads under <see cref="SettingsWithFileSizeLimit"/>; a larger one must be
    /// quarantined without being read.
    /// </summary>
    protected abstract long FileSizeLimitBytes { get; }

    /// <summary>Valid settings that also set the connector's file size limit to <see cref="FileSizeLimitBytes"/>.</summary>
    protected abstract IReadOnlyDictionary<string, string?> SettingsWithFileSizeLimit();

    /// <summary>Drops <paramref name="content"/> as a complete file named <paramref name="name"/> where the connector looks, as a careful POS does.</summary>
    protected abstract void Drop(string name, byte[] content);

    /// <summary>
    /// Lets the connector scan its folder once and handle every complete file waiting there (repeating the scan only
    /// while a file it has seen is still settling), without its background work running.
    /// </summary>
    protected abstract Task ScanAsync(ConnectorUnderTest connector);

    /// <summary>The names of the files in the connector's quarantine.</summary>
    protected abstract IReadOnlyCollection<string> QuarantinedFiles();

    /// <summary>Files that cannot be read at all and must be quarantined with nothing published, each with a name for the failure message.</summary>
    protected virtual IEnumerable<(string Name, byte[] Content)> MalformedFiles()
    {
        yield return ("empty", []);
        yield return ("a spreadsheet workbook (zip)", [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00, 0x21, 0x00]);
        yield return ("binary with NUL bytes", [0x00, 0x01, 0x02, 0x00, 0xFF, 0xFE, 0x00, 0x00, 0x7F, 0x00]);
    }

    /// <summary>
    /// A file over <paramref name="limitBytes"/> that would publish the sample's sale if it were read: by default the
    /// sample followed by filler lines.
    /// </summary>
    protected virtual byte[] OversizedFile(long limitBytes)
    {
        var filler = Encoding.ASCII.GetBytes(new string('x', 1023) + "\n");
        using var file = new MemoryStream();
        file.Write(SampleFile);
        if (SampleFile.Length > 0 && SampleFile[^1] != (byte)'\n')
        {
            file.WriteByte((byte)'\n');
        }

        while (file.Length <= limitBytes)
        {
            file.Write(filler);
        }

        return file.ToArray();
    }

    private string NameLike(string stem) => stem + Path.GetExtension(SampleFileName);

    [Fact]
    public async Task FileDrop_SampleFile_IsMappedToTheExpectedSale()
    {
        await using var connector = Create(ValidSettings());
        Drop(SampleFileName, SampleFile);

        await ScanAsync(connector);

        var sale = Assert.Single(connector.Sink.Sales);
        SaleAssert.Equivalent(ExpectedSale, sale);
        Assert.Empty(connector.Sink.Refunds);
        Assert.DoesNotContain(SampleFileName, QuarantinedFiles());
    }

    [Fact]
    public async Task FileDrop_SameFileDroppedTwice_PublishesOnce()
    {
        await using var connector = Create(ValidSettings());
        Drop(SampleFileName, SampleFile);
        await ScanAsync(connector);

        // The POS sends the same export again: under the same name, and under another.
        Drop(SampleFileName, SampleFile);
        Drop(NameLike("copy-of-sample"), SampleFile);
        await ScanAsync(connector);

        var sale = Assert.Single(connector.Sink.Records);
        SaleAssert.Equivalent(ExpectedSale, Assert.IsType<SaleCompleted>(sale));
        Assert.Empty(QuarantinedFiles());
    }

    [Fact]
    public async Task FileDrop_MalformedFile_IsQuarantinedAndPublishesNothing()
    {
        await using var connector = Create(ValidSettings());
        var names = new List<(string What, string File)>();
        var index = 0;
        foreach (var (what, content) in MalformedFiles())
        {
            var file = NameLike($"malformed-{index++}");
            Drop(file, content);
            names.Add((what, file));
        }

        Assert.NotEmpty(names);

        await ScanAsync(connector);

        Assert.Empty(connector.Sink.Records);
        var quarantined = QuarantinedFiles();
        foreach (var (what, file) in names)
        {
            Assert.True(quarantined.Contains(file), $"{what}: {file} was not quarantined; quarantine holds {string.Join(", ", quarantined)}.");
        }
    }

    [Fact]
    public async Task FileDrop_OversizedFile_IsQuarantinedUnread()
    {
        await using var connector = Create(SettingsWithFileSizeLimit());
        var content = OversizedFile(FileSizeLimitBytes);
        Assert.True(content.LongLength > FileSizeLimitBytes, "The oversized file must be larger than the limit.");
        var file = NameLike("oversized");
        Drop(file, content);

        await ScanAsync(connector);

        // Had any of it been read, the sample's sale at its start would have been published.
        Assert.Empty(connector.Sink.Records);
        Assert.Contains(file, QuarantinedFiles());
    }
}
