using System.Globalization;
using System.Text.RegularExpressions;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.CsvDrop;

/// <summary>
/// The CSV export drop: the POS (or a script, or a person) writes CSV exports into a folder; the connector maps
/// each row to a sale or a refund by header name, publishes it, and moves the file to <c>processed/</c>, with a
/// report of the rows it could not read beside it. Unreadable files go to <c>quarantine/</c> with the reason.
/// </summary>
public sealed partial class CsvDropConnector : IPosConnector, IOwnsFolders
{
    public ConnectorSettingsDefinition SettingsDefinition { get; } = new ConnectorSettingsDefinition()
        .Define("folder", SettingType.String, "The inbox: the absolute path of the folder the POS exports are dropped into, e.g. /data/pos-exports.", required: true)
        .Define("filePattern", SettingType.String, "Which file names in the inbox are exports, e.g. *.csv or sales-*.txt; names ending in .part or .tmp and hidden files are never read.", defaultValue: "*.csv")
        .Define("delimiter", SettingType.String, "The field delimiter: , ; | tab (or \\t), or auto to detect it from the header line.", defaultValue: ",")
        .Define("encoding", SettingType.String, "The text encoding of the files: utf-8 (a byte order mark is honoured), windows-1252, latin1 or utf-16.", defaultValue: "utf-8")
        .DefineChoice("decimalSeparator", "The decimal separator of amounts: . or , (European exports).", [".", ","], defaultValue: ".")
        .Define("thousandsSeparator", SettingType.String, "The thousands separator of amounts, if the export writes one: , . ' or space.")
        .Define("dateFormat", SettingType.String, "How dates are written: iso (2026-11-23T09:30:00+01:00, 2026-11-23 09:30) or a .NET date format such as dd.MM.yyyy HH:mm.", defaultValue: "iso")
        .Define("timeZone", SettingType.String, "The time zone of dates written without an offset (local shop time), an IANA id such as Europe/Berlin.", defaultValue: "UTC")
        .Define("hasHeader", SettingType.Boolean, "The first line names the columns. Without a header, map fields to column numbers (1 = first).", defaultValue: "true")
        .Define("columns", SettingType.Json, "Which column holds which field, by header text: e.g. {\"saleId\": \"Receipt No\", \"occurredAt\": \"Date\", \"total\": \"Gross\"}. Fields not named here are read from a column named like the field, if there is one.")
        .Define("currency", SettingType.String, "The ISO 4217 currency of every row (e.g. EUR), for exports without a currency column.")
        .Define("discountCodeSeparator", SettingType.String, "What separates several discount codes in one cell, e.g. , or | (space: space).", defaultValue: ",")
        .Define("saleTypes", SettingType.List, "Values of the type column that mean a sale (an empty cell is a sale too).", defaultValue: "sale")
        .Define("refundTypes", SettingType.List, "Values of the type column that mean a refund.", defaultValue: "refund")
        .Define("pollInterval", SettingType.Duration, "How often the inbox is scanned besides the file-system notifications (which network shares may not send).", defaultValue: "5s")
        .Define("quietPeriod", SettingType.Duration, "How long a file's size and time must stay unchanged before it is read, so a file still being written is left alone.", defaultValue: "2s")
        .Define("claimTimeout", SettingType.Duration, "A file left in processing/ without progress for this long (its host crashed) goes back to the inbox to be finished.", defaultValue: "2m")
        .Define("processedFolder", SettingType.String, "Where finished files go, relative to the inbox or absolute.", defaultValue: "processed")
        .Define("quarantineFolder", SettingType.String, "Where unreadable files go (with a .reason.txt), relative to the inbox or absolute.", defaultValue: "quarantine")
        .Define("maxFileMegabytes", SettingType.Integer, "Files larger than this many megabytes are quarantined unread.", defaultValue: "100");

