using System.Text.Json;
using System.Text.RegularExpressions;

namespace SevenStamp.Connectors.Sdk;

/// <summary>
/// The <c>connector.json</c> file that ships next to a plugin's assembly. The host reads it before it
/// loads any code of the plugin, and refuses plugins built against an SDK it cannot run.
/// </summary>
public sealed partial record ConnectorManifest
{
    /// <summary>The file name the host looks for in each plugin folder.</summary>
    public const string FileName = "connector.json";

    /// <summary>The plugin id merchants name in their connector configuration, e.g. <c>generic-webhook</c>.</summary>
    public required string Id { get; init; }

    /// <summary>A human readable name.</summary>
    public required string Name { get; init; }

    /// <summary>The plugin's own version.</summary>
    public required Version Version { get; init; }

    /// <summary>The SDK ABI version the plugin was built against (see <see cref="SdkInfo.AbiVersion"/>).</summary>
    public required Version SdkVersion { get; init; }

    /// <summary>What the connector does, for listings.</summary>
    public string? Description { get; init; }

    /// <summary>True when <paramref name="id"/> is a valid plugin or connector id: lower-case letters, digits and dashes, 1–63 characters.</summary>
    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    /// <summary>Parses and validates a manifest. Throws <see cref="ConnectorManifestException"/> naming the field at fault.</summary>
    public static ConnectorManifest Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            throw new ConnectorManifestException(source, $"is not valid JSON (line {ex.LineNumber + 1}): {ex.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ConnectorManifestException(source, "must be a JSON object with the fields id, name, version and sdkVersion");
            }

            var id = RequiredString(root, "id", source);
            if (!IsValidId(id))
            {
                throw new ConnectorManifestException(source, $"field 'id' is '{id}': use lower-case letters, digits and dashes (1–63 characters), e.g. 'generic-webhook'");
            }

            return new ConnectorManifest
            {
                Id = id,
                Name = RequiredString(root, "name", source),
                Version = RequiredVersion(root, "version", source),
                SdkVersion = RequiredVersion(root, "sdkVersion", source),
                Description = OptionalString(root, "description"),
            };
        }
    }

    private static string RequiredString(JsonElement root, string field, string source)
    {
        var value = OptionalString(root, field);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ConnectorManifestException(source, $"field '{field}' is missing or empty");
        }

        return value;
    }

    private static string? OptionalString(JsonElement root, string field) =>
        root.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static Version RequiredVersion(JsonElement root, string field, string source)
    {
        var text = RequiredString(root, field, source);
        if (!Version.TryParse(text, out var version))
        {
            throw new ConnectorManifestException(source, $"field '{field}' is '{text}': write a version such as '1.0' or '1.2.3'");
        }

        return version;
    }

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
