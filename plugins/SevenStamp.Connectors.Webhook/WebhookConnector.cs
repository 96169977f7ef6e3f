using System.Text;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Webhook;

/// <summary>
/// The generic JSON webhook connector. A POS (or middleware such as Zapier) posts SevenStamp event JSON signed
/// with HMAC-SHA256 of the raw body under a shared secret.
/// </summary>
public sealed class WebhookConnector : IPosConnector
{
    public ConnectorSettingsDefinition SettingsDefinition { get; } = new ConnectorSettingsDefinition()
        .Define("signingSecret", SettingType.String, "The shared secret the sender signs each body with (HMAC-SHA256); at least 16 characters.", required: true, secret: true)
        .Define("previousSigningSecret", SettingType.String, "The old secret while a rotation is under way; requests signed with either are accepted.", secret: true)
        .Define("signatureHeader", SettingType.String, "The request header that carries the signature.", defaultValue: WebhookTask.DefaultSignatureHeader)
        .DefineChoice("signatureEncoding", "How the signature is written: hex or base64. A leading 'sha256=' is accepted either way.", ["hex", "base64"], defaultValue: "hex");

    public IEnumerable<SettingError> Validate(ConnectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var name in new[] { "signingSecret", "previousSigningSecret" })
        {
            if (settings.GetString(name) is { } secret && Encoding.UTF8.GetByteCount(secret) < 16)
            {
                yield return new SettingError(name, "is too short: use at least 16 characters (32 random bytes, base64, is better)");
            }
        }

        if (string.IsNullOrWhiteSpace(settings.GetString("signatureHeader")) || settings.GetString("signatureHeader")!.Any(c => c <= ' ' || c == ':'))
        {
            yield return new SettingError("signatureHeader", "must be a header name without spaces or colons, e.g. X-SevenStamp-Signature");
        }
    }

    public IConnectorTask CreateTask(ConnectorContext context) => new WebhookTask(context);
}
