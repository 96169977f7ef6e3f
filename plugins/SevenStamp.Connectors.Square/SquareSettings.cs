using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Square;

/// <summary>The validated settings of one Square connector instance, in the shapes the task uses.</summary>
internal sealed record SquareSettings
{
    public static readonly Uri ProductionBaseUrl = new("https://connect.squareup.com/");
    public static readonly Uri SandboxBaseUrl = new("https://connect.squareupsandbox.com/");

    public required string AccessToken { get; init; }

    public required IReadOnlyList<string> SignatureKeys { get; init; }

    /// <summary>The notification URL exactly as written (and as registered in Square): it is part of what is signed.</summary>
    public required string NotificationUrl { get; init; }

    public required IReadOnlyList<string> LocationIds { get; init; }

    /// <summary>The API base, ending in '/'.</summary>
    public required Uri BaseUrl { get; init; }

    public required string SquareVersion { get; init; }

    public required TimeSpan CatchUpEvery { get; init; }

    public required TimeSpan CatchUpLookback { get; init; }

    public static SquareSettings From(ConnectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var baseUrl = settings.GetUrl("baseUrl")
            ?? (settings.GetString("environment") == "sandbox" ? SandboxBaseUrl : ProductionBaseUrl);
        return new SquareSettings
        {
            AccessToken = settings.GetRequiredString("accessToken").Trim(),
            SignatureKeys = [.. new[] { settings.GetString("signatureKey"), settings.GetString("previousSignatureKey") }.Where(k => !string.IsNullOrWhiteSpace(k)).Select(k => k!.Trim())],
            NotificationUrl = settings.GetUrl("notificationUrl")!.OriginalString,
            LocationIds = [.. settings.GetList("locationIds").Distinct(StringComparer.Ordinal)],
            BaseUrl = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/"),
            SquareVersion = settings.GetRequiredString("squareVersion"),
            CatchUpEvery = settings.GetDuration("catchUpEvery") ?? TimeSpan.FromMinutes(5),
            CatchUpLookback = settings.GetDuration("catchUpLookback") ?? TimeSpan.FromHours(24),
        };
    }
}
