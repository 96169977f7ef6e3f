using System.Globalization;
using System.Text.Json;
using SevenStamp.Connectors.Sdk;

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
/// Two more forms serve payloads that spread a value over an array or keep it in one of several places:
/// <c>{ "from": "$.transactions[*]", "where": { … }, "path": "$.amount" }</c> reads <c>path</c> in each element of
/// <c>from</c> that meets <c>where</c> (amounts are added up, other fields take the first), and a list of such specs
/// is a list of fallbacks: the first that finds a value gives it.
/// </summary>
internal sealed class FieldSpec
{
    public const int MaxAlternatives = 10;

    public static readonly IReadOnlyDictionary<FieldKind, string[]> ConversionsByKind = new Dictionary<FieldKind, string[]>
    {
        [FieldKind.Text] = ["trim", "upper", "lower", "prefix:<text>"],
        [FieldKind.Amount] = ["decimal", "minor-units", "abs"],
        [FieldKind.Time] = ["iso8601", "unix-seconds", "unix-millis", "date:<.NET format>"],
        [FieldKind.Integer] = [],
    };

    private FieldSpec(string name, FieldKind kind, JsonPath? path, string? fixedValue, IReadOnlyList<string> conversions, JsonPath? from = null, Condition? where = null, IReadOnlyList<FieldSpec>? alternatives = null)
    {
        Name = name;
        Kind = kind;
        Path = path;
        FixedValue = fixedValue;
        Conversions = conversions;
        From = from;
        Filter = where;
        Alternatives = alternatives;
    }

    /// <summary>The merchant-facing name, e.g. <c>total</c> or <c>lineItems.unitPrice</c>.</summary>
    public string Name { get; }

    public FieldKind Kind { get; }

    public JsonPath? Path { get; }

    public string? FixedValue { get; }

    public IReadOnlyList<string> Conversions { get; }

    /// <summary>The array whose elements <see cref="Path"/> is read in, when the value is spread over one.</summary>
    public JsonPath? From { get; }

    /// <summary>Which elements of <see cref="From"/> count (<c>where</c> in the mapping); all of them when null.</summary>
    public Condition? Filter { get; }

    /// <summary>Fallbacks, tried in order; the first that finds a value gives it. Null for a single spec.</summary>
    public IReadOnlyList<FieldSpec>? Alternatives { get; }

    /// <summary>How the field is named in messages: its name and where it was looked for.</summary>
    public string Where => Alternatives is { } alternatives
        ? $"{Name} ({string.Join(", else ", alternatives.Select(a => a.Source))})"
        : $"{Name} ({Source})";

    private string Source => Path is null ? "fixed value"
        : From is null ? JsonPath.Describe(Path.Text)
        : $"{JsonPath.Describe(Path.Text)} of each of {JsonPath.Describe(From.Text)}";

    /// <summary>Compiles a spec, adding a <c>mapping.{name}</c> error for each problem.</summary>
    public static FieldSpec? Compile(string name, FieldKind kind, JsonElement element, List<(string Field, string Message)> errors) =>
        element.ValueKind == JsonValueKind.Array
            ? CompileAlternatives(name, kind, element, errors)
            : CompileOne(name, kind, element, errors);

    /// <summary>A list of fallbacks: each entry is a spec of its own, named <c>{name}[i]</c> in messages.</summary>
    private static FieldSpec? CompileAlternatives(string name, FieldKind kind, JsonElement element, List<(string Field, string Message)> errors)
    {
        var count = element.GetArrayLength();
        if (count is 0 or > MaxAlternatives)
        {
            errors.Add(("mapping." + name, $"is a list of fallbacks, tried in order; it needs at least one and at most {MaxAlternatives} entries, e.g. [\"$.processed_at\", \"$.created_at\"]"));
            return null;
        }

        var alternatives = new List<FieldSpec>(count);
        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            var itemName = $"{name}[{index++}]";
            if (item.ValueKind == JsonValueKind.Array)
            {
                errors.Add(("mapping." + itemName, "is a list inside the list of fallbacks; each fallback is a path such as \"$.total\" or an object such as { \"path\": \"$.total\" }"));
            }
            else if (CompileOne(itemName, kind, item, errors) is { } spec)
            {
                alternatives.Add(spec);
            }
        }

