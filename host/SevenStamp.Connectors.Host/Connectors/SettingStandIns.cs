using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Host.Connectors;

/// <summary>
/// Values put in for settings that were given but cannot be read here (an <c>${env:NAME}</c> that is not set, a
/// secret this host cannot store), only while checking the rest. Without them the setting counts as missing, the
/// schema check fails on it, and the plugin's own rules never run: the merchant would fix one error, then meet the
/// next. Errors the stand-ins cause on their own fields are dropped by the caller; the real problem is reported.
/// </summary>
internal static class SettingStandIns
{
    /// <summary><paramref name="values"/> with a stand-in for each of <paramref name="unreadable"/> the plugin declares without a default.</summary>
    public static Dictionary<string, string?> With(ConnectorSettingsDefinition definition, IReadOnlyDictionary<string, string?> values, IEnumerable<string> unreadable)
    {
        var result = new Dictionary<string, string?>(values, StringComparer.Ordinal);
        foreach (var name in unreadable)
        {
            if (definition.Find(name) is { DefaultValue: null } setting && !result.ContainsKey(name))
            {
                result[name] = For(setting.Type);
            }
        }

        return result;
    }

    private static string For(SettingType type) => type switch
    {
        SettingType.Integer => "1",
        SettingType.Decimal => "1",
        SettingType.Boolean => "false",
        SettingType.Url => "https://stand-in.invalid/",
        SettingType.Json => "{}",
        SettingType.Duration => "00:00:01",
        SettingType.List => "stand-in",

        // Long enough for the usual length rules of keys and secrets.
        _ => "stand-in-for-a-value-not-readable-here-0123456789",
    };
}
