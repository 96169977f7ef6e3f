using System.Text;
using System.Text.Json;

namespace SevenStamp.Connectors.Host.Api;

/// <summary>
/// Reads a Redeem Code pool export: CSV (one code per line, or a header row with a <c>code</c> column) or JSON
/// (an array of strings, or <c>{"codes": [...]}</c>). Errors name the line or element.
/// </summary>
internal static class PoolFile
{
    public const int MaxCodeLength = 64;
    public const int MaxCodes = 100_000;

    public static (IReadOnlyList<string> Codes, string? Error) Parse(string contentType, byte[] body)
    {
        var text = Encoding.UTF8.GetString(body).TrimStart('\uFEFF');
        return contentType.Contains("json", StringComparison.OrdinalIgnoreCase) ? ParseJson(text) : ParseCsv(text);
    }

    private static (IReadOnlyList<string>, string?) ParseCsv(string text)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        if (lines.All(string.IsNullOrWhiteSpace))
        {
            return ([], "the file has no codes");
        }

        var header = SplitCsv(lines[0]);
        var column = header.FindIndex(h => string.Equals(h.Trim(), "code", StringComparison.OrdinalIgnoreCase));
        var first = column >= 0 ? 1 : 0;
        column = Math.Max(column, 0);
        var codes = new List<string>();
        for (var i = first; i < lines.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            var cells = SplitCsv(lines[i]);
            var code = column < cells.Count ? cells[column].Trim() : string.Empty;
            if (Check(code) is { } problem)
            {
                return ([], $"line {i + 1}: {problem}");
            }

            codes.Add(code);
        }

        return codes.Count > MaxCodes ? ([], $"more than {MaxCodes} codes; split the file") : (codes, null);
    }

    private static (IReadOnlyList<string>, string?) ParseJson(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 4 });
            var array = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("codes", out var inner) ? inner : document.RootElement;
            if (array.ValueKind != JsonValueKind.Array)
            {
                return ([], "send a JSON array of codes, or an object with a \"codes\" array");
            }

            var codes = new List<string>();
            var index = 0;
            foreach (var element in array.EnumerateArray())
            {
                var code = element.ValueKind == JsonValueKind.String ? element.GetString()!.Trim() : null;
                if (code is null || Check(code) is not null)
                {
                    return ([], $"codes[{index}]: {(code is null ? "must be a string" : Check(code))}");
                }

                codes.Add(code);
                index++;
            }

            return codes.Count == 0 ? ([], "the file has no codes") : codes.Count > MaxCodes ? ([], $"more than {MaxCodes} codes; split the file") : (codes, null);
        }
        catch (JsonException ex)
        {
            return ([], $"not valid JSON at line {ex.LineNumber + 1}");
        }
    }

    private static string? Check(string code) =>
        code.Length == 0 ? "the code is empty"
        : code.Length > MaxCodeLength ? $"the code is longer than {MaxCodeLength} characters"
        : code.Any(char.IsControl) ? "the code contains control characters"
        : null;

    /// <summary>Splits one CSV line on commas or semicolons, honouring double quotes.</summary>
    private static List<string> SplitCsv(string line)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '"')
            {
                if (quoted && i + 1 < line.Length && line[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else
                {
                    quoted = !quoted;
                }
            }
            else if ((c == ',' || c == ';') && !quoted)
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(c);
            }
        }

        cells.Add(cell.ToString());
        return cells;
    }
}
