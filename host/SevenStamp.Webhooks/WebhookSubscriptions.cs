using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Loyalty.Data;
using SevenStamp.Webhooks.Data;
using SevenStamp.Webhooks.Delivery;

namespace SevenStamp.Webhooks;

/// <summary>What a merchant sends to create or change a subscription; on a change, what is left out stays as it is.</summary>
public sealed record WebhookSubscriptionInput
{
    /// <summary>The endpoint: an https URL on the public internet.</summary>
    public string? Url { get; init; }

    /// <summary>The events it hears (see <see cref="WebhookEvents"/>); empty or <c>*</c> for all.</summary>
    public IReadOnlyList<string>? Events { get; init; }

    public string? Description { get; init; }

    /// <summary>Whether events are sent; enabling a disabled subscription clears why it was disabled.</summary>
    public bool? Enabled { get; init; }
}

/// <summary>A subscription as the API and the console show it: never its secrets.</summary>
public sealed record WebhookSubscriptionView(
    Guid Id,
    string Url,
    IReadOnlyList<string> Events,
    string? Description,
    bool Enabled,
    string? DisabledReason,
    DateTimeOffset? DisabledAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? PreviousSecretValidUntil)
{
    internal static WebhookSubscriptionView Of(WebhookSubscription s, DateTimeOffset now) => new(
        s.Id, s.Url, WebhookEvents.Of(s.Events), s.Description, s.Enabled, s.DisabledReason, s.DisabledAt, s.CreatedAt, s.UpdatedAt,
        s.PreviousSecretUntil > now ? s.PreviousSecretUntil : null);
}

/// <summary>A new subscription or a rotated secret: the secret is shown this once.</summary>
public sealed record WebhookSecretShown(WebhookSubscriptionView Subscription, string Secret);

/// <summary>One delivery as the delivery log shows it.</summary>
public sealed record WebhookDeliveryView(
    long Id,
    string MessageId,
    string Event,
    Guid? CardId,
    DateTimeOffset OccurredAt,
    string Status,
    int Attempts,
    int? LastStatusCode,
    int? LastLatencyMs,
    string? LastError,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? DeliveredAt);

/// <summary>
/// Subscriptions and their delivery logs, for one merchant at a time: the one set of rules the API and the console
/// both call. Every method takes the merchant and finds nothing of another's.
/// </summary>
public sealed class WebhookSubscriptions(WebhooksDbContext db, WebhookSecrets secrets, WriteTurns turns, WebhookSignal signal, TimeProvider time, IOptionsMonitor<WebhooksOptions> options)
{
    /// <summary>At most this many subscriptions per merchant.</summary>
    public const int MaxPerMerchant = 20;

    public const int MaxPage = 200;

    public async Task<IReadOnlyList<WebhookSubscriptionView>> ListAsync(string merchantId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var rows = await db.Subscriptions.AsNoTracking().Where(s => s.MerchantId == merchantId).ToListAsync(cancellationToken);
        return [.. rows.OrderBy(s => s.CreatedAt).Select(s => WebhookSubscriptionView.Of(s, now))];
    }

    public async Task<WebhookSubscriptionView?> FindAsync(string merchantId, Guid id, CancellationToken cancellationToken) =>
        await db.Subscriptions.AsNoTracking().SingleOrDefaultAsync(s => s.MerchantId == merchantId && s.Id == id, cancellationToken) is { } s
            ? WebhookSubscriptionView.Of(s, time.GetUtcNow())
            : null;