        return alternatives.Count == count ? new FieldSpec(name, kind, null, null, [], alternatives: alternatives) : null;
    }

    private static FieldSpec? CompileOne(string name, FieldKind kind, JsonElement element, List<(string Field, string Message)> errors)
    {
        var field = "mapping." + name;
        string? pathText;
        string? fromText = null;
        JsonElement? whereElement = null;
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
                        case "from" when property.Value.ValueKind == JsonValueKind.String:
                            fromText = property.Value.GetString();
                            break;
                        case "where":
                            whereElement = property.Value;
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
                            errors.Add((field, $"has '{JsonPath.Describe(property.Name)}' with a {property.Value.ValueKind} value; a field is written as \"$.path\", {{ \"path\": \"$.path\", \"convert\": \"name\" }}, {{ \"value\": \"fixed text\" }}, {{ \"from\": \"$.items[*]\", \"where\": {{ … }}, \"path\": \"$.amount\" }}, or a list of these as fallbacks"));
                            return null;
                    }
                }

                if ((pathText is null) == (fixedValue is null))
                {
                    errors.Add((field, fromText is null
                        ? "needs exactly one of \"path\" (where the value sits) or \"value\" (a fixed value)"
                        : "with \"from\" needs \"path\": where the value sits in each element, e.g. { \"from\": \"$.transactions[*]\", \"path\": \"$.amount\" }"));
                    return null;
                }

                if (whereElement is not null && fromText is null)
                {
                    errors.Add((field, "has \"where\" without \"from\": where picks elements of the array that from names, e.g. { \"from\": \"$.transactions[*]\", \"where\": { \"path\": \"$.kind\", \"equals\": \"refund\" }, \"path\": \"$.amount\" }"));
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

        JsonPath? from = null;
        if (fromText is not null)
        {
            from = JsonPath.TryParse(fromText, out var problem);
            if (from is null)
            {
                errors.Add((field, "from " + problem));
                return null;
            }
        }

        Condition? where = null;
        if (whereElement is { } w && (where = Condition.Compile(field + ".where", w, errors)) is null)
        {
            return null;
        }

        foreach (var conversion in conversions)
        {
            if (!IsKnownConversion(kind, conversion, out var problem))
            {
                errors.Add((field, problem!));
                return null;
            }
        }

        var spec = new FieldSpec(name, kind, path, fixedValue, conversions, from, where);
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

        if (kind == FieldKind.Text && conversion.StartsWith("prefix:", StringComparison.Ordinal))
        {
            var prefix = conversion["prefix:".Length..];
            if (prefix.Length is 0 or > 32 || prefix.Any(char.IsControl))
            {
                problem = "conversion 'prefix:' needs up to 32 characters of text after the colon, e.g. prefix:cancelled-";
                return false;
            }

            return true;
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

    /// <summary>
    /// The elements <see cref="Path"/> is read in: the context itself, or every element of <see cref="From"/> that
    /// meets <see cref="Filter"/>.
    /// </summary>
    private IEnumerable<JsonElement> Contexts(JsonElement context) =>
        From is null ? [context] : From.SelectAll(context).Where(e => Filter?.Matches(e) ?? true);

    /// <summary>
    /// An id of the sale (sale, customer, card, location, SKU, catalog id, code): read as <see cref="ReadText(JsonElement, int)"/>, then
    /// held to the SDK's identifier rule (<see cref="CheckoutText.TryNormalizeIdentifier"/>), the one the host applies
    /// to every record, so a value it would refuse is refused here naming this field. Null when absent or empty.
    /// </summary>
    public string? ReadId(JsonElement context) => ReadText(context, CheckoutText.MaxIdentifierLength, identifier: true);

    /// <summary>
    /// Text of the field, normalized as display text (<see cref="CheckoutText.TryNormalizeText"/>: invisible characters
    /// removed, control characters made spaces); null when absent. Numbers and booleans are read as their JSON text.
    /// </summary>
    public string? ReadText(JsonElement context, int maxLength = 500) => ReadText(context, maxLength, identifier: false);

    private string? ReadText(JsonElement context, int maxLength, bool identifier)
    {
        if (Alternatives is { } alternatives)
        {
            foreach (var alternative in alternatives)
            {
                if (alternative.ReadText(context, maxLength, identifier) is { } found)
                {
                    return found;
                }
            }

            return null;
        }

        if (FixedValue is not null)
        {
            return ConvertText(FixedValue, maxLength, identifier);
        }

        foreach (var element in Contexts(context))
        {
            var text = Path!.SelectOne(element) switch
            {
                null => null,
                { ValueKind: JsonValueKind.String } v => JsonText.Read(v, Where),
                { ValueKind: JsonValueKind.Number } v => v.GetRawText(),
                { ValueKind: JsonValueKind.True } => "true",
                { ValueKind: JsonValueKind.False } => "false",
                { } v => throw new MappingException(Where, $"is a JSON {v.ValueKind.ToString().ToLowerInvariant()}; it must be a text or a number, point the path at one"),
            };
            if (text is not null && ConvertText(text, maxLength, identifier) is { } converted)
            {
                return converted;
            }
        }

        return null;
    }

    private string? ConvertText(string text, int maxLength, bool identifier)
    {
        if (!(identifier ? CheckoutText.TryNormalizeIdentifier(text, out var normalized, out var problem) : CheckoutText.TryNormalizeText(text, out normalized, out problem)))
        {
            throw new MappingException(Where, problem);
        }

        text = normalized;
        if (text.Length == 0)
        {
            return null;
        }

        foreach (var conversion in Conversions)
        {
            text = conversion switch
            {
                "upper" => text.ToUpperInvariant(),
                "lower" => text.ToLowerInvariant(),
                _ when conversion.StartsWith("prefix:", StringComparison.Ordinal) => conversion["prefix:".Length..] + text,
                _ => text,
            };
        }

        return text.Length <= maxLength ? text : throw new MappingException(Where, $"is longer than {maxLength} characters");
    }

    /// <summary>
    /// The amount, converted; null when absent. <paramref name="currency"/> gives the exponent for minor-units. With
    /// <c>from</c>, the amounts of every matching element are added up (null when none has one).
    /// </summary>
    public decimal? ReadAmount(JsonElement context, string? currency)
    {
        if (Alternatives is { } alternatives)
        {
            foreach (var alternative in alternatives)
            {
                if (alternative.ReadAmount(context, currency) is { } found)
                {
                    return found;
                }
            }

            return null;
        }

        if (FixedValue is not null)
        {
            return ConvertAmount(ParseDecimal(FixedValue) ?? throw new MappingException(Where, "is not a number; write it with '.' as the decimal separator, e.g. 12.50"), currency);
        }

        decimal? total = null;
        foreach (var element in Contexts(context))
        {
            if (Path!.SelectOne(element) is not { } value)
            {
                continue;
            }

            var amount = ConvertAmount(value.ValueKind switch
            {
                JsonValueKind.Number => value.TryGetDecimal(out var number) ? number : throw new MappingException(Where, "is out of range"),
                JsonValueKind.String => ParseDecimal(JsonText.Read(value, Where)) ?? throw new MappingException(Where, "must be a number (JSON number, or text such as \"12.50\" with '.' as the decimal separator)"),
                _ => throw new MappingException(Where, $"is a JSON {value.ValueKind.ToString().ToLowerInvariant()}; it must be a number"),
            }, currency);
            if (From is null)
            {
                return amount;
            }

            try
            {
                total = (total ?? 0m) + amount;
            }
            catch (OverflowException)
            {
                throw new MappingException(Where, "adds up to more than can be held; check the path and its conversion");
            }
        }

        return total;
    }

    private decimal ConvertAmount(decimal amount, string? currency)
    {
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
        if (Alternatives is { } alternatives)
        {
            foreach (var alternative in alternatives)
            {
                if (alternative.ReadTime(context) is { } found)
                {
                    return found;
                }
            }

            return null;
        }

        if (FixedValue is not null)
        {
            return ParseTime(FixedValue);
        }

        foreach (var element in Contexts(context))
        {
            if (Path!.SelectOne(element) is not { } value)
            {
                continue;
            }

            return ParseTime(value.ValueKind switch
            {
                JsonValueKind.String => JsonText.Read(value, Where).Trim(),
                JsonValueKind.Number => value.GetRawText(),
                _ => throw new MappingException(Where, $"is a JSON {value.ValueKind.ToString().ToLowerInvariant()}; it must be a timestamp"),
            });
        }

        return null;
    }

    private DateTimeOffset ParseTime(string text)
    {
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
}
