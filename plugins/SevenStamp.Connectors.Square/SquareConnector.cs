using System.Globalization;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Square;

/// <summary>
/// The Square connector. Square posts signed webhooks for payments, orders and refunds; the connector verifies
/// them, reads each completed order through the Orders API and publishes it as a sale (its discounts as candidate
/// Redeem Codes), passes completed refunds on, and catches up on orders missed while the host was down.
/// </summary>
public sealed class SquareConnector : IPosConnector
{
    /// <summary>The Square-Version the connector was written and tested against.</summary>
    public const string DefaultSquareVersion = "2025-10-16";

    public ConnectorSettingsDefinition SettingsDefinition { get; } = new ConnectorSettingsDefinition()
        .Define("accessToken", SettingType.String, "The seller's Square access token (Developer Console → Credentials, or OAuth), with ORDERS_READ and PAYMENTS_READ.", required: true, secret: true)
        .Define("signatureKey", SettingType.String, "The signature key of the webhook subscription (Developer Console → Webhooks → Subscriptions → Signature key).", required: true, secret: true)
        .Define("previousSignatureKey", SettingType.String, "The old signature key while a key rotation is under way; webhooks signed with either are accepted.", secret: true)
        .Define("notificationUrl", SettingType.Url, "The notification URL exactly as registered in the Square webhook subscription (it is part of what Square signs), e.g. https://loyalty.example.com/webhooks/square-main.", required: true)
        .Define("locationIds", SettingType.List, "The Square location ids whose sales earn stamps, e.g. [\"L88917AVBK2S5\"]; events of other locations are ignored.", required: true)
        .DefineChoice("environment", "production or sandbox: which Square API the connector calls.", ["production", "sandbox"], defaultValue: "production")
        .Define("baseUrl", SettingType.Url, "Overrides the Square API base URL (for tests and proxies); by default it follows the environment.")
        .Define("squareVersion", SettingType.String, "The Square-Version header sent with every API call.", defaultValue: DefaultSquareVersion)
        .Define("catchUpEvery", SettingType.Duration, "How often the connector searches Square for completed orders it missed (e.g. while the host was down).", defaultValue: "5m")
        .Define("catchUpLookback", SettingType.Duration, "How far back the very first catch-up looks; later ones continue where the last one stopped.", defaultValue: "24h");

    /// <summary>Timeouts and retries of the API client; tests shorten them.</summary>
    internal SquareClientOptions ClientOptions { get; init; } = new();

    public IEnumerable<SettingError> Validate(ConnectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        List<SettingError> errors = [];

        foreach (var name in new[] { "accessToken", "signatureKey", "previousSignatureKey" })
        {
            if (settings.GetString(name) is { } secret && (string.IsNullOrWhiteSpace(secret) || secret.Trim().Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
            {
                errors.Add(new SettingError(name, "must be one word without spaces or line breaks; copy it again from the Square Developer Console"));
            }
        }

        if (settings.GetUrl("notificationUrl") is { } notification)
        {
            if (!IsHttpsOrLoopback(notification))
            {
                errors.Add(new SettingError("notificationUrl", "must be an https URL (Square only posts to https), or http on a loopback address for local tests"));
            }
            else if (notification.OriginalString.Contains('#', StringComparison.Ordinal))
            {
                errors.Add(new SettingError("notificationUrl", "must not contain a '#' fragment; write the URL exactly as registered in Square"));
            }
        }

        var locations = settings.GetList("locationIds");
        if (locations.Count == 0)
        {
            errors.Add(new SettingError("locationIds", "must list at least one Square location id, e.g. [\"L88917AVBK2S5\"]"));
        }

        foreach (var id in locations.Where(id => id.Length > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            errors.Add(new SettingError("locationIds", $"'{Shorten(id)}' is not a Square location id (letters and digits, as shown under Locations in the Square Dashboard)"));
        }

        foreach (var id in locations.GroupBy(id => id, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key))
        {
            errors.Add(new SettingError("locationIds", $"lists '{Shorten(id)}' more than once"));
        }

        if (settings.GetUrl("baseUrl") is { } baseUrl && !IsHttpsOrLoopback(baseUrl))
        {
            errors.Add(new SettingError("baseUrl", "must be an https URL, or http on a loopback address for local tests"));
        }

        if (settings.GetString("squareVersion") is not { } version
            || !DateOnly.TryParseExact(version, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            errors.Add(new SettingError("squareVersion", $"must be a Square API version date such as {DefaultSquareVersion}"));
        }

        if (settings.GetDuration("catchUpEvery") is { } every && (every < TimeSpan.FromSeconds(10) || every > TimeSpan.FromDays(1)))
        {
            errors.Add(new SettingError("catchUpEvery", "must be between 10s and 24h"));
        }

        if (settings.GetDuration("catchUpLookback") is { } lookback && lookback > TimeSpan.FromDays(31))
        {
            errors.Add(new SettingError("catchUpLookback", "must be at most 31 days"));
        }

        return errors;
    }

    public IConnectorTask CreateTask(ConnectorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new SquareTask(context, ClientOptions);
    }

    private static bool IsHttpsOrLoopback(Uri uri) => uri.Scheme == Uri.UriSchemeHttps || uri.IsLoopback;

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
