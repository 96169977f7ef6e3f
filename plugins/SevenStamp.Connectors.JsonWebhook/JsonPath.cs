using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SevenStamp.Connectors.JsonWebhook;

/// <summary>
/// A small, safe subset of JSONPath over <see cref="JsonElement"/>: <c>$</c> (the current value), <c>.name</c>,
/// <c>['name']</c> or <c>["name"]</c>, <c>[3]</c> (an array index), <c>[*]</c> and <c>.*</c> (every element or value).
/// No filters, scripts or recursive descent: a path only walks down the document.
/// </summary>
internal sealed class JsonPath
{
    public const int MaxSegments = 32;
    public const int MaxLength = 300;

    private readonly Segment[] _segments;

    private JsonPath(string text, Segment[] segments)
    {
        Text = text;
        _segments = segments;
    }

    /// <summary>The path as written.</summary>
    public string Text { get; }

    /// <summary>True when the path can select more than one value.</summary>
    public bool HasWildcard => _segments.Any(s => s.Kind == SegmentKind.Wildcard);

    public override string ToString() => Text;

    /// <summary>Parses <paramref name="text"/>; on failure returns null and a message saying what is wrong and how to write it.</summary>
    public static JsonPath? TryParse(string? text, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "is empty; write a path such as $.order.total";
            return null;
        }

        text = text.Trim();
        if (text.Length > MaxLength)
        {
            problem = $"is longer than {MaxLength} characters";
            return null;
        }

        if (text[0] != '$')
        {
            problem = $"'{text}' must start with '$', e.g. $.total or $.items[*].price";
            return null;
        }

        var segments = new List<Segment>();
        var i = 1;
        while (i < text.Length)
        {
            if (segments.Count >= MaxSegments)
            {
                problem = $"'{text}' has more than {MaxSegments} steps";
                return null;
            }

            var c = text[i];
            if (c == '.')
            {
                i++;
                if (i < text.Length && text[i] == '*')
                {
                    segments.Add(new Segment(SegmentKind.Wildcard, null, 0));
                    i++;
                    continue;
                }

                var start = i;
                while (i < text.Length && IsNameChar(text[i]))
                {
                    i++;
                }

                if (i == start)
                {
                    problem = $"'{text}' has an empty or invalid name at position {start + 1}; names are letters, digits, '_' and '-', or write ['a name']";
                    return null;
                }

                segments.Add(new Segment(SegmentKind.Property, text[start..i], 0));
            }
            else if (c == '[')
            {
                var close = text.IndexOf(']', i);
                if (close < 0)
                {
                    problem = $"'{text}' has a '[' without its ']'";
                    return null;
                }

                var inner = text[(i + 1)..close].Trim();
                if (inner == "*")
                {
                    segments.Add(new Segment(SegmentKind.Wildcard, null, 0));
                }
                else if (inner.Length >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[^1] == inner[0])
                {
                    var name = inner[1..^1];
                    if (name.Length == 0 || name.Contains(inner[0], StringComparison.Ordinal))
                    {
                        problem = $"'{text}' has an empty or badly quoted name in [{inner}]";
                        return null;
                    }

                    segments.Add(new Segment(SegmentKind.Property, name, 0));
                }
                else if (int.TryParse(inner, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    segments.Add(new Segment(SegmentKind.Index, null, index));
                }
                else
                {
                    problem = $"'{text}' has [{inner}]: write an index such as [0], [*] for every element, or ['name']; filters and expressions are not supported";
                    return null;
                }

                i = close + 1;
            }
            else
            {
                problem = $"'{text}' has an unexpected '{c}' at position {i + 1}; steps are .name, ['name'], [0] or [*]";
                return null;
            }
        }

        return new JsonPath(text, [.. segments]);
    }

    /// <summary>Every value the path selects from <paramref name="root"/>, in document order. JSON nulls are skipped.</summary>
    public IEnumerable<JsonElement> SelectAll(JsonElement root)
    {
        IEnumerable<JsonElement> current = [root];
        foreach (var segment in _segments)
        {
            current = Step(current, segment);
        }

        return current.Where(e => e.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined));
    }

    /// <summary>The first value the path selects, or null when it selects nothing (or only JSON null).</summary>
    public JsonElement? SelectOne(JsonElement root)
    {
        foreach (var value in SelectAll(root))
        {
            return value;
        }

        return null;
    }

    private static IEnumerable<JsonElement> Step(IEnumerable<JsonElement> values, Segment segment)
    {
        foreach (var value in values)
        {
            switch (segment.Kind)
            {
                case SegmentKind.Property when value.ValueKind == JsonValueKind.Object && value.TryGetProperty(segment.Name!, out var child):
                    yield return child;
                    break;
                case SegmentKind.Index when value.ValueKind == JsonValueKind.Array && segment.Index < value.GetArrayLength():
                    yield return value[segment.Index];
                    break;
                case SegmentKind.Wildcard when value.ValueKind == JsonValueKind.Array:
                    foreach (var item in value.EnumerateArray())
                    {
                        yield return item;
                    }

                    break;
                case SegmentKind.Wildcard when value.ValueKind == JsonValueKind.Object:
                    foreach (var property in value.EnumerateObject())
                    {
                        yield return property.Value;
                    }

                    break;
                default:
                    break;
            }
        }
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '$' or '@';

    /// <summary>Text that is safe to show in an error message: the path as the merchant wrote it, shortened.</summary>
    public static string Describe(string text)
    {
        var builder = new StringBuilder();
        foreach (var c in text.Take(80))
        {
            builder.Append(char.IsControl(c) ? '?' : c);
        }

        return builder.ToString();
    }

    private enum SegmentKind
    {
        Property,
        Index,
        Wildcard,
    }

    private sealed record Segment(SegmentKind Kind, string? Name, int Index);
}
