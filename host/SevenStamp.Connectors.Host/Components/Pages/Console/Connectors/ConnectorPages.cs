using System.Text;
using SevenStamp.Connectors.Host.Api;
using SevenStamp.Connectors.Host.Connectors;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Host.Components.Pages.Console.Connectors;

/// <summary>
/// What the connector pages share: finding this merchant's connector (another merchant's is as if it did not exist),
/// reading a form generated from a plugin's settings schema back into the settings the management service takes, and
/// the words a merchant reads for a state.
/// </summary>
internal static class ConnectorPages
{
    /// <summary>The prefix of a generated setting input's name: <c>setting.signingSecret</c>.</summary>
    public const string SettingPrefix = "setting.";

    /// <summary>This merchant's connector <paramref name="id"/> (from the file or the API) with its status, or null.</summary>
    public static async Task<ConnectorView?> FindAsync(ConnectorManagement management, string merchantId, string? id, CancellationToken cancellationToken)
    {
        if (!ConnectorManifest.IsValidId(id))
        {
            return null;
        }

        var list = await ConnectorApi.ListViewsAsync(management, merchantId, cancellationToken);
        return list.Connectors.FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.Ordinal));
    }

    /// <summary>
    /// The settings a generated form posted: each setting the schema declares, as typed (an empty value left out, so
    /// the plugin's default applies; a secret left empty is left out, so a replace keeps the stored one). A checkbox
    /// posts a hidden "false" and, when ticked, "true".
    /// </summary>
    public static Dictionary<string, string?> ReadSettings(IFormCollection form, ConnectorSettingsDefinition definition)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var setting in definition)
        {
            var values = form[SettingPrefix + setting.Name];
            if (setting.Type == SettingType.Boolean)
            {
                if (values.Count > 0)
                {
                    settings[setting.Name] = values.Contains("true") ? "true" : "false";
                }

                continue;
            }

            var value = values.ToString();
            if (!string.IsNullOrWhiteSpace(value))
            {
                settings[setting.Name] = setting.Secret ? value : value.Trim();
            }
        }

        return settings;
    }

    /// <summary>A free connector id for a new connector: the merchant's id and the plugin's, numbered when taken.</summary>
    public static async Task<string> SuggestIdAsync(ConnectorManagement management, string merchantId, string pluginId, CancellationToken cancellationToken)
    {
        var stem = new StringBuilder();
        foreach (var c in $"{merchantId}-{pluginId}".ToLowerInvariant())
        {
            stem.Append(char.IsAsciiLetterOrDigit(c) ? c : '-');
        }

        var text = stem.ToString().Trim('-');
        text = text.Length > 56 ? text[..56].Trim('-') : text;
        for (var n = 1; n < 100; n++)
        {
            var candidate = n == 1 ? text : $"{text}-{n}";
            if (ConnectorManifest.IsValidId(candidate) && !management.Supervisor.IsDefinedInFile(candidate) && !management.Supervisor.TryGet(candidate, out _)
                && await management.FindAsync(candidate, cancellationToken) is null)
            {
                return candidate;
            }
        }

        return string.Empty;
    }

    /// <summary>The address the POS sends this connector's webhooks to, as this request reached the host.</summary>
    public static string WebhookUrl(HttpRequest request, string id) => $"{request.Scheme}://{request.Host}/webhooks/{id}";

    /// <summary>Whether the connector takes webhooks: a running one says so; one not running is given the benefit of the doubt.</summary>
    public static bool ReceivesWebhooks(ConnectorManagement management, string id) =>
        !management.Supervisor.TryGet(id, out var runtime) || runtime.Task is null || runtime.Task is IWebhookReceiver;

    /// <summary>A setting's name as a label: <c>signingSecret</c> reads "Signing secret".</summary>
    public static string Label(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (i == 0)
            {
                text.Append(char.ToUpperInvariant(c));
            }
            else if (char.IsUpper(c) && !char.IsUpper(name[i - 1]))
            {
                text.Append(' ').Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }

    /// <summary>The input a setting is typed into, by its type.</summary>
    public static string InputType(SettingDefinition setting) => setting switch
    {
        { Secret: true } => "password",
        { Type: SettingType.Integer or SettingType.Decimal } => "number",
        { Type: SettingType.Url } => "url",
        _ => "text",
    };

    /// <summary>A state in the merchant's words.</summary>
    public static string StateText(string state) => state switch
    {
        "running" => "Running",
        "paused" => "Paused",
        "pending" => "Starting",
        "failed" => "Not working",
        "disabled" => "Switched off in the connector file",
        "stopped" => "Stopped",
        "shadowed" => "Replaced by the connector file",
        _ => state,
    };

    /// <summary>The badge class of a state (site.css).</summary>
    public static string Badge(string state) => state switch
    {
        "running" or "paused" or "pending" or "failed" or "stopped" => state,
        "shadowed" or "disabled" => "stopped",
        _ => string.Empty,
    };

    /// <summary>A point in time for the merchant: "never", or the UTC date and time to the minute.</summary>
    public static string When(DateTimeOffset? at) => at is { } value ? value.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture) : "never";
}
