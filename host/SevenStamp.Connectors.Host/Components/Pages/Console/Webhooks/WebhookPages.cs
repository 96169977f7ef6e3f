using System.Globalization;
using Microsoft.Extensions.Localization;
using SevenStamp.Webhooks;

namespace SevenStamp.Connectors.Host.Components.Pages.Console.Webhooks;

/// <summary>
/// What the webhook pages share: reading the events form back into what the subscriptions service takes, and the
/// words a merchant reads for a subscription's events and a delivery's state. The rules themselves are the service's.
/// </summary>
internal static class WebhookPages
{
    /// <summary>How far back "Send again since" reaches, by the choice the form posts.</summary>
    public static readonly IReadOnlyList<(string Value, string Text, TimeSpan Back)> ReplayChoices =
    [
        ("hour", "The last hour", TimeSpan.FromHours(1)),
        ("day", "The last 24 hours", TimeSpan.FromHours(24)),
        ("week", "The last 7 days", TimeSpan.FromDays(7)),
    ];

    /// <summary>The delivery log's filter: the service's status words, "all" for none.</summary>
    public static readonly IReadOnlyList<(string Value, string Text)> StatusChoices =
    [
        ("all", "All"),
        ("pending", "Pending"),
        ("delivered", "Delivered"),
        ("failed", "Failed"),
    ];

    /// <summary>A new signing secret on its way to the webhook's page, shown there once: made when it was added, or by a rotation.</summary>
    public sealed record KeptSecret(string Secret, bool Rotated);

    /// <summary>The page of one webhook.</summary>
    public static string PathOf(Guid subscriptionId) => $"/console/webhooks/{subscriptionId}";

    /// <summary>What a kept secret is for: this merchant's subscription, so no other page or merchant takes it.</summary>
    public static string SecretPurpose(string merchantId, Guid subscriptionId) => $"webhook-secret:{merchantId}:{subscriptionId}";

    /// <summary>A subscription's events as the list shows them: "All events", or their names.</summary>
    public static string EventsText(IReadOnlyList<string> events, IStringLocalizer localizer) =>
        IsAll(events) ? localizer["All events"] : string.Join(", ", events);

    /// <summary>Whether a subscription hears every event, those added later too.</summary>
    public static bool IsAll(IReadOnlyList<string> events) => events.Count == 0 || events.Contains(WebhookEvents.All);

    /// <summary>A point in time for the merchant: the UTC date and time to the second.</summary>
    public static string When(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>Where a delivery stands, in the merchant's words.</summary>
    public static string StatusText(WebhookDeliveryView delivery, IStringLocalizer localizer) => delivery.Status switch
    {
        "delivered" => localizer["Delivered"],
        "failed" => localizer["Failed"],
        "pending" when delivery.NextAttemptAt is { } next => localizer["Pending — next try at {0}", When(next)],
        "pending" => localizer["Pending"],
        var other => other,
    };

    /// <summary>The badge class (site.css) of a delivery's status.</summary>
    public static string Badge(string status) => status switch
    {
        "delivered" => "running",
        "pending" => "pending",
        "failed" => "failed",
        _ => string.Empty,
    };
}
