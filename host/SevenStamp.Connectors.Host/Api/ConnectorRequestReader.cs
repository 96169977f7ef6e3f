using System.Text.Json;
using SevenStamp.Connectors.Host.Connectors;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Http;

namespace SevenStamp.Connectors.Host.Api;

/// <summary>
/// Reads the connector management API's request bodies by hand rather than through the serializer, so that every
/// problem is told at once, each named by its field (an unknown field, a value of the wrong type, a bad isolation or
/// source system), and setting values keep the shape the connectors file gives them. The fields both places take
/// are read by <see cref="ConnectorEntryFields"/>.
/// </summary>
internal static class ConnectorRequestReader
{
    private static readonly string[] RequestFields = ["id", "plugin", "merchantId", "settings", "paused", "isolation", "sourceSystem"];
    private static readonly string[] DryRunFields = ["body", "headers"];

    /// <summary>Reads a connector request: id, plugin, merchantId, settings, paused; every problem named by field.</summary>
    public static Task<(ConnectorDraft? Draft, List<SettingError> Errors)> ReadDraftAsync(HttpRequest request, CancellationToken cancellationToken) =>
        ReadObjectAsync(
            request,
            "{\"id\", \"plugin\", \"merchantId\", \"settings\", \"paused\", \"isolation\", \"sourceSystem\"}",
            RequestFields,
            $"unknown field; a connector has {string.Join(", ", RequestFields)} (settings go inside \"settings\")",
            ReadDraft,
            cancellationToken);

    private static ConnectorDraft ReadDraft(JsonElement root, List<SettingError> errors)
    {
        var id = Text(root, "id", errors);
        var plugin = Text(root, "plugin", errors);
        var merchantId = Text(root, "merchantId", errors);
        bool? paused = null;
        if (root.TryGetProperty("paused", out var pausedElement) && pausedElement.ValueKind != JsonValueKind.Null)
        {
            if (pausedElement.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                paused = pausedElement.GetBoolean();
            }
            else
            {
                errors.Add(new SettingError("paused", "must be true or false"));
            }
        }

        if (!ConnectorEntryFields.TryReadIsolation(root, out var isolation))
        {
            errors.Add(new SettingError("isolation", Isolation.ConnectorIsolationNames.Expected));
        }

        if (!ConnectorSourceSystem.TryRead(root, out var sourceSystem))
        {
            errors.Add(new SettingError("sourceSystem", ConnectorSourceSystem.Expected));
        }

        IReadOnlyDictionary<string, string?>? settings = null;
        if (root.TryGetProperty("settings", out var settingsElement) && settingsElement.ValueKind != JsonValueKind.Null)
        {
            var (read, settingErrors) = ReadSettings(settingsElement, "settings");
            settings = read;
            errors.AddRange(settingErrors);
        }

        return new ConnectorDraft(id, plugin, merchantId, settings, paused) { Isolation = isolation, SourceSystem = sourceSystem };
    }

    /// <summary>
    /// Reads the body of a settings validation: the settings object itself, or <c>{"settings": {...}}</c> when the
    /// plugin has no setting called <c>settings</c>.
    /// </summary>
    public static async Task<(Dictionary<string, string?>? Settings, List<SettingError> Errors)> ReadSettingsAsync(HttpRequest request, ConnectorSettingsDefinition definition, CancellationToken cancellationToken)
    {
        var (document, bodyError) = await JsonBody.ParseAsync(request.Body, cancellationToken);
        if (document is null)
        {
            return (null, [bodyError!]);
        }

        using (document)
        {
            var element = document.RootElement;
            if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty("settings", out var nested) && nested.ValueKind == JsonValueKind.Object && definition.Find("settings") is null)
            {
                element = nested;
            }

            return ReadSettings(element, "body");
        }
    }

    /// <summary>Reads a dry run's body: <c>{"body": "...", "headers": {"name": "value"}}</c>; every problem named by field.</summary>
    public static Task<(DryRunRequest? Sample, List<SettingError> Errors)> ReadDryRunAsync(HttpRequest request, CancellationToken cancellationToken) =>
        ReadObjectAsync(
            request,
            "{\"body\": \"the webhook's body\", \"headers\": {\"name\": \"value\"}}",
            DryRunFields,
            "unknown field; a dry run has body and headers",
            ReadDryRun,
            cancellationToken);

    private static DryRunRequest ReadDryRun(JsonElement root, List<SettingError> errors)
    {
        var body = Text(root, "body", errors);
        if (body is null && !errors.Any(e => e.Field == "body"))
        {
            errors.Add(new SettingError("body", "is required: the webhook's body exactly as the point of sale sends it, as a string"));
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (root.TryGetProperty("headers", out var headersElement) && headersElement.ValueKind != JsonValueKind.Null)
        {
            if (headersElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new SettingError("headers", "must be an object of header names and values, e.g. {\"X-SevenStamp-Signature\": \"...\"}"));
            }
            else
            {
                foreach (var header in headersElement.EnumerateObject())
                {
                    if (header.Value.ValueKind != JsonValueKind.String)
                    {
                        errors.Add(new SettingError("headers." + header.Name, "must be a string"));
                    }
                    else
                    {
                        headers[header.Name] = header.Value.GetString()!;
                    }
                }
            }
        }

        return new DryRunRequest(body ?? string.Empty, headers);
    }

    /// <summary>
    /// Reads a request body that must be a JSON object of <paramref name="fields"/> (<paramref name="shape"/> says
    /// which, for the answer to anything else): each unknown field is named with <paramref name="unknown"/>, then
    /// <paramref name="read"/> reads the object and names what else is wrong. Nothing is returned when anything is.
    /// </summary>
    private static async Task<(T? Value, List<SettingError> Errors)> ReadObjectAsync<T>(
        HttpRequest request, string shape, string[] fields, string unknown, Func<JsonElement, List<SettingError>, T> read, CancellationToken cancellationToken)
        where T : class
    {
        var (document, bodyError) = await JsonBody.ParseAsync(request.Body, cancellationToken);
        if (document is null)
        {
            return (null, [bodyError!]);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, [new SettingError("body", "must be a JSON object: " + shape)]);
            }

            var errors = root.EnumerateObject().Where(p => !fields.Contains(p.Name, StringComparer.Ordinal)).Select(p => new SettingError(p.Name, unknown)).ToList();
            var value = read(root, errors);
            return errors.Count > 0 ? (null, errors) : (value, errors);
        }
    }

    private static string? Text(JsonElement root, string name, List<SettingError> errors)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(new SettingError(name, "must be a string"));
            return null;
        }

        return value.GetString();
    }

    /// <summary>Setting values as the connector file takes them: strings as they are, other JSON values as their JSON text.</summary>
    private static (Dictionary<string, string?>? Settings, List<SettingError> Errors) ReadSettings(JsonElement element, string field)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return (null, [new SettingError(field, "must be an object of setting names and values, e.g. {\"signingSecret\": \"${env:SHOP_SECRET}\"}")]);
        }

        var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var setting in element.EnumerateObject())
        {
            settings[setting.Name] = ConnectorEntryFields.SettingValue(setting.Value);
        }

        return (settings, []);
    }
}
