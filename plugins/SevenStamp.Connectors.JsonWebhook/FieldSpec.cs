using System.Globalization;
using System.Text.Json;

namespace SevenStamp.Connectors.JsonWebhook;

/// <summary>What kind of value a mapped field holds; decides which conversions apply.</summary>
internal enum FieldKind
{
    Text,
    Amount,
    Time,
    Integer,
}

/// <summary>
/// Where one field sits and how its value is converted: a path (or a fixed <c>value</c>) and a list of named
/// conversions. Written in the mapping as <c>"$.total"</c> or <c>{ "path": "$.total", "convert": "minor-units" }</c>.
/// </summary>
internal sealed class FieldSpec
{
    public static readonly IReadOnlyDictionary<FieldKind, string[]> ConversionsByKind = new Dictionary<FieldKind, string[]>
    {
        [FieldKind.Text] = ["trim", "upper", "lower"],
        [FieldKind.Amount] = ["decimal", "minor-units", "abs"],
        [FieldKind.Time] = ["iso8601", "unix-seconds", "unix-millis", "date:<.NET format>"],
        [FieldKind.Integer] = [],
    };

    private FieldSpec(string name, FieldKind kind, JsonPath? path, string? fixedValue, IReadOnlyList<string> conversions)
    {
        Name = name;
        Kind = kind;
        Path = path;
        FixedValue = fixedValue;
        Conversions = conversions;
    }

    /// <summary>The merchant-facing name, e.g. <c>total</c> or <c>lineItems.unitPrice</c>.</summary>
    public string Name { get; }

    public FieldKind Kind { get; }

    public JsonPath? Path { get; }

    public string? FixedValue { get; }

    public IReadOnlyList<string> Conversions { get; }

    /// <summary>How the field is named in messages: its name and where it was looked for.</summary>
    public string Where => Path is null ? $"{Name} (fixed value)" : $"{Name} ({JsonPath.Describe(Path.Text)})";

    /// <summary>Compiles a spec, adding a <c>mapping.{name}</c> error for each problem.</summary>
    public static FieldSpec? Compile(string name, FieldKind kind, JsonElement element, List<(string Field, string Message)> errors)
    {
        var field = "mapping." + name;
        string? pathText;
        string? fixedValue = null;
        var conversions = new List<string>();
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                pathText = element.GetString();
                break;
            case JsonValueKind.Object:
                pathText = null;
                foreach (var property in element.EnumerateObject())
                {
                    switch (property.Name)
                    {
                        case "path" when property.Value.ValueKind == JsonValueKind.String:
                            pathText = property.Value.GetString();
                            break;
                        case "value" when property.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number:
                            fixedValue = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
                            break;
                        case "convert" when property.Value.ValueKind == JsonValueKind.String:
                            conversions.Add(property.Value.GetString()!);
                            break;
                        case "convert" when property.Value.ValueKind == JsonValueKind.Array && property.Value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String):
                            conversions.AddRange(property.Value.EnumerateArray().Select(e => e.GetString()!));
                            break;
                        default:
                            errors.Add((field, $"has '{JsonPath.Describe(property.Name)}' with a {property.Value.ValueKind} value; a field is written as \"$.path\" or {{ \"path\": \"$.path\", \"convert\": \"name\" }} or {{ \"value\": \"fixed text\" }}"));
                            return null;
                    }
                }

                if ((pathText is null) == (fixedValue is null))
                {
                    errors.Add((field, "needs exactly one of \"path\" (where the value sits) or \"value\" (a fixed value)"));
                    return null;
                }

