using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.TestKit.Compliance;

/// <summary>
/// Settings derived from a connector's declared schema: a value for every required setting and every current
/// secret (a generated one, long and without spaces), the defaults for the rest, and what a test gives on top.
/// Also finds the rotation pairs a schema declares: a secret setting <c>x</c> beside a secret setting
/// <c>previousX</c>, both accepted while a secret rotates.
/// </summary>
public static class ComplianceSettings
{
    /// <summary>A secret the suite uses as the old one in rotation checks: never the current one.</summary>
    public const string PreviousSecretValue = "compliance-previous-secret-R4x8mQ2z7KpW";

    /// <summary>The value generated for secret <paramref name="settingName"/>: one word of at least 32 characters.</summary>
    public static string SecretFor(string settingName) => $"compliance-{settingName}-Q7x2m9K4p8Z1w3R6";

    /// <summary>A current secret and the setting that holds the previous one while it rotates.</summary>
    public sealed record RotationPair(string Current, string Previous);

    /// <summary>Every rotation pair in <paramref name="definition"/>.</summary>
    public static IReadOnlyList<RotationPair> RotationPairs(ConnectorSettingsDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var pairs = new List<RotationPair>();
        foreach (var previous in definition.Where(d => d.Secret && d.Name.StartsWith("previous", StringComparison.Ordinal) && d.Name.Length > "previous".Length))
        {
            var rest = previous.Name["previous".Length..];
            var current = char.ToLowerInvariant(rest[0]) + rest[1..];
            if (definition.Find(current) is { Secret: true })
            {
                pairs.Add(new RotationPair(current, previous.Name));
            }
        }

        return pairs;
    }

    /// <summary>True when <paramref name="setting"/> holds the old secret of a rotation pair (left out unless a test sets it).</summary>
    public static bool IsPreviousSecret(ConnectorSettingsDefinition definition, string setting) =>
        RotationPairs(definition).Any(p => p.Previous == setting);

    /// <summary>
    /// Valid-looking settings: <paramref name="given"/>, plus a generated value for each required setting and each
    /// current secret not given. Defaults are left to the schema.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> Generate(ConnectorSettingsDefinition definition, IReadOnlyDictionary<string, string?>? given = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var setting in definition)
        {
            if (given?.ContainsKey(setting.Name) == true)
            {
                continue;
            }

            if (setting.Secret && !IsPreviousSecret(definition, setting.Name))
            {
                values[setting.Name] = SecretFor(setting.Name);
            }
            else if (setting.Required)
            {
                values[setting.Name] = ValueFor(setting);
            }
        }

        foreach (var (name, value) in given ?? new Dictionary<string, string?>())
        {
            values[name] = value;
        }

        return values;
    }

    /// <summary>The setting whose value signs webhooks: the current secret of the only rotation pair, or the only secret setting.</summary>
    public static string SigningSecretSetting(ConnectorSettingsDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var pairs = RotationPairs(definition);
        if (pairs.Count == 1)
        {
            return pairs[0].Current;
        }

        var secrets = definition.Where(d => d.Secret).Select(d => d.Name).ToList();
        return secrets.Count == 1
            ? secrets[0]
            : throw new InvalidOperationException(
                $"Cannot tell which setting signs webhooks ({(secrets.Count == 0 ? "no secret settings" : string.Join(", ", secrets))}); set WebhookSignature.SecretSetting.");
    }

    /// <summary>A plausible value of a setting's type, for a required setting a test did not give.</summary>
    public static string ValueFor(SettingDefinition setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        if (setting.AllowedValues is { Count: > 0 } allowed)
        {
            return allowed[0];
        }

        return setting.Type switch
        {
            SettingType.Integer => "1",
            SettingType.Decimal => "1.5",
            SettingType.Boolean => "true",
            SettingType.Url => "https://pos.example.com/compliance",
            SettingType.List => "[\"compliance\"]",
            SettingType.Json => "{}",
            SettingType.Duration => "1m",
            _ => setting.Secret ? SecretFor(setting.Name) : "compliance-" + setting.Name,
        };
    }
}
