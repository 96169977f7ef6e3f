using System.Collections;
using System.Globalization;
using System.Text.Json;

namespace SevenStamp.Connectors.Sdk;

/// <summary>
/// The declared settings of a connector. Checks raw values (as written in configuration) against the
/// declaration and produces typed <see cref="ConnectorSettings"/> with defaults applied, or one
/// <see cref="SettingError"/> per field at fault.
/// </summary>
public sealed class ConnectorSettingsDefinition : IEnumerable<SettingDefinition>
{
    /// <summary>The longest value of a setting that declares no <see cref="SettingDefinition.MaxLength"/> (JSON settings excepted).</summary>
    public const int DefaultMaxLength = 4096;

    /// <summary>The longest value of a JSON setting (a mapping, say) that declares no <see cref="SettingDefinition.MaxLength"/>.</summary>
    public const int DefaultJsonMaxLength = 65_536;

    /// <summary>The longest setting name reported back in an error; a longer unknown key is not quoted.</summary>
    private const int MaxQuotedNameLength = 64;

    private readonly List<SettingDefinition> _definitions = [];
    private readonly Dictionary<string, SettingDefinition> _byName = new(StringComparer.Ordinal);

    /// <summary>
    /// Declares a setting. Names are case-sensitive and unique. <paramref name="maxLength"/> caps the value's length in
    /// characters; left out, <see cref="DefaultMaxLength"/> (or <see cref="DefaultJsonMaxLength"/> for JSON) applies.
    /// </summary>
    public ConnectorSettingsDefinition Define(string name, SettingType type, string description, bool required = false, bool secret = false, string? defaultValue = null, int? maxLength = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        if (maxLength is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "A setting's maximum length must be at least 1.");
        }

