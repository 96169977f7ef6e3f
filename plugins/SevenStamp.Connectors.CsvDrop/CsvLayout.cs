using System.Globalization;

namespace SevenStamp.Connectors.CsvDrop;

/// <summary>Where each mapped field sits in one file: its column ordinal, and the header text for messages.</summary>
internal sealed record CsvLayout(IReadOnlyDictionary<string, int> Ordinals, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>
    /// Resolves the <c>columns</c> mapping against a file's header line (matched case-insensitively, ignoring
    /// surrounding spaces). Fields the merchant mapped must be there; the others are read from a column named like
    /// the field when there is one. Throws <see cref="CsvFileException"/> naming the missing columns.
    /// </summary>
    public static CsvLayout Resolve(IReadOnlyList<string>? header, CsvDropSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var ordinals = new Dictionary<string, int>(StringComparer.Ordinal);
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        if (header is null)
        {
            foreach (var (field, column) in settings.Columns)
            {
                var number = int.Parse(column, NumberStyles.None, CultureInfo.InvariantCulture);
                ordinals[field] = number - 1;
                headers[field] = "column " + column;
            }

            return new CsvLayout(ordinals, headers);
        }

        var byName = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var ambiguous = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < header.Count; i++)
        {
            var name = header[i].Trim();
            if (name.Length > 0 && !byName.TryAdd(name, i))
            {
                ambiguous.Add(name);
            }
        }

        List<string> missing = [];
        foreach (var field in CsvField.All)
        {
            var explicitly = settings.Columns.TryGetValue(field, out var column);
            column ??= field;
            if (explicitly && ambiguous.Contains(column))
            {
                throw new CsvFileException($"the header has more than one column named '{column}' (mapped as {field}); rename one in the export or map another column");
            }

            if (byName.TryGetValue(column, out var ordinal))
            {
                ordinals[field] = ordinal;
                headers[field] = column;
            }
            else if (explicitly || CsvField.Required.Contains(field) || (field == CsvField.Currency && settings.Currency is null))
            {
                missing.Add(explicitly ? $"'{column}' (mapped as {field})" : $"'{column}' (field {field}: map it in the columns setting)");
            }
        }

        if (missing.Count > 0)
        {
            // The header's own cells are not quoted: in a file without a header line they are a customer's data.
            throw new CsvFileException($"the header line (line 1, {header.Count} columns) has no column {string.Join(", ", missing)}. If the file has no header line, set hasHeader to false and map the fields to column numbers; otherwise fix the columns setting, or check the delimiter and encoding settings");
        }

        return new CsvLayout(ordinals, headers);
    }
}
