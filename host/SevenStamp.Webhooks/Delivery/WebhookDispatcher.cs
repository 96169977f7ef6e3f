using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SevenStamp.Loyalty.Data;
using SevenStamp.Webhooks.Data;
using StandardWebhooks;

namespace SevenStamp.Webhooks.Delivery;

/// <summary>
/// Sends the deliveries that are due, on every replica, as a pipeline: the loop claims what is due (a lease, so no two
/// replicas send one delivery at once) up to <see cref="WebhooksOptions.ConcurrentDeliveries"/> in flight and starts
/// each send at once; each outcome goes to a writer that records the outcomes waiting together, in one transaction
/// (one write turn on SQLite), and wakes the loop. A slow receiver holds only its own attempts, not the others'. A
/// card's deliveries to one subscription go one at a time in their order: a later one is not claimed while an earlier
/// one is pending (in flight or waiting for a retry). 2xx is delivered; 410 disables the subscription; anything else is
/// retried on <see cref="WebhooksOptions.Retries"/>, after which the delivery is given up and the subscription
/// disabled, with the reason for its owner.
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
    /// <summary>
    /// How long the loop lets due deliveries gather after a round that found fewer than it could take, so that under a
    /// steady trickle one claim (a query and an update) serves several deliveries instead of one each.
    /// </summary>
    internal static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(50);

    /// <summary>Outcomes recorded in one transaction at most.</summary>
    private const int MaxOutcomesPerWrite = 256;

    private readonly string _replica = ReplicaId();

    private readonly Channel<Outcome> _outcomes = Channel.CreateUnbounded<Outcome>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Signers by the protected secret they were made from: unprotected once, not per delivery.</summary>
    private readonly ConcurrentDictionary<string, StandardWebhook> _signers = new(StringComparer.Ordinal);

    /// <summary>Attempts claimed and not yet recorded.</summary>
    private int _inFlight;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var writer = Task.Run(() => WriteOutcomesAsync(), CancellationToken.None);
        var sends = new ConcurrentDictionary<Task, byte>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var (started, room) = (0, 0);
                try
                {
                    (started, room) = await ClaimAndStartAsync(sends, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LogDispatchFailed(logger, ex.GetType().Name, ex.Message);
                }

                try
                {
                    if (started > 0 && started == room)
                    {
                        // It took all it had room for: more may be due now; if no room is left, the writer wakes it.
                        if (Volatile.Read(ref _inFlight) >= options.CurrentValue.ConcurrentDeliveries)
                        {
                            await signal.WaitAsync(options.CurrentValue.PollInterval, stoppingToken);
                        }

                        continue;
                    }

                    if (started == 0)
                    {
                        // Nothing due: sleep until the next delivery is (at most a poll interval), or new ones are stored
                        // or recorded; then let others gather with what woke it.
                        await signal.WaitAsync(await UntilNextDueAsync(stoppingToken), stoppingToken);
                    }

                    await Task.Delay(Gather, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        finally
        {
            // Sends in flight end with the host's stop (theirs are released below, so a restart sends them at once).
            await Task.WhenAll(sends.Keys);
            _outcomes.Writer.TryComplete();
            await writer;
        }
    }

    /// <summary>
    /// Claims up to the room left of the deliveries that are due and starts sending each; returns how many it started
    /// and how many it had room for.
    /// </summary>
    private async Task<(int Started, int Room)> ClaimAndStartAsync(ConcurrentDictionary<Task, byte> sends, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var room = settings.ConcurrentDeliveries - Volatile.Read(ref _inFlight);
        if (room <= 0)
        {
            return (0, 0);
        }

        var (claimed, subscriptions, until) = await ClaimAsync(room, settings, cancellationToken);
        foreach (var delivery in claimed)
        {
            Interlocked.Increment(ref _inFlight);
            var send = AttemptAsync(delivery, subscriptions.GetValueOrDefault(delivery.SubscriptionId), until, cancellationToken);
            sends.TryAdd(send, 0);
            _ = send.ContinueWith(t => sends.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return (claimed.Count, room);
    }

    /// <summary>How long until the earliest pending delivery is due, at most <see cref="WebhooksOptions.PollInterval"/>.</summary>
    private async Task<TimeSpan> UntilNextDueAsync(CancellationToken cancellationToken)
    {
        var poll = options.CurrentValue.PollInterval;
        try
        {
            var now = time.GetUtcNow();
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<WebhooksDbContext>();
            var next = await db.Deliveries.AsNoTracking()
                .Where(d => d.Status == DeliveryStatus.Pending && d.NextAttemptAt > now)
                .OrderBy(d => d.NextAttemptAt)
                .Select(d => (DateTimeOffset?)d.NextAttemptAt)
                .FirstOrDefaultAsync(cancellationToken);
            return next is { } at && at - now < poll ? at - now : poll;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return poll;
        }
    }

    /// <summary>
    /// The due deliveries this replica now holds (at most <paramref name="count"/>, each the earliest pending one of its
    /// card and subscription), their subscriptions, and the lease's end.
    /// </summary>
    private async Task<(List<WebhookDelivery> Claimed, Dictionary<Guid, WebhookSubscription> Subscriptions, DateTimeOffset Until)> ClaimAsync(int count, WebhooksOptions settings, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var until = now + settings.Timeout + TimeSpan.FromSeconds(30);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WebhooksDbContext>();
        var due = await db.Deliveries.AsNoTracking()
            .Where(d => d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now && (d.LockedUntil == null || d.LockedUntil < now))
            .Where(d => db.Subscriptions.Any(s => s.Id == d.SubscriptionId && s.Enabled))
            .Where(d => d.CardId == null || !db.Deliveries.Any(e => e.SubscriptionId == d.SubscriptionId && e.CardId == d.CardId && e.Status == DeliveryStatus.Pending && e.Sequence < d.Sequence))
            .OrderBy(d => d.NextAttemptAt).ThenBy(d => d.Id)
            .Take(count)
            .ToListAsync(cancellationToken);
        if (due.Count == 0)
        {
            return ([], [], until);
        }

        var ids = due.Select(d => d.Id).ToList();
        int taken;
        using (await turns.TakeAsync(cancellationToken))
        {
            taken = await db.Deliveries
                .Where(d => ids.Contains(d.Id) && d.Status == DeliveryStatus.Pending && (d.LockedUntil == null || d.LockedUntil < now))
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.LockedBy, _replica).SetProperty(d => d.LockedUntil, until), cancellationToken);
        }

        // Another replica took some of them meanwhile: keep only what this one holds, as it is now.
        var claimed = taken == due.Count
            ? due
            : await db.Deliveries.AsNoTracking().Where(d => ids.Contains(d.Id) && d.LockedBy == _replica && d.LockedUntil == until && d.Status == DeliveryStatus.Pending).ToListAsync(cancellationToken);
        claimed.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        var subscriptionIds = claimed.Select(d => d.SubscriptionId).Distinct().ToList();
        var subscriptions = await db.Subscriptions.AsNoTracking().Where(s => subscriptionIds.Contains(s.Id)).ToDictionaryAsync(s => s.Id, cancellationToken);
        return (claimed, subscriptions, until);
    }

    /// <summary>Sends one claimed delivery and hands its outcome to the writer; the host stopping mid-send releases it.</summary>
    private async Task AttemptAsync(WebhookDelivery delivery, WebhookSubscription? subscription, DateTimeOffset until, CancellationToken cancellationToken)
    {
        Outcome outcome;
        try
        {
            outcome = await SendAsync(delivery, subscription, until, cancellationToken);
        }
        catch (Exception ex)
        {
            if (ex is not OperationCanceledException)
            {
                LogDispatchFailed(logger, ex.GetType().Name, ex.Message);
            }

            outcome = new Outcome(delivery, subscription, until, null, time.GetUtcNow());
        }

        if (!_outcomes.Writer.TryWrite(outcome))
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>Sends one delivery signed with the subscription's secrets in force; a subscription gone or disabled releases it unsent.</summary>
    private async Task<Outcome> SendAsync(WebhookDelivery delivery, WebhookSubscription? subscription, DateTimeOffset until, CancellationToken cancellationToken)
    {
        if (subscription is not { Enabled: true })
        {
            return new Outcome(delivery, subscription, until, null, time.GetUtcNow());
        }

        var signing = new List<StandardWebhook>(2) { Signer(subscription.Secret) };
        if (subscription.PreviousSecret is { } previous && subscription.PreviousSecretUntil > time.GetUtcNow())
        {
            signing.Add(Signer(previous));
        }

        var result = await sender.SendAsync(new Uri(subscription.Url), delivery.MessageId, delivery.Payload, signing, cancellationToken);
        return new Outcome(delivery, subscription, until, result, time.GetUtcNow());
    }

    /// <summary>The signer of a protected secret, unprotected the first time this replica meets it.</summary>
    private StandardWebhook Signer(string protectedSecret)
    {
        if (_signers.TryGetValue(protectedSecret, out var signer))
        {
            return signer;
        }

        if (_signers.Count > 10_000)
        {
            _signers.Clear();
        }

        using var scope = scopes.CreateScope();
        var secrets = scope.ServiceProvider.GetRequiredService<WebhookSecrets>();
        return _signers.GetOrAdd(protectedSecret, new StandardWebhook(secrets.Unprotect(protectedSecret)));
    }

    /// <summary>Records the outcomes as they come, those waiting together in one transaction, and wakes the loop after each.</summary>
    private async Task WriteOutcomesAsync()
    {
        var batch = new List<Outcome>(MaxOutcomesPerWrite);
        while (await _outcomes.Reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            while (batch.Count < MaxOutcomesPerWrite && _outcomes.Reader.TryRead(out var outcome))
            {
                batch.Add(outcome);
            }

            try
            {
                await RecordAsync(batch);
            }
            catch (Exception ex)
            {
                // The rows stay claimed until their lease ends; then they are sent again (at least once).
                LogDispatchFailed(logger, ex.GetType().Name, ex.Message);
            }
            finally
            {
                Interlocked.Add(ref _inFlight, -batch.Count);
                signal.Notify();
            }
        }
    }

    /// <summary>
    /// Records what each attempt got (or releases the delivery unsent) and disables the subscriptions that asked for it
    /// or used up their retries, in one transaction; each row only while this replica's claim on it still holds.
    /// </summary>
    private async Task RecordAsync(IReadOnlyList<Outcome> outcomes)
    {
        if (outcomes.Count == 0)
        {
            return;
        }

        var retries = options.CurrentValue.Retries;
        var disabled = new Dictionary<Guid, (Outcome Outcome, int Attempts, string Reason)>();
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<WebhooksDbContext>();
            using (await turns.TakeAsync(CancellationToken.None))
            {
                await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
                foreach (var outcome in outcomes.OrderBy(o => o.Delivery.Id))
                {
                    var (delivery, until) = (outcome.Delivery, outcome.Until);
                    if (outcome.Result is not { } result)
                    {
                        await db.Deliveries.Where(d => d.Id == delivery.Id && d.LockedBy == _replica && d.LockedUntil == until)
                            .ExecuteUpdateAsync(s => s.SetProperty(d => d.LockedBy, (string?)null).SetProperty(d => d.LockedUntil, (DateTimeOffset?)null), CancellationToken.None);
                        continue;
                    }

                    var attempts = delivery.Attempts + 1;
                    var finished = outcome.Finished;
                    var status = result.Delivered ? DeliveryStatus.Delivered
                        : result.Gone || attempts > retries.Count ? DeliveryStatus.Failed
                        : DeliveryStatus.Pending;
                    var next = status == DeliveryStatus.Pending ? finished + Stretch(retries[attempts - 1]) : delivery.NextAttemptAt;
                    var error = Shorten(result.Error);
                    var recorded = await db.Deliveries.Where(d => d.Id == delivery.Id && d.LockedBy == _replica && d.LockedUntil == until)
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
                    if (recorded == 1 && status == DeliveryStatus.Failed && outcome.Subscription is { } subscription)
                    {
                        var reason = result.Gone
                            ? $"Disabled at {WebhookPayloads.Instant(finished)}: the endpoint answered 410 Gone, which asks us to stop."
                            : $"Disabled at {WebhookPayloads.Instant(finished)}: a {delivery.EventType} event could not be delivered after {attempts} attempts over {Span(retries)}; the last one got: {error}. Fix the endpoint, enable the subscription again, and redeliver or replay what it missed.";
                        disabled[subscription.Id] = (outcome, attempts, reason[..Math.Min(reason.Length, WebhooksDbContext.ReasonLength)]);
                    }
                }

                foreach (var (id, (outcome, _, reason)) in disabled)
                {
                    var at = outcome.Finished;
                    await db.Subscriptions.Where(s => s.Id == id && s.Enabled)
                        .ExecuteUpdateAsync(s => s.SetProperty(x => x.Enabled, false).SetProperty(x => x.DisabledReason, reason).SetProperty(x => x.DisabledAt, at), CancellationToken.None);
                }

                await transaction.CommitAsync(CancellationToken.None);
            }
        }

        foreach (var (id, (outcome, _, _)) in disabled)
        {
            LogSubscriptionDisabled(logger, id, outcome.Subscription!.MerchantId, outcome.Result!.Gone ? "410 Gone" : "retries used up");
        }

        foreach (var outcome in outcomes)
        {
            if (outcome.Result is { Delivered: false } failed)
            {
                LogAttemptFailed(logger, outcome.Delivery.MessageId, outcome.Delivery.SubscriptionId, outcome.Delivery.Attempts + 1, failed.StatusCode, failed.Error ?? "?");
            }
        }
    }

    private static string? Shorten(string? error) => error is { Length: > WebhooksDbContext.ErrorLength } long_ ? long_[..WebhooksDbContext.ErrorLength] : error;

    /// <summary>What one claimed delivery came to: what its attempt got, or null when it was released unsent.</summary>
    private sealed record Outcome(WebhookDelivery Delivery, WebhookSubscription? Subscription, DateTimeOffset Until, AttemptResult? Result, DateTimeOffset Finished);

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
