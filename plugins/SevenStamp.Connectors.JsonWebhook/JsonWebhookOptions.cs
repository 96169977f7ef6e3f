using System.Text;
using System.Text.Json;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.JsonWebhook;

/// <summary>
/// The effective configuration of one instance: the preset's values, overridden by what the merchant gave,
/// compiled (paths parsed, conversions checked, template parsed). Built by <see cref="Resolve"/> for both
/// <see cref="JsonWebhookConnector.Validate"/> and the task, so what validates is exactly what runs.
/// </summary>
internal sealed class JsonWebhookOptions
{
    public const int MinSecretLength = 16;

    public required string Preset { get; init; }

    public required SaleMapping Mapping { get; init; }

    public JsonPath? Unwrap { get; init; }

    public required SignatureScheme Signature { get; init; }

    public string? EventIdHeader { get; init; }

    public JsonPath? EventIdPath { get; init; }

    public string? EventTypeHeader { get; init; }

    public JsonPath? EventTypePath { get; init; }

    public required IReadOnlyList<string> AcceptEventTypes { get; init; }

    /// <summary>The settings the preset fills in (a merchant's value for any of them wins).</summary>
    public static readonly string[] PresetSettings =
        ["mapping", "unwrap", "signatureAlgorithm", "signatureHeader", "signatureEncoding", "signaturePrefix", "signedContent", "eventIdHeader", "eventIdPath", "eventTypeHeader", "eventTypePath", "acceptEventTypes"];

    /// <summary>Resolves and compiles the settings; every problem is reported with the field it belongs to.</summary>
    public static JsonWebhookOptions? Resolve(ConnectorSettings settings, List<SettingError> errors)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var before = errors.Count;
        var presetName = settings.GetString("preset") ?? Presets.None;
        if (!Presets.All.TryGetValue(presetName, out var preset))
        {
            errors.Add(new SettingError("preset", $"'{JsonPath.Describe(presetName)}' is not a preset; use one of: {string.Join(", ", Presets.All.Keys)}"));
            preset = Presets.All[Presets.None];
        }

        string? Text(string name) => settings.GetString(name) is { Length: > 0 } given ? given : preset.GetValueOrDefault(name);

        // The mapping: the preset's, with the merchant's top-level fields replacing the preset's.
        var mappingErrors = new List<(string Field, string Message)>();
        var mapping = MergeMapping(preset.GetValueOrDefault("mapping"), settings.GetJson("mapping"), errors);
        SaleMapping? compiled = null;
        if (mapping is null)
        {
            if (errors.Count == before)
            {
                errors.Add(new SettingError("mapping", "is required without a preset: a JSON object saying where saleId, occurredAt, total and currency sit, e.g. { \"saleId\": \"$.id\", \"occurredAt\": \"$.created_at\", \"total\": \"$.total\", \"currency\": \"$.currency\" }"));
            }
        }
        else if (JsonText.FindBroken(mapping.Value) is { } broken)
        {
            errors.Add(new SettingError("mapping", $"{broken} {JsonText.NotText}"));
        }
        else
        {
            compiled = SaleMapping.Compile(mapping.Value, mappingErrors);
            errors.AddRange(mappingErrors.Select(e => new SettingError(e.Field, e.Message)));
        }

        var unwrap = OptionalPath("unwrap", Text("unwrap"), errors);
        var eventIdPath = OptionalPath("eventIdPath", Text("eventIdPath"), errors);
        var eventTypePath = OptionalPath("eventTypePath", Text("eventTypePath"), errors);
        var eventIdHeader = OptionalHeader("eventIdHeader", Text("eventIdHeader"), errors);
        var eventTypeHeader = OptionalHeader("eventTypeHeader", Text("eventTypeHeader"), errors);
        if (eventIdPath is not null && eventIdHeader is not null)
        {
            errors.Add(new SettingError("eventIdPath", "and eventIdHeader are both set; the event id comes from one place: keep one of them"));
        }

        if (eventTypePath is not null && eventTypeHeader is not null)
        {
            errors.Add(new SettingError("eventTypePath", "and eventTypeHeader are both set; the event type comes from one place: keep one of them"));
        }

        var accept = settings.GetList("acceptEventTypes") is { Count: > 0 } givenTypes
            ? givenTypes
            : (preset.GetValueOrDefault("acceptEventTypes")?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? []);
        if (accept.Count > 0 && eventTypePath is null && eventTypeHeader is null)
        {
            errors.Add(new SettingError("acceptEventTypes", "needs eventTypeHeader or eventTypePath: where the event type is read from"));
        }

        if (accept.Count == 0 && (eventTypePath is not null || eventTypeHeader is not null))
        {
            errors.Add(new SettingError("acceptEventTypes", "is required when an event type is read: list the event types that are sales (or refunds), e.g. [\"orders/paid\"]"));
        }

        if (compiled is { EventTypes.Count: > 0 } && eventTypePath is null && eventTypeHeader is null)
        {
            errors.Add(new SettingError("mapping.eventTypes", "needs eventTypeHeader or eventTypePath: where the event type that picks a mapping is read from"));
        }

        var signature = ResolveSignature(settings, Text, errors);
        if (errors.Count > before || compiled is null || signature is null)
        {
            return null;
        }

