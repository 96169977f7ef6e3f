using System.Text.Json;

namespace SevenStamp.Connectors.Sdk;

/// <summary>
/// Settings of one connector instance, checked against the connector's declaration, defaults applied.
/// Read them with the typed getters. <see cref="ToString"/> masks secrets.
/// </summary>
public sealed class ConnectorSettings
{
    private readonly ConnectorSettingsDefinition _definition;
    private readonly IReadOnlyDictionary<string, object?> _values;

    internal ConnectorSettings(ConnectorSettingsDefinition definition, IReadOnlyDictionary<string, object?> values)
    {
        _definition = definition;
        _values = values;
    }

    /// <summary>True when the setting has a value (given or default).</summary>
    public bool HasValue(string name) => Get(name) is not null;

    public string? GetString(string name) => Get<string>(name, SettingType.String);

    public string GetRequiredString(string name) => GetString(name) ?? throw Missing(name);

    public long? GetInteger(string name) => Get<long?>(name, SettingType.Integer);

    public decimal? GetDecimal(string name) => Get<decimal?>(name, SettingType.Decimal);

    public bool? GetBoolean(string name) => Get<bool?>(name, SettingType.Boolean);

    public Uri? GetUrl(string name) => Get<Uri>(name, SettingType.Url);

    public TimeSpan? GetDuration(string name) => Get<TimeSpan?>(name, SettingType.Duration);

    public IReadOnlyList<string> GetList(string name) => Get<string[]>(name, SettingType.List) ?? [];

    public JsonElement? GetJson(string name) => Get<JsonElement?>(name, SettingType.Json);

    /// <summary>The settings with secrets masked, for diagnostics.</summary>
    public override string ToString() =>
        string.Join(", ", _definition.Select(d => $"{d.Name}={(d.Secret ? (HasValue(d.Name) ? "***" : "<unset>") : Format(Get(d.Name)))}"));

    private static string Format(object? value) => value switch
    {
        null => "<unset>",
        string[] list => "[" + string.Join(", ", list) + "]",
        JsonElement json => json.GetRawText(),
        _ => value.ToString() ?? string.Empty,
    };

    private object? Get(string name)
    {
        if (_definition.Find(name) is null)
        {
            throw new KeyNotFoundException($"The connector did not declare a setting named '{name}'.");
        }

        return _values.GetValueOrDefault(name);
    }

    private T? Get<T>(string name, SettingType expected)
    {
        var definition = _definition.Find(name) ?? throw new KeyNotFoundException($"The connector did not declare a setting named '{name}'.");
        if (definition.Type != expected)
        {
            throw new InvalidOperationException($"Setting '{name}' is declared as {definition.Type}, not {expected}.");
        }

        return (T?)_values.GetValueOrDefault(name);
    }

    private static InvalidOperationException Missing(string name) => new($"Setting '{name}' has no value.");
}
