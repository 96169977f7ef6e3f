using System.Collections;
using System.Reflection;
using System.Text;
using System.Text.Json;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.TestKit.Compliance;

/// <summary>
/// Text that is not text, spliced into a JSON body one string value at a time: a lone surrogate escape
/// (<c>\ud800</c>: valid JSON syntax, but no character) or bytes that are not UTF-8. A reader that decodes such a
/// string throws; a writer that re-encodes it puts U+FFFD in its place. Neither may reach a published record.
/// </summary>
public static class HostileText
{
    /// <summary>The JSON escape of a high surrogate without its low half.</summary>
    public const string LoneSurrogateEscape = "\\ud800";

    /// <summary>An invalid continuation (C3 28) and a byte that never occurs in UTF-8 (FF).</summary>
    public static readonly IReadOnlyList<byte> InvalidUtf8 = [0xC3, 0x28, 0xFF];

    /// <summary>
    /// Invisible characters put before a value (a zero-width space, a right-to-left override) and after it (a
    /// zero-width joiner, a byte order mark): <see cref="SevenStamp.Connectors.Sdk.CheckoutText"/> removes them from
    /// ids and text, so a value carrying them is the same value.
    /// </summary>
    public const string InvisibleBefore = "\u200B\u202E";

    /// <inheritdoc cref="InvisibleBefore"/>
    public const string InvisibleAfter = "\u200D\uFEFF";

    /// <summary>Where a string value's content sits in a JSON body: its path for messages, and its byte range without the quotes.</summary>
    public sealed record StringValue(string Path, int Start, int Length);

    /// <summary>Every string value of <paramref name="json"/> (not property names), in document order.</summary>
    public static IReadOnlyList<StringValue> StringValues(byte[] json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var result = new List<StringValue>();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
        var frames = new List<Frame>();
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    frames[^1].Name = reader.GetString();
                    continue;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    frames.RemoveAt(frames.Count - 1);
                    continue;
                default:
                    break;
            }

            // A value, or the start of one: inside an array it is the next element.
            if (frames.Count > 0 && frames[^1].IsArray)
            {
                frames[^1].Index++;
            }

            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    // The token starts at the opening quote; ValueSpan is the raw content as written (escapes kept).
                    result.Add(new StringValue(Describe(frames), checked((int)reader.TokenStartIndex + 1), reader.ValueSpan.Length));
                    break;
                case JsonTokenType.StartObject:
                    frames.Add(new Frame(isArray: false));
                    break;
                case JsonTokenType.StartArray:
                    frames.Add(new Frame(isArray: true));
                    break;
                default:
                    break;
            }
        }

        return result;
    }

    /// <summary>The body with <paramref name="value"/>'s content replaced by a lone surrogate escape.</summary>
    public static byte[] WithLoneSurrogate(byte[] json, StringValue value)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(value);
        return [.. json.AsSpan(0, value.Start), .. Encoding.ASCII.GetBytes(LoneSurrogateEscape), .. json.AsSpan(value.Start + value.Length)];
    }

    /// <summary>The body with bytes that are not UTF-8 inserted at the start of <paramref name="value"/>'s content.</summary>
    public static byte[] WithInvalidUtf8(byte[] json, StringValue value)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(value);
        return [.. json.AsSpan(0, value.Start), .. InvalidUtf8, .. json.AsSpan(value.Start)];
    }

    /// <summary>The body with invisible characters (<see cref="InvisibleBefore"/>, <see cref="InvisibleAfter"/>) around <paramref name="value"/>'s content, as UTF-8.</summary>
    public static byte[] WithInvisibleCharacters(byte[] json, StringValue value)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(value);
        return [.. json.AsSpan(0, value.Start), .. Encoding.UTF8.GetBytes(InvisibleBefore), .. json.AsSpan(value.Start, value.Length), .. Encoding.UTF8.GetBytes(InvisibleAfter), .. json.AsSpan(value.Start + value.Length)];
    }

    /// <summary>True when <paramref name="text"/> holds an invisible formatting character (Unicode category Cf: zero-width, bidi controls, byte order mark, soft hyphen).</summary>
    public static bool HasInvisible(string? text) =>
        text is not null && text.Any(c => char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format);

    /// <summary>True when <paramref name="text"/> holds a surrogate without its other half, or U+FFFD (what a decoder puts for bad bytes).</summary>
    public static bool IsBroken(string? text)
    {
        if (text is null)
        {
            return false;
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\uFFFD' || char.IsLowSurrogate(c))
            {
                return true;
            }

            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return true;
                }

                i++;
            }
        }

        return false;
    }

    /// <summary>Every text in a contract record (a sale, a refund), its customer, line items and discounts included.</summary>
    public static IEnumerable<(string Path, string Text)> Texts(object? record, string path = "record")
    {
        switch (record)
        {
            case null:
                yield break;
            case string text:
                yield return (path, text);
                yield break;
            case IEnumerable items:
                var index = 0;
                foreach (var item in items)
                {
                    foreach (var found in Texts(item, $"{path}[{index++}]"))
                    {
                        yield return found;
                    }
                }

                yield break;
            default:
                break;
        }

        var type = record.GetType();
        if (type.Namespace != typeof(SaleCompleted).Namespace || path.Count(c => c == '.') > 8)
        {
            yield break;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
        {
            foreach (var found in Texts(property.GetValue(record), path + "." + property.Name))
            {
                yield return found;
            }
        }
    }

    private static string Describe(List<Frame> frames)
    {
        var builder = new StringBuilder("$");
        foreach (var frame in frames)
        {
            builder.Append(frame.IsArray ? $"[{frame.Index}]" : "." + frame.Name);
        }

        return builder.ToString();
    }

    private sealed class Frame(bool isArray)
    {
        public bool IsArray { get; } = isArray;

        public string? Name { get; set; }

        public int Index { get; set; } = -1;
    }
}