        return new JsonWebhookOptions
        {
            Preset = presetName,
            Mapping = compiled,
            Unwrap = unwrap,
            Signature = signature,
            EventIdHeader = eventIdHeader,
            EventIdPath = eventIdPath,
            EventTypeHeader = eventTypeHeader,
            EventTypePath = eventTypePath,
            AcceptEventTypes = accept,
        };
    }

    private static JsonElement? MergeMapping(string? presetMapping, JsonElement? given, List<SettingError> errors)
    {
        if (presetMapping is null)
        {
            return given;
        }

        if (given is null)
        {
            using var presetDocument = JsonDocument.Parse(presetMapping);
            return presetDocument.RootElement.Clone();
        }

        if (given.Value.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new SettingError("mapping", "must be a JSON object; with a preset it lists only the fields that differ from the preset's, e.g. { \"currency\": { \"value\": \"EUR\" } }"));
            return null;
        }

        using var document = JsonDocument.Parse(presetMapping);
        var merged = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            merged[property.Name] = property.Value.Clone();
        }

        foreach (var property in given.Value.EnumerateObject())
        {
            merged[property.Name] = property.Value.Clone();
        }

        return JsonSerializer.SerializeToElement(merged);
    }

    private static SignatureScheme? ResolveSignature(ConnectorSettings settings, Func<string, string?> text, List<SettingError> errors)
    {
        var before = errors.Count;
        var algorithmText = text("signatureAlgorithm") ?? "hmac-sha256";
        SignatureAlgorithm? algorithm = algorithmText switch
        {
            "hmac-sha256" => SignatureAlgorithm.HmacSha256,
            "hmac-sha1" => SignatureAlgorithm.HmacSha1,
            "bearer" => SignatureAlgorithm.Bearer,
            "none" => SignatureAlgorithm.None,
            _ => null,
        };
        if (algorithm is null)
        {
            errors.Add(new SettingError("signatureAlgorithm", $"'{JsonPath.Describe(algorithmText)}' is not supported; use hmac-sha256, hmac-sha1, bearer or none"));
            return null;
        }

        var secrets = new[] { settings.GetString("secret"), settings.GetString("previousSecret") }.Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).ToList();
        if (algorithm == SignatureAlgorithm.None)
        {
            if (settings.GetBoolean("allowUnsigned") != true)
            {
                errors.Add(new SettingError("signatureAlgorithm", "is 'none': anyone who knows the URL could then post sales. Use hmac-sha256, hmac-sha1 or bearer with a secret, or set allowUnsigned=true if the endpoint is reachable only from a trusted network"));
            }

            if (secrets.Count > 0)
            {
                errors.Add(new SettingError("secret", "is set but signatureAlgorithm is 'none', so it would never be checked; choose an algorithm or remove the secret"));
            }
        }
        else
        {
            if (settings.GetString("secret") is not { Length: > 0 })
            {
                errors.Add(new SettingError("secret", algorithm == SignatureAlgorithm.Bearer
                    ? "is required: the shared token the POS sends in the header"
                    : "is required: the signing secret from the POS's webhook settings (e.g. Shopify's client secret, Zettle's signing key)"));
            }

            foreach (var name in new[] { "secret", "previousSecret" })
            {
                if (settings.GetString(name) is { Length: > 0 } secret && (Encoding.UTF8.GetByteCount(secret) < MinSecretLength || secret.Any(char.IsControl)))
                {
                    errors.Add(new SettingError(name, $"is too short or contains line breaks: use the full secret, at least {MinSecretLength} characters"));
                }
            }
        }

        var encodingText = text("signatureEncoding") ?? "hex";
        SignatureEncoding? encoding = encodingText switch
        {
            "hex" => SignatureEncoding.Hex,
            "base64" or "hex-or-base64" => SignatureEncoding.Base64,
            _ => null,
        };
        if (encoding is null)
        {
            errors.Add(new SettingError("signatureEncoding", "must be 'hex', 'base64' or 'hex-or-base64'"));
        }

        var header = OptionalHeader("signatureHeader", text("signatureHeader"), errors)
            ?? (algorithm == SignatureAlgorithm.Bearer ? "Authorization" : "X-Signature");
        var prefix = text("signaturePrefix") ?? (algorithm == SignatureAlgorithm.Bearer && header.Equals("Authorization", StringComparison.OrdinalIgnoreCase) ? "Bearer " : string.Empty);
        if (prefix.Any(char.IsControl) || prefix.Length > 32)
        {
            errors.Add(new SettingError("signaturePrefix", "must be short text without line breaks, e.g. sha256="));
        }

        var templateText = text("signedContent") ?? "{body}";
        var template = SignatureScheme.ParseTemplate(templateText, out var problem);
        if (template is null)
        {
            errors.Add(new SettingError("signedContent", problem! + ". Example: {header:X-Timestamp}.{body}"));
        }
        else if (template.Count == 0)
        {
            errors.Add(new SettingError("signedContent", "is empty; the default {body} signs the raw body"));
        }
        else if (algorithm is SignatureAlgorithm.HmacSha1 or SignatureAlgorithm.HmacSha256 && !template.Any(p => p.Kind is SignatureScheme.PartKind.Body or SignatureScheme.PartKind.Json))
        {
            errors.Add(new SettingError("signedContent", "must include the body ({body}) or a part of it ({json:$.path}); a signature that covers no content proves nothing"));
        }

        return errors.Count > before || template is null || encoding is null
            ? null
            : SignatureScheme.Create(algorithm.Value, header, encoding.Value, prefix, template, secrets, eitherEncoding: encodingText == "hex-or-base64");
    }

    private static JsonPath? OptionalPath(string field, string? text, List<SettingError> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var path = JsonPath.TryParse(text, out var problem);
        if (path is null)
        {
            errors.Add(new SettingError(field, "path " + problem));
        }

        return path;
    }

    private static string? OptionalHeader(string field, string? text, List<SettingError> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var name = text.Trim();
        if (name.Length > 100 || !name.All(c => c > ' ' && c < 127 && c != ':'))
        {
            errors.Add(new SettingError(field, "must be a header name without spaces or colons, e.g. X-Webhook-Id"));
            return null;
        }

        return name;
    }
}