    /// <summary>Creates a subscription (enabled unless said otherwise) with a new secret, shown once; or the errors, by field.</summary>
    public async Task<(WebhookSecretShown? Created, IReadOnlyList<SettingError> Errors)> CreateAsync(string merchantId, WebhookSubscriptionInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new List<SettingError>();
        if (await WebhookAddresses.ProblemAsync(input.Url, options.CurrentValue, cancellationToken) is { } urlProblem)
        {
            errors.Add(new("url", urlProblem));
        }

        var (events, eventsProblem) = WebhookEvents.Parse(input.Events);
        if (eventsProblem is not null)
        {
            errors.Add(new("events", eventsProblem));
        }

        if (DescriptionProblem(input.Description) is { } descriptionProblem)
        {
            errors.Add(new("description", descriptionProblem));
        }

        if (await db.Subscriptions.CountAsync(s => s.MerchantId == merchantId, cancellationToken) >= MaxPerMerchant)
        {
            errors.Add(new("url", $"cannot be added: a merchant has at most {MaxPerMerchant} subscriptions; delete one you no longer use, or subscribe one endpoint to more events"));
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var now = time.GetUtcNow();
        var secret = WebhookSecrets.New();
        var row = new WebhookSubscription
        {
            Id = Guid.CreateVersion7(now),
            MerchantId = merchantId,
            Url = input.Url!.Trim(),
            Events = events!,
            Description = Clean(input.Description),
            Enabled = input.Enabled ?? true,
            DisabledReason = input.Enabled == false ? "Created disabled." : null,
            DisabledAt = input.Enabled == false ? now : null,
            Secret = secrets.Protect(secret),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Subscriptions.Add(row);
        await SaveAsync(cancellationToken);
        return (new WebhookSecretShown(WebhookSubscriptionView.Of(row, now), secret), []);
    }

    /// <summary>Changes what the input names; null when there is no such subscription.</summary>
    public async Task<(WebhookSubscriptionView? Updated, IReadOnlyList<SettingError> Errors)> UpdateAsync(string merchantId, Guid id, WebhookSubscriptionInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var row = await db.Subscriptions.SingleOrDefaultAsync(s => s.MerchantId == merchantId && s.Id == id, cancellationToken);
        if (row is null)
        {
            return (null, []);
        }

        var errors = new List<SettingError>();
        if (input.Url is not null && await WebhookAddresses.ProblemAsync(input.Url, options.CurrentValue, cancellationToken) is { } urlProblem)
        {
            errors.Add(new("url", urlProblem));
        }

        var (events, eventsProblem) = input.Events is null ? (row.Events, null) : WebhookEvents.Parse(input.Events);
        if (eventsProblem is not null)
        {
            errors.Add(new("events", eventsProblem));
        }

        if (DescriptionProblem(input.Description) is { } descriptionProblem)
        {
            errors.Add(new("description", descriptionProblem));
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var now = time.GetUtcNow();
        row.Url = input.Url?.Trim() ?? row.Url;
        row.Events = events!;
        row.Description = input.Description is null ? row.Description : Clean(input.Description);
        if (input.Enabled is { } enabled && enabled != row.Enabled)
        {
            row.Enabled = enabled;
            row.DisabledReason = enabled ? null : "Disabled by the merchant.";
            row.DisabledAt = enabled ? null : now;
        }

        row.UpdatedAt = now;
        await SaveAsync(cancellationToken);
        if (row.Enabled)
        {
            signal.Notify();
        }

        return (WebhookSubscriptionView.Of(row, now), []);
    }

    /// <summary>Deletes a subscription and its delivery log; false when there is no such subscription.</summary>
    public async Task<bool> DeleteAsync(string merchantId, Guid id, CancellationToken cancellationToken)
    {
        using (await turns.TakeAsync(cancellationToken))
        {
            await db.Deliveries.Where(d => d.SubscriptionId == id && d.MerchantId == merchantId).ExecuteDeleteAsync(cancellationToken);
            return await db.Subscriptions.Where(s => s.MerchantId == merchantId && s.Id == id).ExecuteDeleteAsync(cancellationToken) > 0;
        }
    }

    /// <summary>
    /// A new secret, shown once; the current one keeps signing beside it for <see cref="WebhooksOptions.SecretOverlap"/>
    /// so the receiver can switch without losing an event. Null when there is no such subscription.
    /// </summary>
    public async Task<WebhookSecretShown?> RotateSecretAsync(string merchantId, Guid id, CancellationToken cancellationToken)
    {
        var row = await db.Subscriptions.SingleOrDefaultAsync(s => s.MerchantId == merchantId && s.Id == id, cancellationToken);
        if (row is null)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var secret = WebhookSecrets.New();
        row.PreviousSecret = row.Secret;
        row.PreviousSecretUntil = now + options.CurrentValue.SecretOverlap;
        row.Secret = secrets.Protect(secret);
        row.UpdatedAt = now;
        await SaveAsync(cancellationToken);
        return new WebhookSecretShown(WebhookSubscriptionView.Of(row, now), secret);
    }

    /// <summary>
    /// The delivery log, newest first: <paramref name="status"/> (pending, delivered, failed) or all, before the delivery
    /// id <paramref name="before"/> for the next page. Null when there is no such subscription.
    /// </summary>
    public async Task<IReadOnlyList<WebhookDeliveryView>?> DeliveriesAsync(string merchantId, Guid id, DeliveryStatus? status, long? before, int limit, CancellationToken cancellationToken)
    {
        if (!await db.Subscriptions.AnyAsync(s => s.MerchantId == merchantId && s.Id == id, cancellationToken))
        {
            return null;
        }

        var query = db.Deliveries.AsNoTracking().Where(d => d.SubscriptionId == id && d.MerchantId == merchantId);
        if (status is { } wanted)
        {
            query = query.Where(d => d.Status == wanted);
        }

        if (before is { } b)
        {
            query = query.Where(d => d.Id < b);
        }

        var rows = await query.OrderByDescending(d => d.Id).Take(Math.Clamp(limit, 1, MaxPage)).ToListAsync(cancellationToken);
        return [.. rows.Select(View)];
    }

    /// <summary>The stored body of one delivery, exactly as sent; null when there is no such delivery.</summary>
    public async Task<string?> PayloadAsync(string merchantId, Guid id, long deliveryId, CancellationToken cancellationToken) =>
        await db.Deliveries.AsNoTracking()
            .Where(d => d.Id == deliveryId && d.SubscriptionId == id && d.MerchantId == merchantId)
            .Select(d => d.Payload)
            .SingleOrDefaultAsync(cancellationToken);

    /// <summary>
    /// Sends one delivery again, with its same <c>webhook-id</c> and body, at once and with its retries afresh
    /// (a delivered one too: the receiver asked for it). False when there is no such delivery.
    /// </summary>
    public async Task<bool> RedeliverAsync(string merchantId, Guid id, long deliveryId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        int changed;
        using (await turns.TakeAsync(cancellationToken))
        {
            changed = await db.Deliveries.Where(d => d.Id == deliveryId && d.SubscriptionId == id && d.MerchantId == merchantId)
                .ExecuteUpdateAsync(Again(now), cancellationToken);
        }

        signal.Notify();
        return changed > 0;
    }

    /// <summary>
    /// Sends again every delivery of the subscription whose event happened at or after <paramref name="since"/>, in
    /// their order, each with its same <c>webhook-id</c>; returns how many, or null when there is no such subscription.
    /// </summary>
    public async Task<int?> ReplayAsync(string merchantId, Guid id, DateTimeOffset since, CancellationToken cancellationToken)
    {
        if (!await db.Subscriptions.AnyAsync(s => s.MerchantId == merchantId && s.Id == id, cancellationToken))
        {
            return null;
        }

        var now = time.GetUtcNow();
        int changed;
        using (await turns.TakeAsync(cancellationToken))
        {
            changed = await db.Deliveries.Where(d => d.SubscriptionId == id && d.MerchantId == merchantId && d.OccurredAt >= since)
                .ExecuteUpdateAsync(Again(now), cancellationToken);
        }

        signal.Notify();
        return changed;
    }

    /// <summary>
    /// A subscription as the audit log records it, from the API and the console alike: the endpoint without its query
    /// (a receiver's token may ride there), the events, and whether it is enabled; never a secret.
    /// </summary>
    public static string AuditSummary(WebhookSubscriptionView subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        var url = Uri.TryCreate(subscription.Url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Path) : subscription.Url;
        return $"{url} ({string.Join(",", subscription.Events)}){(subscription.Enabled ? string.Empty : ", disabled")}";
    }

    /// <summary>What the delivery log calls a status; null for a word it does not know.</summary>
    public static DeliveryStatus? ParseStatus(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "pending" => DeliveryStatus.Pending,
        "delivered" => DeliveryStatus.Delivered,
        "failed" => DeliveryStatus.Failed,
        _ => null,
    };

    private static Action<Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<WebhookDelivery>> Again(DateTimeOffset now) => s => s
        .SetProperty(d => d.Status, DeliveryStatus.Pending)
        .SetProperty(d => d.Attempts, 0)
        .SetProperty(d => d.NextAttemptAt, now)
        .SetProperty(d => d.LockedBy, (string?)null)
        .SetProperty(d => d.LockedUntil, (DateTimeOffset?)null);

    private static WebhookDeliveryView View(WebhookDelivery d) => new(
        d.Id, d.MessageId, d.EventType, d.CardId, d.OccurredAt, d.Status.ToString().ToLowerInvariant(), d.Attempts, d.LastStatusCode, d.LastLatencyMs,
        d.LastError, d.LastAttemptAt, d.Status == DeliveryStatus.Pending ? d.NextAttemptAt : null, d.DeliveredAt);

    private static string? DescriptionProblem(string? description) =>
        description is null ? null
        : description.Length > WebhooksDbContext.DescriptionLength ? $"is longer than {WebhooksDbContext.DescriptionLength} characters"
        : description.Any(c => char.IsControl(c) && c != '\n') ? "has control characters; write it as plain text"
        : null;

    private static string? Clean(string? description) => string.IsNullOrWhiteSpace(description) ? null : description.Trim();

    private async Task SaveAsync(CancellationToken cancellationToken)
    {
        using (await turns.TakeAsync(cancellationToken))
        {
            await db.SaveChangesAsync(cancellationToken);
        }
    }
}
