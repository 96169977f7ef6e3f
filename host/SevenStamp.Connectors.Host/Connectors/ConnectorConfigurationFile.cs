using System.Text.Json;
using System.Text.RegularExpressions;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Http;

namespace SevenStamp.Connectors.Host.Connectors;

/// <summary>
/// Reads the merchant's connector file:
/// <code>
/// { "connectors": [ { "id": "shop", "plugin": "generic-webhook", "merchantId": "cafe-1",
///                     "enabled": true, "settings": { "signingSecret": "${env:SHOP_SECRET}" } } ] }
/// </code>
/// Setting values may be strings, numbers, booleans, arrays or objects (kept as JSON text), and
/// <c>${env:NAME}</c> takes a value from the environment so secrets stay out of the file. A broken entry is
/// reported and skipped; the others are returned.
/// </summary>
public static partial class ConnectorConfigurationFile
{
    public static (IReadOnlyList<ConnectorInstanceConfig> Connectors, IReadOnlyList<ConnectorConfigError> Errors) Load(string path, Func<string, string?>? environment = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            return ([], [new ConnectorConfigError(null, Path.GetFileName(path), $"file not found at {path}; create it or set SevenStamp:ConnectorsFile")]);
        }

        return Parse(File.ReadAllText(path), environment ?? Environment.GetEnvironmentVariable);
    }

    public static (IReadOnlyList<ConnectorInstanceConfig> Connectors, IReadOnlyList<ConnectorConfigError> Errors) Parse(string json, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(environment);
        var connectors = new List<ConnectorInstanceConfig>();
        var errors = new List<ConnectorConfigError>();

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 32 });
        }
        catch (JsonException ex)
        {
            return ([], [new ConnectorConfigError(null, "(file)", $"is not valid JSON at line {ex.LineNumber + 1}, position {ex.BytePositionInLine + 1}")]);
        }

        using (document)
        {
            // A key given twice (the last would silently win) or a broken \u escape is named, never thrown.
            if (JsonBody.Check(document.RootElement, string.Empty) is { } broken)
            {
                return ([], [new ConnectorConfigError(null, broken.Field, broken.Message)]);
            }

            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("connectors", out var list)
                || list.ValueKind != JsonValueKind.Array)
            {
                return ([], [new ConnectorConfigError(null, "connectors", "the file must be an object with a \"connectors\" array")]);
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            var index = 0;
            foreach (var entry in list.EnumerateArray())
            {
                var label = $"connectors[{index++}]";
                if (entry.ValueKind != JsonValueKind.Object)
                {
                    errors.Add(new ConnectorConfigError(null, label, "must be an object with id, plugin, merchantId and settings"));
                    continue;
                }

                var id = GetString(entry, "id");
                if (!ConnectorManifest.IsValidId(id))
                {
                    errors.Add(new ConnectorConfigError(null, label + ".id", id is null
                        ? "is required: a short name for this connector, used in its webhook URL, e.g. \"shop-webhook\""
                        : "must be lower-case letters, digits and dashes (1–63 characters), e.g. \"shop-webhook\""));
                    continue;
                }

                var entryErrors = new List<ConnectorConfigError>();
                if (!seen.Add(id!))
                {
                    entryErrors.Add(new ConnectorConfigError(id, "id", "is used by an earlier connector; connector ids must be unique"));
                }

                var plugin = GetString(entry, "plugin");
                if (string.IsNullOrWhiteSpace(plugin))
                {
                    entryErrors.Add(new ConnectorConfigError(id, "plugin", "is required: the id of the plugin that runs this connector, e.g. \"generic-webhook\""));
                }

                var merchantId = GetString(entry, "merchantId");
                if (string.IsNullOrWhiteSpace(merchantId) || merchantId.Length > 64)
                {
                    entryErrors.Add(new ConnectorConfigError(id, "merchantId", "is required: the merchant whose stamp cards this connector's sales count towards (at most 64 characters)"));
                }

                var enabled = true;
                if (entry.TryGetProperty("enabled", out var enabledElement))
                {
                    if (enabledElement.ValueKind is JsonValueKind.True or JsonValueKind.False)
                    {
                        enabled = enabledElement.GetBoolean();
                    }
                    else
                    {
                        entryErrors.Add(new ConnectorConfigError(id, "enabled", "must be true or false"));
                    }
                }

                var isolation = ReadIsolation(entry, id!, entryErrors);
                if (!ConnectorSourceSystem.TryRead(entry, out var sourceSystem))
                {
                    entryErrors.Add(new ConnectorConfigError(id, "sourceSystem", ConnectorSourceSystem.Expected));
                }

                var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
                if (entry.TryGetProperty("settings", out var settingsElement))
                {
                    if (settingsElement.ValueKind != JsonValueKind.Object)
                    {
                        entryErrors.Add(new ConnectorConfigError(id, "settings", "must be an object of setting names and values"));
                    }
                    else
                    {
                        foreach (var setting in settingsElement.EnumerateObject())
                        {
                            var (value, problem) = ReadSetting(setting.Value, environment);
                            if (problem is not null)
                            {
                                entryErrors.Add(new ConnectorConfigError(id, "settings." + setting.Name, problem));
                            }
                            else
                            {
                                settings[setting.Name] = value;
                            }
                        }
                    }
                }

                if (entryErrors.Count > 0)
                {
                    errors.AddRange(entryErrors);
                    continue;
                }

                connectors.Add(new ConnectorInstanceConfig(id!, plugin!, merchantId!, enabled, settings) { Isolation = isolation, SourceSystem = sourceSystem });
            }
        }

        return (connectors, errors);
    }

    /// <summary><c>"isolation"</c>: <c>"in-process"</c> (default) or <c>"process"</c>.</summary>
    private static Isolation.ConnectorIsolation ReadIsolation(JsonElement entry, string id, List<ConnectorConfigError> errors)
    {
        if (ConnectorEntryFields.TryReadIsolation(entry, out var isolation))
        {
            return isolation ?? Isolation.ConnectorIsolation.InProcess;
        }

        errors.Add(new ConnectorConfigError(id, "isolation", Isolation.ConnectorIsolationNames.Expected));
        return Isolation.ConnectorIsolation.InProcess;
    }

    private static string? GetString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>A setting's value (<see cref="ConnectorEntryFields.SettingValue"/>), a whole-string <c>${env:NAME}</c> taken from the environment.</summary>
    private static (string? Value, string? Problem) ReadSetting(JsonElement value, Func<string, string?> environment)
    {
        var text = ConnectorEntryFields.SettingValue(value);
        if (value.ValueKind != JsonValueKind.String)
        {
            return (text, null);
        }

        var reference = EnvironmentReference().Match(text!);
        if (!reference.Success)
        {
            return (text, null);
        }

        var name = reference.Groups["name"].Value;
        var resolved = environment(name);
        return string.IsNullOrEmpty(resolved)
            ? (null, $"refers to environment variable {name}, which is not set")
            : (resolved, null);
    }

    [GeneratedRegex(@"^\$\{env:(?<name>[A-Za-z_][A-Za-z0-9_]*)\}$", RegexOptions.CultureInvariant)]
    private static partial Regex EnvironmentReference();
}