        return Add(new SettingDefinition { Name = name, Type = type, Description = description, Required = required, Secret = secret, DefaultValue = defaultValue, MaxLength = maxLength });
    }

    /// <summary>
    /// Declares a string setting that takes one of <paramref name="allowedValues"/> (an enumeration). A value is
    /// matched ignoring case and read back as declared; any other value is refused naming the allowed ones. Forms
    /// offer the values as a choice.
    /// </summary>
    public ConnectorSettingsDefinition DefineChoice(string name, string description, IEnumerable<string> allowedValues, bool required = false, string? defaultValue = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        ArgumentNullException.ThrowIfNull(allowedValues);
        var values = allowedValues.ToArray();
        if (values.Length == 0 || values.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException($"Setting '{name}' must allow at least one value, none of them empty.", nameof(allowedValues));
        }

        if (values.Distinct(StringComparer.OrdinalIgnoreCase).Count() != values.Length)
        {
            throw new ArgumentException($"Setting '{name}' allows a value twice (values are matched ignoring case).", nameof(allowedValues));
        }

        return Add(new SettingDefinition { Name = name, Type = SettingType.String, Description = description, Required = required, DefaultValue = defaultValue, AllowedValues = values });
    }

    private ConnectorSettingsDefinition Add(SettingDefinition definition)
    {
        if (definition.DefaultValue is { } defaultValue && ParseValue(definition, defaultValue, out _) is { } error)
        {
            throw new ArgumentException($"The default of setting '{definition.Name}' is invalid: {error}", "defaultValue");
        }

        if (!_byName.TryAdd(definition.Name, definition))
        {
            throw new ArgumentException($"Setting '{definition.Name}' is declared twice.", "name");
        }

        _definitions.Add(definition);
        return this;
    }

    /// <summary>The declaration of <paramref name="name"/>, or null.</summary>
    public SettingDefinition? Find(string name) => _byName.GetValueOrDefault(name);

    public int Count => _definitions.Count;

    /// <summary>
    /// Checks raw values against the declaration: required fields present, values of the right type,
    /// no unknown keys (a misspelt key is an error, not silently ignored).
    /// </summary>
    public SettingsValidationResult Validate(IReadOnlyDictionary<string, string?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var errors = new List<SettingError>();
        var parsed = new Dictionary<string, object?>(StringComparer.Ordinal);

        foreach (var key in values.Keys.Where(k => !_byName.ContainsKey(k)).Order(StringComparer.Ordinal))
        {
            if (key.Length > MaxQuotedNameLength || key.Any(char.IsControl))
            {
                errors.Add(new SettingError("settings", $"has an unknown setting whose name is not quoted here ({key.Length} characters, or with control characters); this connector's settings are: {string.Join(", ", _definitions.Select(d => d.Name))}"));
                continue;
            }

            var suggestion = _definitions.FirstOrDefault(d => string.Equals(d.Name, key, StringComparison.OrdinalIgnoreCase));
            errors.Add(new SettingError(key, suggestion is not null
                ? $"unknown setting; did you mean '{suggestion.Name}'? (names are case-sensitive)"
                : $"unknown setting; this connector's settings are: {string.Join(", ", _definitions.Select(d => d.Name))}"));
        }

        foreach (var definition in _definitions)
        {
            values.TryGetValue(definition.Name, out var raw);
            if (string.IsNullOrWhiteSpace(raw))
            {
                raw = definition.DefaultValue;
            }

            if (raw is not null && raw.Length > definition.EffectiveMaxLength)
            {
                // The value is not repeated: it may be a secret, and echoing megabytes helps nobody.
                errors.Add(new SettingError(definition.Name, $"is {raw.Length} characters long; at most {definition.EffectiveMaxLength} are accepted"));
                continue;
            }

            if (string.IsNullOrWhiteSpace(raw))
            {
                if (definition.Required)
                {
                    errors.Add(new SettingError(definition.Name, $"is required: {definition.Description}"));
                }

                parsed[definition.Name] = null;
                continue;
            }

            if (ParseValue(definition, raw, out var value) is { } problem)
            {
                errors.Add(new SettingError(definition.Name, problem));
                continue;
            }

            parsed[definition.Name] = value;
        }

        return errors.Count == 0
            ? new SettingsValidationResult(new ConnectorSettings(this, parsed), errors)
            : new SettingsValidationResult(null, errors);
    }

    public IEnumerator<SettingDefinition> GetEnumerator() => _definitions.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static string? ParseValue(SettingDefinition definition, string raw, out object? value)
    {
        value = null;
        var text = raw.Trim();
        switch (definition.Type)
        {
            case SettingType.String when definition.AllowedValues is { } allowed:
                value = allowed.FirstOrDefault(a => string.Equals(a, text, StringComparison.OrdinalIgnoreCase));
                return value is null ? $"must be {OneOf(allowed)}" : null;
            case SettingType.String:
                value = definition.Secret ? raw : text;
                return null;
            case SettingType.Integer:
                if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer))
                {
                    value = integer;
                    return null;
                }

                return "must be a whole number, e.g. 30";
            case SettingType.Decimal:
                if (decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
                {
                    value = number;
                    return null;
                }

                return "must be a number with '.' as the decimal separator, e.g. 12.50";
            case SettingType.Boolean:
                if (bool.TryParse(text, out var flag))
                {
                    value = flag;
                    return null;
                }

                return "must be true or false";
            case SettingType.Url:
                if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
                {
                    value = uri;
                    return null;
                }

                return "must be an absolute http or https URL, e.g. https://example.com/webhooks/shop";
            case SettingType.List:
                return ParseList(text, out value);
            case SettingType.Json:
                try
                {
                    using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 32 });
                    if (document.RootElement.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
                    {
                        return "must be a JSON object or array";
                    }

                    value = document.RootElement.Clone();
                    return null;
                }
                catch (JsonException ex)
                {
                    return $"is not valid JSON: {ex.Message}";
                }

            case SettingType.Duration:
                if (TryParseDuration(text, out var duration))
                {
                    value = duration;
                    return null;
                }

                return "must be a positive duration: hh:mm:ss, or a number with a unit such as 500ms, 90s, 5m or 2h";
            default:
                return $"has an unsupported type {definition.Type}";
        }
    }

    /// <summary>'a', 'b' or 'c': the allowed values quoted, so that punctuation (a '.' or ',') reads as a value.</summary>
    private static string OneOf(IReadOnlyList<string> allowed) =>
        allowed.Count == 1 ? $"'{allowed[0]}'" : $"{string.Join(", ", allowed.Take(allowed.Count - 1).Select(a => $"'{a}'"))} or '{allowed[^1]}'";

    private static string? ParseList(string text, out object? value)
    {
        value = null;
        if (text.StartsWith('['))
        {
            try
            {
                var items = JsonSerializer.Deserialize<string?[]>(text) ?? [];
                if (items.Any(string.IsNullOrWhiteSpace))
                {
                    return "must not contain empty entries";
                }

                value = items.Select(i => i!.Trim()).ToArray();
                return null;
            }
            catch (JsonException)
            {
                return "must be a JSON array of strings, e.g. [\"L1\", \"L2\"], or a comma-separated text";
            }
        }

        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Any(p => p.Length == 0))
        {
            return "must not contain empty entries (check for a doubled or trailing comma)";
        }

        value = parts;
        return null;
    }

    internal static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        var unitLength = text.EndsWith("ms", StringComparison.Ordinal) ? 2 : text.Length > 0 && char.IsAsciiLetter(text[^1]) ? 1 : 0;
        if (unitLength > 0)
        {
            if (!double.TryParse(text.AsSpan(0, text.Length - unitLength), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || !(amount > 0) || !double.IsFinite(amount))
            {
                return false;
            }

            TimeSpan? parsed = text[^unitLength..] switch
            {
                "ms" => TimeSpan.FromMilliseconds(amount),
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "h" => TimeSpan.FromHours(amount),
                "d" => TimeSpan.FromDays(amount),
                _ => null,
            };
            duration = parsed ?? default;
            return parsed is not null;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration > TimeSpan.Zero;
    }
}
