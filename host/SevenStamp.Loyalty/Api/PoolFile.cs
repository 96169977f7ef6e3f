using System.Text;
using System.Text.Json;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Http;

namespace SevenStamp.Loyalty.Api;

/// <summary>
/// Reads a Redeem Code pool export: CSV (one code per line, or a header row with a <c>code</c> column) or JSON
/// (an array of strings, or <c>{"codes": [...]}</c>). Errors name the line or element.
/// </summary>
internal static class PoolFile
{
    public const int MaxCodeLength = 64;
    public const int MaxCodes = 100_000;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static (IReadOnlyList<string> Codes, string? Error) Parse(string contentType, byte[] body)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(body).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException ex)
        {
            return ([], $"the file is not UTF-8 text (byte {ex.Index + 1} is not valid UTF-8); export it as UTF-8");
        }

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
            if (Check(column < cells.Count ? cells[column] : string.Empty, out var code) is { } problem)
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
            if (JsonBody.Check(document.RootElement, string.Empty) is { } broken)
            {
                return ([], $"{broken.Field} {broken.Message}");
            }

            var array = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("codes", out var inner) ? inner : document.RootElement;
            if (array.ValueKind != JsonValueKind.Array)
            {
                return ([], "send a JSON array of codes, or an object with a \"codes\" array");
            }

            var codes = new List<string>();
            var index = 0;
            foreach (var element in array.EnumerateArray())
            {
                if (element.ValueKind != JsonValueKind.String)
                {
                    return ([], $"codes[{index}]: must be a string");
                }

                if (Check(element.GetString()!, out var code) is { } problem)
                {
                    return ([], $"codes[{index}]: {problem}");
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

    /// <summary>A code as sales carry it: the identifier rule of <see cref="CheckoutText"/>, then at most <see cref="MaxCodeLength"/> characters.</summary>
    private static string? Check(string raw, out string code)
    {
        if (!CheckoutText.TryNormalizeIdentifier(raw, out var normalized, out var problem))
        {
            code = string.Empty;
            return "the code " + problem;
        }

        code = normalized;
        return code.Length == 0 ? "the code is empty"
            : code.Length > MaxCodeLength ? $"the code is longer than {MaxCodeLength} characters"
            : null;
    }

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
