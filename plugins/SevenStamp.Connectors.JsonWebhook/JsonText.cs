using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace SevenStamp.Connectors.JsonWebhook;

/// <summary>
/// Reads the text of a JSON string that may not be text. The parser accepts a lone surrogate escape (<c>"\ud800"</c>:
/// valid JSON syntax, no character) and bytes that are not UTF-8 inside a string; <see cref="JsonElement.GetString"/>
/// then throws <see cref="InvalidOperationException"/>, which the host would answer 500 and count against the
/// connector's circuit. Every read of a body's text goes through here, so such a value is refused naming its field.
/// </summary>
internal static class JsonText
{
    /// <summary>The end of the message for a value that is not text; the caller puts the field before it.</summary>
    public const string NotText = "is not valid text: it holds a lone surrogate (such as \\ud800) or bytes that are not UTF-8; send text as UTF-8";

    /// <summary>The text of a JSON string; false when it is no text (<paramref name="value"/> must be a string).</summary>
    public static bool TryRead(JsonElement value, [NotNullWhen(true)] out string? text)
    {
        try
        {
            text = value.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            text = null;
            return false;
        }
    }

    /// <summary>The text of a JSON string, or a <see cref="MappingException"/> naming <paramref name="where"/>.</summary>
    public static string Read(JsonElement value, string where) =>
        TryRead(value, out var text) ? text : throw new MappingException(where, NotText);

    /// <summary>The JSON text of any value (a number as written, an object as JSON); false when a string inside is no text.</summary>
    public static bool TryRaw(JsonElement value, [NotNullWhen(true)] out string? raw)
    {
        try
        {
            raw = value.GetRawText();
            return true;
        }
        catch (InvalidOperationException)
        {
            raw = null;
            return false;
        }
    }

    /// <summary>Where in <paramref name="root"/> a property name or string is not text (e.g. <c>$.saleId</c>); null when all are.</summary>
    public static string? FindBroken(JsonElement root, string path = "$")
    {
        switch (root.ValueKind)
        {
            case JsonValueKind.String:
                return TryRead(root, out _) ? null : path;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in root.EnumerateArray())
                {
                    if (FindBroken(item, $"{path}[{index++}]") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValueKind.Object:
                foreach (var property in root.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return path + ".(a property name)";
                    }

                    if (FindBroken(property.Value, $"{path}.{JsonPath.Describe(name)}") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    /// <summary>
    /// True when <paramref name="text"/> (from a header, which the host decoded) holds U+FFFD (what a decoder puts for
    /// bytes that are not UTF-8) or a surrogate without its other half.
    /// </summary>
    public static bool IsBroken(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\uFFFD' || char.IsLowSurrogate(c) || (char.IsHighSurrogate(c) && (++i >= text.Length || !char.IsLowSurrogate(text[i]))))
            {
                return true;
            }
        }

        return false;
    }
}
