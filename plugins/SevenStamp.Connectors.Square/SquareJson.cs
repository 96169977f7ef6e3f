using System.Globalization;
using System.Text.Json;

namespace SevenStamp.Connectors.Square;

/// <summary>
/// Reads Square's snake_case JSON field by field. Every problem is a <see cref="SquarePayloadException"/> naming
/// the field's path (e.g. <c>data.object.payment.status</c>) and never echoing its value.
/// </summary>
internal static class SquareJson
{
    public const int MaxDepth = 64;

    /// <summary>The end of the message for a string that is not text; the field's path goes before it.</summary>
    public const string NotText = "is not valid text: it holds a lone surrogate (such as \\ud800) or bytes that are not UTF-8";

    private const int MaxIdLength = 255;
    private const int MaxTextLength = 500;

    public static readonly JsonDocumentOptions Options = new() { MaxDepth = MaxDepth };

    public static JsonDocument Parse(ReadOnlyMemory<byte> body, string what)
    {
        try
        {
            return JsonDocument.Parse(body, Options);
        }
        catch (JsonException ex)
        {
            throw new SquarePayloadException($"{what} is not valid JSON (line {ex.LineNumber + 1}, position {ex.BytePositionInLine + 1})");
        }
    }

    /// <summary>
    /// Refuses a document holding a string or property name that is not text (a lone surrogate escape, bytes that
    /// are not UTF-8), naming where. Square never sends one; checked before the envelope is read, so such a body is
    /// refused rather than taken for an event without an id.
    /// </summary>
    public static void RequireText(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                _ = OptionalTextOf(element, path);
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    RequireText(item, $"{path}[{index++}]");
                }

                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        throw new SquarePayloadException($"a property name in {path} {NotText}");
                    }

                    RequireText(property.Value, path == "(body)" ? name : $"{path}.{name}");
                }

                break;
            default:
                break;
        }
    }

    public static void RequireObject(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new SquarePayloadException($"{path} must be a JSON object");
        }
    }

    public static JsonElement RequiredObject(JsonElement parent, string name, string path) =>
        OptionalObject(parent, name, path) ?? throw new SquarePayloadException($"{path} is required");

    public static JsonElement? OptionalObject(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        RequireObject(value, path);
        return value;
    }

    public static IEnumerable<(JsonElement Item, string Path)> OptionalArray(JsonElement parent, string name, string path, int maxItems)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new SquarePayloadException($"{path} must be an array");
        }

        if (value.GetArrayLength() > maxItems)
        {
            throw new SquarePayloadException($"{path} has more than {maxItems} entries");
        }

        var items = new List<(JsonElement, string)>(value.GetArrayLength());
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var itemPath = $"{path}[{index++}]";
            RequireObject(item, itemPath);
            items.Add((item, itemPath));
        }

        return items;
    }

    public static string? OptionalText(JsonElement parent, string name, string path, int maxLength = MaxTextLength)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new SquarePayloadException($"{path} must be a string");
        }

        var text = OptionalTextOf(value, path).Trim();
        if (text.Length > maxLength)
        {
            throw new SquarePayloadException($"{path} is longer than {maxLength} characters");
        }

        if (text.Any(char.IsControl))
        {
            throw new SquarePayloadException($"{path} contains control characters");
        }

        return text.Length == 0 ? null : text;
    }

    /// <summary>
    /// The text of a JSON string. The parser accepts a lone surrogate escape ("\ud800") and bytes that are not UTF-8
    /// inside a string; GetString then throws InvalidOperationException, which would reach the host as a 500.
    /// </summary>
    private static string OptionalTextOf(JsonElement value, string path)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new SquarePayloadException($"{path} {NotText}");
        }
    }

    public static string RequiredText(JsonElement parent, string name, string path, int maxLength = MaxTextLength) =>
        OptionalText(parent, name, path, maxLength) ?? throw new SquarePayloadException($"{path} is required");

    public static string? OptionalId(JsonElement parent, string name, string path) => OptionalText(parent, name, path, MaxIdLength);

    public static string RequiredId(JsonElement parent, string name, string path) => RequiredText(parent, name, path, MaxIdLength);

    public static long? OptionalInteger(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            ? number
            : throw new SquarePayloadException($"{path} must be a whole number");
    }

    /// <summary>A Square <c>Money</c> object (<c>{ "amount": 250, "currency": "EUR" }</c>), or null when absent.</summary>
    public static SquareMoney? OptionalMoney(JsonElement parent, string name, string path)
    {
        if (OptionalObject(parent, name, path) is not { } money)
        {
            return null;
        }

        var amount = OptionalInteger(money, "amount", path + ".amount") ?? throw new SquarePayloadException($"{path}.amount is required");
        var currency = RequiredText(money, "currency", path + ".currency", 16);
        if (currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
        {
            throw new SquarePayloadException($"{path}.currency must be a three-letter ISO 4217 code in capitals");
        }

        return new SquareMoney(amount, currency);
    }

    public static SquareMoney RequiredMoney(JsonElement parent, string name, string path) =>
        OptionalMoney(parent, name, path) ?? throw new SquarePayloadException($"{path} is required");

    /// <summary>An RFC 3339 timestamp. Square writes up to nine fractional digits; .NET parses seven, so the rest are cut.</summary>
    public static DateTimeOffset? OptionalTimestamp(JsonElement parent, string name, string path)
    {
        var text = OptionalText(parent, name, path, 64);
        if (text is null)
        {
            return null;
        }

        return TryParseTimestamp(text, out var value)
            ? value
            : throw new SquarePayloadException($"{path} must be an RFC 3339 timestamp with a time zone, e.g. 2026-11-23T09:30:00Z");
    }

    public static bool TryParseTimestamp(string text, out DateTimeOffset value)
    {
        value = default;
        var t = text.IndexOf('T', StringComparison.Ordinal);
        var zone = t < 0 ? -1 : text.IndexOfAny(['Z', 'z', '+', '-'], t);
        if (t < 0 || zone < 0)
        {
            return false;
        }

        var dot = text.IndexOf('.', t);
        if (dot > 0 && dot < zone && zone - dot - 1 > 7)
        {
            text = string.Concat(text.AsSpan(0, dot + 8), text.AsSpan(zone));
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out value);
    }

    /// <summary>Square's decimal-in-a-string fields such as a line item's <c>quantity</c> ("1", "2.5").</summary>
    public static decimal? OptionalDecimalText(JsonElement parent, string name, string path)
    {
        var text = OptionalText(parent, name, path, 64);
        if (text is null)
        {
            return null;
        }

        return decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new SquarePayloadException($"{path} must be a decimal number written as a string, e.g. \"1\" or \"2.5\"");
    }
}
