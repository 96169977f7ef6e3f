using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SevenStamp.Loyalty.Data;
using SevenStamp.Webhooks.Data;

namespace SevenStamp.Webhooks.Delivery;

/// <summary>
/// Sends the deliveries that are due, on every replica: each claims a batch (a lease, so no two send one delivery at
/// once), sends them side by side, and records what each got. A card's deliveries to one subscription go one at a
/// time in their order: a later one waits while an earlier one is pending. 2xx is delivered; 410 disables the
/// subscription; anything else is retried on <see cref="WebhooksOptions.Retries"/>, after which the delivery is given
/// up and the subscription disabled, with the reason for its owner.
/// </summary>
public sealed partial class WebhookDispatcher(
    IServiceScopeFactory scopes,
    WebhookSender sender,
    WebhookSignal signal,
    WriteTurns turns,
    TimeProvider time,
    IOptionsMonitor<WebhooksOptions> options,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private readonly string _replica = ReplicaId();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var sent = 0;
            try
            {
                sent = await DispatchOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogDispatchFailed(logger, ex.GetType().Name, ex.Message);
            }

            if (sent == 0)
            {
                try
                {
                    await signal.WaitAsync(options.CurrentValue.PollInterval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Claims and sends one batch of due deliveries; returns how many were attempted.</summary>
    internal async Task<int> DispatchOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var now = time.GetUtcNow();
        var until = now + settings.Timeout + TimeSpan.FromSeconds(30);
        List<WebhookDelivery> claimed;
        Dictionary<Guid, WebhookSubscription> subscriptions;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<WebhooksDbContext>();
            var due = await db.Deliveries.AsNoTracking()
                .Where(d => d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now && (d.LockedUntil == null || d.LockedUntil < now))
                .Where(d => db.Subscriptions.Any(s => s.Id == d.SubscriptionId && s.Enabled))
                .Where(d => d.CardId == null || !db.Deliveries.Any(e => e.SubscriptionId == d.SubscriptionId && e.CardId == d.CardId && e.Status == DeliveryStatus.Pending && e.Sequence < d.Sequence))
                .OrderBy(d => d.NextAttemptAt).ThenBy(d => d.Id)
                .Select(d => d.Id)
                .Take(settings.ConcurrentDeliveries * 4)
                .ToListAsync(cancellationToken);
            if (due.Count == 0)
            {
                return 0;
            }

            using (await turns.TakeAsync(cancellationToken))
            {
                await db.Deliveries
                    .Where(d => due.Contains(d.Id) && d.Status == DeliveryStatus.Pending && (d.LockedUntil == null || d.LockedUntil < now))
                    .ExecuteUpdateAsync(s => s.SetProperty(d => d.LockedBy, _replica).SetProperty(d => d.LockedUntil, until), cancellationToken);
            }

            claimed = await db.Deliveries.AsNoTracking().Where(d => d.LockedBy == _replica && d.LockedUntil == until && d.Status == DeliveryStatus.Pending).OrderBy(d => d.Sequence).ToListAsync(cancellationToken);
            var ids = claimed.Select(d => d.SubscriptionId).Distinct().ToList();
            subscriptions = await db.Subscriptions.AsNoTracking().Where(s => ids.Contains(s.Id)).ToDictionaryAsync(s => s.Id, cancellationToken);
        }

        using var slots = new SemaphoreSlim(settings.ConcurrentDeliveries);
        await Task.WhenAll(claimed.Select(async delivery =>
        {
            await slots.WaitAsync(cancellationToken);
            try
            {
                await AttemptAsync(delivery, subscriptions.GetValueOrDefault(delivery.SubscriptionId), until, settings, cancellationToken);
            }
            finally
            {
                slots.Release();
            }
        }));
        return claimed.Count;
    }

    private async Task AttemptAsync(WebhookDelivery delivery, WebhookSubscription? subscription, DateTimeOffset until, WebhooksOptions settings, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WebhooksDbContext>();
        var secrets = scope.ServiceProvider.GetRequiredService<WebhookSecrets>();
        if (subscription is not { Enabled: true })
        {
            await ReleaseAsync(db, delivery, until, cancellationToken);
            return;
        }

        var signing = new List<string> { secrets.Unprotect(subscription.Secret) };
        var at = time.GetUtcNow();
        if (subscription.PreviousSecret is { } previous && subscription.PreviousSecretUntil > at)
        {
            signing.Add(secrets.Unprotect(previous));
        }

        var result = await sender.SendAsync(new Uri(subscription.Url), delivery.MessageId, delivery.Payload, signing, cancellationToken);
        var attempts = delivery.Attempts + 1;
        var finished = time.GetUtcNow();
        var retries = settings.Retries;
        var status = result.Delivered ? DeliveryStatus.Delivered
            : result.Gone || attempts > retries.Count ? DeliveryStatus.Failed
            : DeliveryStatus.Pending;
        var next = status == DeliveryStatus.Pending ? finished + Stretch(retries[attempts - 1]) : delivery.NextAttemptAt;
        var error = result.Error is { Length: > WebhooksDbContext.ErrorLength } long_ ? long_[..WebhooksDbContext.ErrorLength] : result.Error;

        using (await turns.TakeAsync(CancellationToken.None))
        {
            await db.Deliveries.Where(d => d.Id == delivery.Id && d.LockedBy == _replica && d.LockedUntil == until)
                .ExecuteUpdateAsync(
                    s => s.SetProperty(d => d.Status, status)
                        .SetProperty(d => d.Attempts, attempts)
                        .SetProperty(d => d.NextAttemptAt, next)
                        .SetProperty(d => d.LastAttemptAt, finished)
                        .SetProperty(d => d.LastStatusCode, result.StatusCode)
                        .SetProperty(d => d.LastLatencyMs, result.LatencyMs)
                        .SetProperty(d => d.LastError, error)
                        .SetProperty(d => d.DeliveredAt, result.Delivered ? finished : null)
                        .SetProperty(d => d.LockedBy, (string?)null)
                        .SetProperty(d => d.LockedUntil, (DateTimeOffset?)null),
                    CancellationToken.None);
            if (!result.Delivered && status == DeliveryStatus.Failed)
            {
                var reason = result.Gone
                    ? $"Disabled at {WebhookPayloads.Instant(finished)}: the endpoint answered 410 Gone, which asks us to stop."
                    : $"Disabled at {WebhookPayloads.Instant(finished)}: a {delivery.EventType} event could not be delivered after {attempts} attempts over {Span(retries)}; the last one got: {error}. Fix the endpoint, enable the subscription again, and redeliver or replay what it missed.";
                await db.Subscriptions.Where(s => s.Id == subscription.Id && s.Enabled)
                    .ExecuteUpdateAsync(
                        s => s.SetProperty(x => x.Enabled, false).SetProperty(x => x.DisabledReason, reason[..Math.Min(reason.Length, WebhooksDbContext.ReasonLength)]).SetProperty(x => x.DisabledAt, finished),
                        CancellationToken.None);
                LogSubscriptionDisabled(logger, subscription.Id, subscription.MerchantId, result.Gone ? "410 Gone" : "retries used up");
            }
        }

        if (!result.Delivered)
        {
            LogAttemptFailed(logger, delivery.MessageId, subscription.Id, attempts, result.StatusCode, result.Error ?? "?");
        }
    }

    private async Task ReleaseAsync(WebhooksDbContext db, WebhookDelivery delivery, DateTimeOffset until, CancellationToken cancellationToken)
    {
        using (await turns.TakeAsync(cancellationToken))
        {
            await db.Deliveries.Where(d => d.Id == delivery.Id && d.LockedBy == _replica && d.LockedUntil == until)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.LockedBy, (string?)null).SetProperty(d => d.LockedUntil, (DateTimeOffset?)null), cancellationToken);
        }
    }

    /// <summary>This replica's name on its claims: machine, process and a random part, at most the column's length.</summary>
    private static string ReplicaId()
    {
        var id = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";
        return id.Length <= WebhooksDbContext.LockLength ? id : id[^WebhooksDbContext.LockLength..];
    }

    /// <summary>A wait stretched by up to a tenth at random, so receivers coming back are not hit by every retry at once.</summary>
    private static TimeSpan Stretch(TimeSpan wait) => wait + (wait * (Random.Shared.NextDouble() / 10));

    private static string Span(IReadOnlyList<TimeSpan> retries)
    {
        var total = retries.Aggregate(TimeSpan.Zero, (a, b) => a + b);
        return total.TotalDays >= 1 ? $"{total.TotalDays:0.#} days" : total.TotalHours >= 1 ? $"{total.TotalHours:0.#} hours" : $"{total.TotalMinutes:0.#} minutes";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbound webhooks could not look for due deliveries ({ExceptionType}: {Problem}); trying again")]
    private static partial void LogDispatchFailed(ILogger logger, string exceptionType, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook delivery {MessageId} to subscription {SubscriptionId} failed on attempt {Attempt} (status {StatusCode}): {Problem}")]
    private static partial void LogAttemptFailed(ILogger logger, string messageId, Guid subscriptionId, int attempt, int? statusCode, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook subscription {SubscriptionId} of merchant {MerchantId} was disabled: {Why}")]
    private static partial void LogSubscriptionDisabled(ILogger logger, Guid subscriptionId, string merchantId, string why);
}
