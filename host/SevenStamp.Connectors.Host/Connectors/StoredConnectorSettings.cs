using System.Text.Json;
using System.Text.RegularExpressions;

namespace SevenStamp.Connectors.Host.Connectors;

/// <summary>
/// The settings of an API-managed connector as stored: a JSON object of setting names and text values, where a
/// secret is either encrypted (<c>enc:v1:…</c>) or an <c>${env:NAME}</c> reference resolved when the connector starts.
/// </summary>
internal static partial class StoredConnectorSettings
{
    public static Dictionary<string, string> Parse(string json)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(json);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.String)
            {
                result[property.Name] = property.Value.GetString()!;
            }
        }

        return result;
    }

    public static string Serialize(IReadOnlyDictionary<string, string> settings) =>
        JsonSerializer.Serialize(settings.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));

    /// <summary>The variable name of an <c>${env:NAME}</c> reference, or null.</summary>
    public static string? EnvironmentName(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var match = EnvironmentReference().Match(value);
        return match.Success ? match.Groups["name"].Value : null;
    }

    /// <summary>
    /// The value a connector gets for a stored one: environment references resolved, secrets decrypted; or a
    /// problem in words (never a value).
    /// </summary>
    public static (string? Value, string? Problem) Resolve(string connectorId, string field, string stored, ConnectorSecrets secrets, Func<string, string?> environment)
    {
        if (EnvironmentName(stored) is { } name)
        {
            var resolved = environment(name);
            return string.IsNullOrEmpty(resolved) ? (null, $"refers to environment variable {name}, which is not set on this host") : (resolved, null);
        }

        return secrets.Unprotect(connectorId, field, stored);
    }

    [GeneratedRegex(@"^\$\{env:(?<name>[A-Za-z_][A-Za-z0-9_]*)\}$", RegexOptions.CultureInvariant)]
    private static partial Regex EnvironmentReference();
}