                break;
            default:
                errors.Add((field, "must be a path such as \"$.total\" or an object { \"path\": \"$.total\", \"convert\": \"minor-units\" }"));
                return null;
        }

        JsonPath? path = null;
        if (pathText is not null)
        {
            path = JsonPath.TryParse(pathText, out var problem);
            if (path is null)
            {
                errors.Add((field, "path " + problem));
                return null;
            }
        }

        foreach (var conversion in conversions)
        {
            if (!IsKnownConversion(kind, conversion, out var problem))
            {
                errors.Add((field, problem!));
                return null;
            }
        }

        var spec = new FieldSpec(name, kind, path, fixedValue, conversions);
        if (fixedValue is not null)
        {
            // A fixed value must itself convert, so a typo shows at configuration time rather than on every webhook.
            try
            {
                _ = kind switch
                {
                    FieldKind.Amount => (object?)spec.ReadAmount(default, null),
                    FieldKind.Time => spec.ReadTime(default),
                    _ => spec.ReadText(default),
                };
            }
            catch (MappingException ex)
            {
                errors.Add((field, "fixed value: " + ex.Message));
                return null;
            }
        }

        return spec;
    }

    private static bool IsKnownConversion(FieldKind kind, string conversion, out string? problem)
    {
        problem = null;
        var allowed = ConversionsByKind[kind];
        if (kind == FieldKind.Time && conversion.StartsWith("date:", StringComparison.Ordinal))
        {
            var format = conversion["date:".Length..];
            if (format.Length == 0 || format.Length > 64)
            {
                problem = "conversion 'date:' needs a .NET date format after the colon, e.g. date:dd.MM.yyyy HH:mm";
                return false;
            }

            try
            {
                _ = DateTime.UnixEpoch.ToString(format, CultureInfo.InvariantCulture);
                return true;
            }
            catch (FormatException)
            {
                problem = $"conversion '{JsonPath.Describe(conversion)}' is not a valid .NET date format";
                return false;
            }
        }

        if (allowed.Contains(conversion, StringComparer.Ordinal))
        {
            return true;
        }

        problem = allowed.Length == 0
            ? $"conversion '{JsonPath.Describe(conversion)}' does not exist for this field; it takes none"
            : $"conversion '{JsonPath.Describe(conversion)}' does not exist for this field; use one of: {string.Join(", ", allowed)}";
        return false;
    }

    /// <summary>The raw value at the path (or the fixed value), or null when nothing is there.</summary>
    private JsonElement? Select(JsonElement context) => Path?.SelectOne(context);

    /// <summary>Text of the field, trimmed; null when absent. Numbers and booleans are read as their JSON text.</summary>
    public string? ReadText(JsonElement context, int maxLength = 500)
    {
        string? text;
        if (FixedValue is not null)
        {
            text = FixedValue;
        }
        else
        {
            var value = Select(context);
            text = value switch
            {
                null => null,
                { ValueKind: JsonValueKind.String } v => v.GetString(),
                { ValueKind: JsonValueKind.Number } v => v.GetRawText(),
                { ValueKind: JsonValueKind.True } => "true",
                { ValueKind: JsonValueKind.False } => "false",
                { } v => throw new MappingException(Where, $"is a JSON {v.ValueKind.ToString().ToLowerInvariant()}; it must be a text or a number, point the path at one"),
            };
        }

        if (text is null)
        {
            return null;
        }

        text = Sanitize(text.Trim());
        foreach (var conversion in Conversions)
        {
            text = conversion switch
            {
                "upper" => text.ToUpperInvariant(),
                "lower" => text.ToLowerInvariant(),
                _ => text,
            };
        }

        if (text.Length > maxLength)
        {
            throw new MappingException(Where, $"is longer than {maxLength} characters");
        }

        return text.Length == 0 ? null : text;
    }

    /// <summary>The amount, converted; null when absent. <paramref name="currency"/> gives the exponent for minor-units.</summary>
    public decimal? ReadAmount(JsonElement context, string? currency)
    {
        decimal amount;
        if (FixedValue is not null)
        {
            amount = ParseDecimal(FixedValue) ?? throw new MappingException(Where, "is not a number; write it with '.' as the decimal separator, e.g. 12.50");
        }
        else
        {
            var value = Select(context);
            if (value is null)
            {
                return null;
            }

            amount = value.Value.ValueKind switch
            {
                JsonValueKind.Number => value.Value.TryGetDecimal(out var number) ? number : throw new MappingException(Where, "is out of range"),
                JsonValueKind.String => ParseDecimal(value.Value.GetString()!) ?? throw new MappingException(Where, "must be a number (JSON number, or text such as \"12.50\" with '.' as the decimal separator)"),
                _ => throw new MappingException(Where, $"is a JSON {value.Value.ValueKind.ToString().ToLowerInvariant()}; it must be a number"),
            };
        }

        foreach (var conversion in Conversions)
        {
            switch (conversion)
            {
                case "minor-units":
                    if (decimal.Truncate(amount) != amount)
                    {
                        throw new MappingException(Where, "must be a whole number of minor units (cents) with conversion minor-units");
                    }

                    amount /= MinorUnitDivisor(currency);
                    break;
                case "abs":
                    amount = Math.Abs(amount);
                    break;
                default:
                    break;
            }
        }

        return amount;
    }

    /// <summary>The timestamp, converted; null when absent.</summary>
    public DateTimeOffset? ReadTime(JsonElement context)
    {
        JsonElement? value = null;
        string? text;
        if (FixedValue is not null)
        {
            text = FixedValue;
        }
        else
        {
            value = Select(context);
            if (value is null)
            {
                return null;
            }

            text = value.Value.ValueKind switch
            {
                JsonValueKind.String => value.Value.GetString()!.Trim(),
                JsonValueKind.Number => value.Value.GetRawText(),
                _ => throw new MappingException(Where, $"is a JSON {value.Value.ValueKind.ToString().ToLowerInvariant()}; it must be a timestamp"),
            };
        }

        var conversion = Conversions.Count == 0 ? "iso8601" : Conversions[^1];
        DateTimeOffset? parsed = conversion switch
        {
            "unix-seconds" => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds) && seconds is > 0 and < 253_402_300_799 ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null,
            "unix-millis" => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var millis) && millis is > 0 and < 253_402_300_799_000 ? DateTimeOffset.FromUnixTimeMilliseconds(millis) : null,
            _ when conversion.StartsWith("date:", StringComparison.Ordinal) =>
                DateTimeOffset.TryParseExact(text, conversion["date:".Length..], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var exact) ? exact : null,
            _ => ParseIso8601(text),
        };

        if (parsed is not { } time)
        {
            var expected = conversion switch
            {
                "unix-seconds" => "a Unix time in seconds, e.g. 1795426200",
                "unix-millis" => "a Unix time in milliseconds, e.g. 1795426200000",
                _ when conversion.StartsWith("date:", StringComparison.Ordinal) => $"a date in the format {conversion["date:".Length..]}",
                _ => "an ISO 8601 timestamp with a time zone, e.g. 2026-11-23T09:30:00Z; for other shapes use conversion unix-seconds, unix-millis or date:<format>",
            };
            throw new MappingException(Where, "must be " + expected);
        }

        if (time.Year is < 2000 or > 2100)
        {
            throw new MappingException(Where, "is before 2000 or after 2100; check the path and its conversion");
        }

        return time;
    }

    /// <summary>A whole number ≥ 0; null when absent.</summary>
    public long? ReadInteger(JsonElement context)
    {
        var text = ReadText(context, 40);
        if (text is null)
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new MappingException(Where, "must be a whole number ≥ 0");
    }

    private static decimal? ParseDecimal(string text) =>
        decimal.TryParse(text.Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static DateTimeOffset? ParseIso8601(string text)
    {
        // Some POSs write the offset without a colon (+0000): accept that form too.
        if (text.Length > 5 && (text[^5] == '+' || text[^5] == '-') && text[^4..].All(char.IsAsciiDigit) && text.Contains('T', StringComparison.Ordinal))
        {
            text = text[..^2] + ":" + text[^2..];
        }

        var hasZone = text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && (text[^6] == '+' || text[^6] == '-') && text[^3] == ':');
        return hasZone && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value) ? value : null;
    }

    /// <summary>10^exponent of the currency (ISO 4217): most have 2 decimals, a few 0 or 3.</summary>
    public static decimal MinorUnitDivisor(string? currency) => currency switch
    {
        "BIF" or "CLP" or "DJF" or "GNF" or "ISK" or "JPY" or "KMF" or "KRW" or "PYG" or "RWF" or "UGX" or "UYI" or "VND" or "VUV" or "XAF" or "XOF" or "XPF" => 1m,
        "BHD" or "IQD" or "JOD" or "KWD" or "LYD" or "OMR" or "TND" => 1000m,
        "CLF" or "UYW" => 10000m,
        _ => 100m,
    };

    private static string Sanitize(string text) =>
        text.Any(char.IsControl) ? new string([.. text.Select(c => char.IsControl(c) ? ' ' : c)]) : text;
}
