using System.Text;
using SevenStamp.Connectors.Sdk;

namespace Company.PosConnector1;

/// <summary>
/// The plugin's entry point: the host finds this one public <see cref="IPosConnector"/> class, creates it with its
/// parameterless constructor, shows <see cref="SettingsDefinition"/> to merchants, and calls <see cref="CreateTask"/>
/// for each connector a merchant configures with this plugin's id.
/// </summary>
public sealed class PosConnector : IPosConnector
{
    /// <summary>The request header that carries the signature: hex HMAC-SHA256 of the raw body.</summary>
    public const string SignatureHeader = "X-Pos-Signature";

    /// <summary>The shortest signing secret accepted, in UTF-8 bytes.</summary>
    public const int MinimumSecretBytes = 16;

    public ConnectorSettingsDefinition SettingsDefinition { get; } = new ConnectorSettingsDefinition()
        .Define("signingSecret", SettingType.String, "The secret the point of sale signs each webhook body with (HMAC-SHA256); at least 16 characters.", required: true, secret: true)
        .Define("previousSigningSecret", SettingType.String, "The old secret while a rotation is under way: bodies signed with either secret are accepted until you remove it.", secret: true);

    public IEnumerable<SettingError> Validate(ConnectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var name in new[] { "signingSecret", "previousSigningSecret" })
        {
            // Never repeat the value in a message: it is a secret.
            if (settings.GetString(name) is { } secret && Encoding.UTF8.GetByteCount(secret) < MinimumSecretBytes)
            {
                yield return new SettingError(name, $"is too short: use at least {MinimumSecretBytes} characters (32 random bytes, base64, is better)");
            }
        }
    }

    public IConnectorTask CreateTask(ConnectorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new PosWebhookTask(context);
    }
}
