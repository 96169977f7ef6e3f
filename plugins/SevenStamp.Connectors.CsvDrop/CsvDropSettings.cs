using System.Globalization;
using System.Text;
using System.Text.Json;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.CsvDrop;

/// <summary>The validated settings of one CSV drop instance, in the shapes the task uses.</summary>
internal sealed record CsvDropSettings
{
    /// <summary>The sub-folder of the inbox files are claimed into (an atomic rename, so it must be on the same volume).</summary>
    public const string ProcessingFolderName = "processing";

    /// <summary>The ISO 8601 shapes read when <c>dateFormat</c> is <c>iso</c>; <c>K</c> takes Z, an offset or nothing (local time).</summary>
    public static readonly string[] IsoFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd HH:mmK", "yyyy-MM-dd",
    ];

    public required string Folder { get; init; }

    public required string ProcessingFolder { get; init; }

    public required string ProcessedFolder { get; init; }

    public required string QuarantineFolder { get; init; }

    public required string FilePattern { get; init; }

    /// <summary>The field delimiter, or null to detect it from the header line.</summary>
    public required char? Delimiter { get; init; }

    public required Encoding Encoding { get; init; }

    public required char DecimalSeparator { get; init; }

    public required char? ThousandsSeparator { get; init; }

    /// <summary>The .NET date format(s) of date cells.</summary>
    public required string[] DateFormats { get; init; }

    public required TimeZoneInfo TimeZone { get; init; }

    public required bool HasHeader { get; init; }

    /// <summary>Field → header name (or 1-based column number without a header), as written in <c>columns</c>.</summary>
    public required IReadOnlyDictionary<string, string> Columns { get; init; }

    public required string? Currency { get; init; }

    public required string DiscountCodeSeparator { get; init; }

    public required IReadOnlyList<string> SaleTypes { get; init; }

    public required IReadOnlyList<string> RefundTypes { get; init; }

    public required TimeSpan PollInterval { get; init; }

    public required TimeSpan QuietPeriod { get; init; }

    public required TimeSpan ClaimTimeout { get; init; }

    public required long MaxFileBytes { get; init; }

    public static CsvDropSettings From(ConnectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var folder = Path.GetFullPath(settings.GetRequiredString("folder"));
        return new CsvDropSettings
        {
            Folder = folder,
            ProcessingFolder = Path.Combine(folder, ProcessingFolderName),
            ProcessedFolder = Path.GetFullPath(settings.GetRequiredString("processedFolder"), folder),
            QuarantineFolder = Path.GetFullPath(settings.GetRequiredString("quarantineFolder"), folder),
            FilePattern = settings.GetRequiredString("filePattern"),
            Delimiter = ParseDelimiter(settings.GetRequiredString("delimiter"), out _),
            Encoding = ResolveEncoding(settings.GetRequiredString("encoding")) ?? throw new InvalidOperationException("encoding was not validated"),
            DecimalSeparator = settings.GetRequiredString("decimalSeparator")[0],
            ThousandsSeparator = ParseThousands(settings.GetString("thousandsSeparator"), out _),
            DateFormats = DateFormatsOf(settings.GetRequiredString("dateFormat")),
            TimeZone = TimeZoneInfo.FindSystemTimeZoneById(settings.GetRequiredString("timeZone")),
            HasHeader = settings.GetBoolean("hasHeader") ?? true,
            Columns = ReadColumns(settings.GetJson("columns"), out _),
            Currency = settings.GetString("currency")?.ToUpperInvariant(),
            DiscountCodeSeparator = ParseCodeSeparator(settings.GetRequiredString("discountCodeSeparator")),
            SaleTypes = settings.GetList("saleTypes"),
            RefundTypes = settings.GetList("refundTypes"),
            PollInterval = settings.GetDuration("pollInterval") ?? TimeSpan.FromSeconds(5),
            QuietPeriod = settings.GetDuration("quietPeriod") ?? TimeSpan.FromSeconds(2),
            ClaimTimeout = settings.GetDuration("claimTimeout") ?? TimeSpan.FromMinutes(2),
            MaxFileBytes = (settings.GetInteger("maxFileMegabytes") ?? 100) * 1024 * 1024,
        };
    }

    public static string[] DateFormatsOf(string dateFormat) =>
        string.Equals(dateFormat, "iso", StringComparison.OrdinalIgnoreCase) ? IsoFormats : [dateFormat];

    /// <summary>The delimiter a setting names: one of , ; | tab (written <c>\t</c> or <c>tab</c>), or <c>auto</c> (null).</summary>
    public static char? ParseDelimiter(string text, out string? error)
    {
        error = null;
        switch (text)
        {
            case ",":
            case ";":
            case "|":
                return text[0];
            case "\t":
            case "\\t":
            case "tab":
                return '\t';
            case "auto":
                return null;
            default:
                error = "must be one of , ; | tab (or \\t) or auto";
                return null;
        }
    }

    public static char? ParseThousands(string? text, out string? error)
    {
        error = null;
        switch (text)
        {
            case null or "" or "none":
                return null;
            case "," or "." or "'" or " ":
                return text[0];
            case "space":
                return ' ';
            default:
                error = "must be one of , . ' space (or none)";
                return null;
        }
    }

    public static string ParseCodeSeparator(string text) => text == "space" ? " " : text;

    /// <summary>The encoding a setting names, or null: utf-8, windows-1252 (cp1252), latin1 (iso-8859-1), utf-16.</summary>
    public static Encoding? ResolveEncoding(string name)
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return name.Trim().ToLowerInvariant() switch
        {
            "utf-8" or "utf8" => new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true),
            "windows-1252" or "cp1252" or "1252" => Encoding.GetEncoding(1252, EncoderFallback.ExceptionFallback, DecoderFallback.ReplacementFallback),
            "latin1" or "iso-8859-1" => Encoding.Latin1,
            "utf-16" or "utf-16le" => new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true),
            _ => null,
        };
    }

    /// <summary>Reads the <c>columns</c> mapping: a JSON object of field name → header name (or column number).</summary>
    public static IReadOnlyDictionary<string, string> ReadColumns(JsonElement? json, out List<string> errors)
    {
        errors = [];
        var columns = new Dictionary<string, string>(StringComparer.Ordinal);
        if (json is not { } element)
        {
            return columns;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add("must be a JSON object of field → column header, e.g. {\"saleId\": \"Receipt No\", \"total\": \"Gross\"}");
            return columns;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (!CsvField.All.Contains(property.Name, StringComparer.Ordinal))
            {
                var close = CsvField.All.FirstOrDefault(f => string.Equals(f, property.Name, StringComparison.OrdinalIgnoreCase));
                errors.Add(close is not null
                    ? $"'{property.Name}' is not a field; did you mean '{close}'? (field names are case-sensitive)"
                    : $"'{property.Name}' is not a field; the fields are: {string.Join(", ", CsvField.All)}");
                continue;
            }

            var header = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString()?.Trim(),
                JsonValueKind.Number when property.Value.TryGetInt32(out var number) => number.ToString(CultureInfo.InvariantCulture),
                _ => null,
            };
            if (string.IsNullOrEmpty(header))
            {
                errors.Add($"'{property.Name}' names no column: give the header text of the column, e.g. \"{property.Name}\": \"Receipt No\"");
                continue;
            }

            columns[property.Name] = header;
        }

        return columns;
    }
}
