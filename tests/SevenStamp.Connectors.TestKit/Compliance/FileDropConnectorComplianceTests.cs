using System.Text;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Contracts;
using Xunit;

namespace SevenStamp.Connectors.TestKit.Compliance;

/// <summary>
/// The compliance suite of connectors that read files a POS drops into a folder: a documented sample file mapped to
/// the expected sale, the same file dropped twice published once, a malformed file quarantined with nothing
/// published, and an oversized file quarantined unread. A derived class supplies a <see cref="FileDropSample"/>;
/// by default the suite makes the inbox in a temp folder, drops files as a careful POS does (written elsewhere, then
/// moved in), lets the connector's own loop handle them, and finds the quarantine through
/// <see cref="IOwnsFolders"/>. Most connectors derive from <see cref="FileDropConnectorComplianceTests{TConnector}"/>
/// in one line; every member a check reads is virtual for those that need more.
/// </summary>
public abstract class FileDropConnectorComplianceTests : ConnectorComplianceTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("sevenstamp-filedrop-");
    private readonly HashSet<IConnectorTask> _started = [];

    /// <summary>The export, the sale it must become and the settings that name its folders.</summary>
    protected abstract FileDropSample Sample { get; }

    /// <summary>The inbox the suite drops files into (a temp folder, removed after the test).</summary>
    protected string Inbox
    {
        get
        {
            var inbox = Path.Combine(_root.FullName, "inbox");
            Directory.CreateDirectory(inbox);
            return inbox;
        }
    }

    /// <summary>The name a POS would give the sample export (its extension is used for the suite's other files).</summary>
    protected virtual string SampleFileName => Sample.FileName;

    /// <summary>The bytes of a valid export holding one sale, as the POS writes it.</summary>
    protected virtual byte[] SampleFile => Sample.Content;

    /// <summary>The sale <see cref="SampleFile"/> must be mapped to (merchant and connector ids of <see cref="ConnectorHarness"/>).</summary>
    protected virtual SaleCompleted ExpectedSale => Sample.ExpectedSale;

    /// <summary>
    /// The largest file the connector reads under <see cref="SettingsWithFileSizeLimit"/>; a larger one must be
    /// quarantined without being read.
    /// </summary>
    protected virtual long FileSizeLimitBytes => Sample.FileSizeLimitBytes;

    /// <summary>The sample's settings, with the inbox.</summary>
    protected override IReadOnlyDictionary<string, string?> GivenSettings =>
        new Dictionary<string, string?>(Sample.Settings, StringComparer.Ordinal) { [Sample.InboxSetting] = Inbox };

    /// <summary>Valid settings that also set the connector's file size limit to <see cref="FileSizeLimitBytes"/>.</summary>
    protected virtual IReadOnlyDictionary<string, string?> SettingsWithFileSizeLimit() =>
        new Dictionary<string, string?>(ValidSettings(), StringComparer.Ordinal) { [Sample.FileSizeLimitSetting] = Sample.FileSizeLimitValue };

    /// <summary>Drops <paramref name="content"/> as a complete file named <paramref name="name"/> where the connector looks, as a careful POS does.</summary>
    protected virtual void Drop(string name, byte[] content)
    {
        var staging = Directory.CreateDirectory(Path.Combine(_root.FullName, "staging")).FullName;
        var path = Path.Combine(staging, name);
        File.WriteAllBytes(path, content);
        File.Move(path, Path.Combine(Inbox, name), overwrite: true);
    }

    /// <summary>
    /// Lets the connector handle every complete file waiting in its inbox: starts its task (once) and waits until the
    /// folders it reads from (those <see cref="IOwnsFolders"/> reports under <see cref="FileDropSample.InboxSetting"/>:
    /// the inbox, and a folder it claims files into) hold no file.
    /// </summary>
    protected virtual async Task ScanAsync(ConnectorUnderTest connector)
    {
        ArgumentNullException.ThrowIfNull(connector);
        if (_started.Add(connector.Task))
        {
            await connector.Task.StartAsync(CancellationToken.None).WaitAsync(Deadline);
        }

        var reading = OwnedFolders(Sample.InboxSetting).DefaultIfEmpty(Inbox).ToList();
        var until = DateTimeOffset.UtcNow + Deadline;
        while (reading.Any(f => Directory.Exists(f) && Directory.EnumerateFiles(f).Any()))
        {
            Assert.True(DateTimeOffset.UtcNow < until, $"The connector left files in {string.Join(", ", reading)} for {Deadline.TotalSeconds} s.");
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
    }

    /// <summary>The names of the files in the connector's quarantine (the folder it reports under <see cref="FileDropSample.QuarantineSetting"/>).</summary>
    protected virtual IReadOnlyCollection<string> QuarantinedFiles() =>
        [.. OwnedFolders(Sample.QuarantineSetting).Where(Directory.Exists).SelectMany(Directory.EnumerateFiles).Select(f => Path.GetFileName(f)!)];

    /// <summary>The folders the connector reports for <paramref name="setting"/> under the valid settings.</summary>
    private IEnumerable<string> OwnedFolders(string setting)
    {
        var connector = CreateConnector();
        var result = ConnectorValidation.Validate(connector, ValidSettings());
        return connector is IOwnsFolders owner && result.IsValid
            ? owner.OwnedFolders(result.Settings!).Where(f => f.Setting == setting).Select(f => f.Path)
            : [];
    }

    protected override ValueTask DisposeAsyncCore()
    {
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A task still finishing; the temp folder is cleaned by the OS.
        }

        return base.DisposeAsyncCore();
    }

    /// <summary>Files that cannot be read at all and must be quarantined with nothing published, each with a name for the failure message.</summary>
    protected virtual IEnumerable<(string Name, byte[] Content)> MalformedFiles()
    {
        yield return ("empty", []);
        yield return ("a spreadsheet workbook (zip)", [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00, 0x21, 0x00]);
        yield return ("binary with NUL bytes", [0x00, 0x01, 0x02, 0x00, 0xFF, 0xFE, 0x00, 0x00, 0x7F, 0x00]);
        foreach (var file in Sample.MoreMalformedFiles)
        {
            yield return file;
        }
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
