using SevenStamp.Connectors.Sdk;
using SevenStamp.Connectors.TestKit;

namespace SevenStamp.Connectors.CsvDrop.Tests;

/// <summary>What a merchant sees for good and bad CSV drop settings: every error names its field and the fix.</summary>
public sealed class SettingsTests : IDisposable
{
    private readonly CsvDropHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    private IReadOnlyList<SettingError> Errors(string key, string? value) =>
        ConnectorHarness.Validate(new CsvDropConnector(), new Dictionary<string, string?> { ["folder"] = _harness.Inbox, [key] = value });

    [Fact]
    public void Validate_OnlyTheFolder_IsValidWithTheDocumentedDefaults()
    {
        // Act
        var result = ConnectorValidation.Validate(new CsvDropConnector(), new Dictionary<string, string?> { ["folder"] = _harness.Inbox });

        // Assert
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        var settings = CsvDropSettings.From(result.Settings!);
        Assert.Equal(("*.csv", (char?)',', '.', (char?)null), (settings.FilePattern, settings.Delimiter, settings.DecimalSeparator, settings.ThousandsSeparator));
        Assert.Equal((TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(2)), (settings.PollInterval, settings.QuietPeriod, settings.ClaimTimeout));
        Assert.Equal((Path.Combine(_harness.Inbox, "processed"), Path.Combine(_harness.Inbox, "quarantine"), Path.Combine(_harness.Inbox, "processing")), (settings.ProcessedFolder, settings.QuarantineFolder, settings.ProcessingFolder));
        Assert.Equal(100L * 1024 * 1024, settings.MaxFileBytes);
        Assert.Equal("utf-8", settings.Encoding.WebName);
        Assert.True(settings.HasHeader);
    }

    [Fact]
    public void Validate_NoFolder_NamesTheField()
    {
        var errors = ConnectorHarness.Validate(new CsvDropConnector(), new Dictionary<string, string?>());

        Assert.Equal("folder", Assert.Single(errors).Field);
    }

    public static TheoryData<string, string?, string, string> BadValues => new()
    {
        { "folder", "/no/such/folder/sevenstamp", "folder", "does not exist: create it" },
        { "folder", "relative/exports", "folder", "absolute path" },
        { "encoding", "ebcdic", "encoding", "windows-1252" },
        { "delimiter", "::", "delimiter", "one of , ; | tab" },
        { "decimalSeparator", ";", "decimalSeparator", "'.' or ','" },
        { "thousandsSeparator", "_", "thousandsSeparator", "one of , . ' space" },
        { "dateFormat", "qq", "dateFormat", "dd.MM.yyyy HH:mm" },
        { "timeZone", "Mars/Olympus", "timeZone", "IANA id" },
        { "columns", """{"totl": "Gross"}""", "columns", "the fields are: saleId, occurredAt, total" },
        { "columns", """{"Total": "Gross"}""", "columns", "did you mean 'total'" },
        { "columns", """{"saleId": ""}""", "columns", "names no column" },
        { "columns", """["saleId"]""", "columns", "JSON object" },
        { "columns", """{"saleId": "No", "refundId": "No"}""", "columns", "each column can hold one field" },
        { "currency", "EURO", "currency", "ISO 4217" },
        { "filePattern", "../*.csv", "filePattern", "without folders" },
        { "pollInterval", "10ms", "pollInterval", "between 50ms and 1h" },
        { "maxFileMegabytes", "0", "maxFileMegabytes", "between 1 and 4096" },
        { "refundTypes", "sale", "refundTypes", "listed in saleTypes" },
        { "processedFolder", ".", "processedFolder", "not be the inbox" },
        { "quarantineFolder", "/no/such/parent/quarantine", "quarantineFolder", "does not exist" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void Validate_BadValue_IsReportedOnItsFieldWithTheFix(string key, string? value, string field, string hint)
    {
        // Act
        var errors = Errors(key, value);

        // Assert
        var error = Assert.Single(errors);
        Assert.Equal(field, error.Field);
        Assert.Contains(hint, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NoHeaderWithoutColumnNumbers_AsksForNumbers()
    {
        var errors = ConnectorHarness.Validate(new CsvDropConnector(), new Dictionary<string, string?>
        {
            ["folder"] = _harness.Inbox,
            ["hasHeader"] = "false",
            ["columns"] = """{"saleId": "Receipt", "occurredAt": 1, "total": 2}""",
        });

        Assert.All(errors, e => Assert.Equal("columns", e.Field));
        Assert.Contains(errors, e => e.Message.Contains("'saleId' must be a column number", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Message.Contains("'currency' when hasHeader is false", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_MisspeltSettingKey_IsRefusedWithASuggestion()
    {
        var errors = Errors("Delimiter", ";");

        Assert.Contains("did you mean 'delimiter'", Assert.Single(errors).Message, StringComparison.Ordinal);
    }
}