    public IEnumerable<SettingError> Validate(ConnectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        List<SettingError> errors = [];
        var folder = settings.GetString("folder");
        if (folder is not null)
        {
            CheckFolder(folder, errors);
        }

        var pattern = settings.GetString("filePattern") ?? string.Empty;
        if (pattern.IndexOfAny(['/', '\\']) >= 0 || pattern.Contains("..", StringComparison.Ordinal))
        {
            errors.Add(new SettingError("filePattern", "must be a file name pattern without folders, e.g. *.csv"));
        }

        foreach (var name in new[] { "processedFolder", "quarantineFolder" })
        {
            var target = settings.GetString(name) ?? string.Empty;
            if (target.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            {
                errors.Add(new SettingError(name, "holds a character no path may hold (e.g. a NUL or control character); use a folder name such as 'processed'"));
                continue;
            }

            if (folder is not null && folder.IndexOfAny(Path.GetInvalidPathChars()) < 0 && Path.IsPathFullyQualified(folder) && Directory.Exists(folder))
            {
                var full = Path.GetFullPath(target, folder);
                if (string.Equals(full.TrimEnd(Path.DirectorySeparatorChar), Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
                {
                    errors.Add(new SettingError(name, "must not be the inbox itself; use a sub-folder such as 'processed'"));
                }
                else if (Path.GetDirectoryName(full) is { } parent && !Directory.Exists(parent))
                {
                    errors.Add(new SettingError(name, $"cannot be created: its parent folder {parent} does not exist"));
                }
            }
        }

        CsvDropSettings.ParseDelimiter(settings.GetString("delimiter") ?? string.Empty, out var delimiterError);
        if (delimiterError is not null)
        {
            errors.Add(new SettingError("delimiter", delimiterError));
        }

        if (CsvDropSettings.ResolveEncoding(settings.GetString("encoding") ?? string.Empty) is null)
        {
            errors.Add(new SettingError("encoding", "is not supported: use utf-8, windows-1252, latin1 or utf-16 (what the POS's export screen calls ANSI is usually windows-1252)"));
        }

        var decimalSeparator = settings.GetString("decimalSeparator");
        var thousands = CsvDropSettings.ParseThousands(settings.GetString("thousandsSeparator"), out var thousandsError);
        if (thousandsError is not null)
        {
            errors.Add(new SettingError("thousandsSeparator", thousandsError));
        }
        else if (thousands is { } t && decimalSeparator is { Length: 1 } d && t == d[0])
        {
            errors.Add(new SettingError("thousandsSeparator", "must differ from decimalSeparator"));
        }

        CheckDateFormat(settings.GetString("dateFormat") ?? string.Empty, errors);
        var zone = settings.GetString("timeZone") ?? string.Empty;
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
        {
            errors.Add(new SettingError("timeZone", $"'{Shorten(zone)}' is not a known time zone; use an IANA id such as Europe/Berlin, or UTC"));
        }

        var columns = CsvDropSettings.ReadColumns(settings.GetJson("columns"), out var columnErrors);
        errors.AddRange(columnErrors.Select(e => new SettingError("columns", e)));
        if (settings.GetBoolean("hasHeader") == false)
        {
            foreach (var field in CsvField.Required.Append(CsvField.Currency).Where(f => f != CsvField.Currency || settings.GetString("currency") is null))
            {
                if (!columns.TryGetValue(field, out var column))
                {
                    errors.Add(new SettingError("columns", $"must give the column number of '{field}' when hasHeader is false, e.g. \"{field}\": 1"));
                }
                else if (!int.TryParse(column, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
                {
                    errors.Add(new SettingError("columns", $"'{field}' must be a column number (1 = first column) when hasHeader is false"));
                }
            }
        }

        foreach (var (field, header) in columns.GroupBy(c => c.Value, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => (string.Join(", ", g.Select(c => c.Key)), g.Key)))
        {
            errors.Add(new SettingError("columns", $"the fields {field} all name the column '{Shorten(header)}'; each column can hold one field"));
        }

        if (settings.GetString("currency") is { } currency && !CurrencyPattern().IsMatch(currency))
        {
            errors.Add(new SettingError("currency", "must be a three-letter ISO 4217 code, e.g. EUR"));
        }

        if (string.IsNullOrEmpty(settings.GetString("discountCodeSeparator")))
        {
            errors.Add(new SettingError("discountCodeSeparator", "must not be empty"));
        }

        var saleTypes = settings.GetList("saleTypes");
        var refundTypes = settings.GetList("refundTypes");
        if (refundTypes.Count == 0)
        {
            errors.Add(new SettingError("refundTypes", "must name at least one value, e.g. refund"));
        }

        foreach (var both in saleTypes.Intersect(refundTypes, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add(new SettingError("refundTypes", $"'{Shorten(both)}' is listed in saleTypes too; a row cannot be both"));
        }

        CheckDuration(settings, "pollInterval", TimeSpan.FromMilliseconds(50), TimeSpan.FromHours(1), "between 50ms and 1h", errors);
        CheckDuration(settings, "quietPeriod", TimeSpan.Zero, TimeSpan.FromMinutes(10), "at most 10m", errors);
        CheckDuration(settings, "claimTimeout", TimeSpan.FromSeconds(1), TimeSpan.FromHours(24), "between 1s and 24h", errors);
        if (settings.GetInteger("maxFileMegabytes") is not (>= 1 and <= 4096))
        {
            errors.Add(new SettingError("maxFileMegabytes", "must be between 1 and 4096"));
        }

        return errors;
    }

    /// <summary>The inbox, its processing folder, and where files go when done or unreadable: one instance's own.</summary>
    public IEnumerable<OwnedFolder> OwnedFolders(ConnectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.GetString("folder") is not { } inbox || inbox.IndexOfAny(Path.GetInvalidPathChars()) >= 0 || !Path.IsPathFullyQualified(inbox))
        {
            yield break;
        }

        var folder = Path.GetFullPath(inbox);
        yield return new OwnedFolder("folder", folder);
        yield return new OwnedFolder("folder", Path.Combine(folder, CsvDropSettings.ProcessingFolderName));
        foreach (var name in new[] { "processedFolder", "quarantineFolder" })
        {
            if (settings.GetString(name) is { } target && target.IndexOfAny(Path.GetInvalidPathChars()) < 0)
            {
                yield return new OwnedFolder(name, Path.GetFullPath(target, folder));
            }
        }
    }

    public IConnectorTask CreateTask(ConnectorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new CsvDropTask(context, CsvDropSettings.From(context.Settings));
    }

    private static void CheckFolder(string folder, List<SettingError> errors)
    {
        if (folder.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            errors.Add(new SettingError("folder", "holds a character no path may hold (e.g. a NUL or control character); give the inbox's absolute path, e.g. /data/pos-exports"));
            return;
        }

        if (!Path.IsPathFullyQualified(folder))
        {
            errors.Add(new SettingError("folder", $"must be an absolute path (the host's working folder is not a place for exports), e.g. /data/pos-exports; '{Shorten(folder)}' is relative"));
            return;
        }

        if (!Directory.Exists(folder))
        {
            errors.Add(new SettingError("folder", $"{folder} does not exist: create it (and give the host's user write access) or fix the path"));
            return;
        }

        var probe = Path.Combine(folder, ".sevenstamp-write-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add(new SettingError("folder", $"{folder} is not writable by the host ({ex.GetType().Name}); the connector moves files out of it, so give the host's user write access"));
        }
    }

    private static void CheckDateFormat(string format, List<SettingError> errors)
    {
        if (string.Equals(format, "iso", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        // A usable format writes a date it can read back, and keeps at least the day.
        var sample = new DateTime(2031, 4, 17, 9, 30, 15, DateTimeKind.Unspecified);
        try
        {
            var text = sample.ToString(format, CultureInfo.InvariantCulture);
            if (format.Length < 2
                || !DateTime.TryParseExact(text, format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var back)
                || back.Date != sample.Date)
            {
                errors.Add(new SettingError("dateFormat", $"'{Shorten(format)}' is not a usable date format; write iso or a .NET custom format with day, month and year, e.g. dd.MM.yyyy HH:mm"));
            }
        }
        catch (FormatException)
        {
            errors.Add(new SettingError("dateFormat", $"'{Shorten(format)}' is not a valid .NET date format, e.g. dd.MM.yyyy HH:mm or MM/dd/yyyy h:mm tt"));
        }
    }

    private static void CheckDuration(ConnectorSettings settings, string name, TimeSpan min, TimeSpan max, string range, List<SettingError> errors)
    {
        if (settings.GetDuration(name) is { } value && (value < min || value > max))
        {
            errors.Add(new SettingError(name, "must be " + range));
        }
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    [GeneratedRegex("^[A-Za-z]{3}$", RegexOptions.CultureInvariant)]
    private static partial Regex CurrencyPattern();
}
