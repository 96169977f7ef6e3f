using MassTransit;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Messaging;
using SevenStamp.Loyalty.Queries;
using SevenStamp.Webhooks.Data;
using SevenStamp.Webhooks.Delivery;

namespace SevenStamp.Webhooks;

/// <summary>
/// Turns each loyalty event into one stored delivery per enabled subscription of its merchant that wants it, on a
/// queue of its own (<c>outbound-webhooks</c>): only database writes here, the sending is the dispatcher's, so a slow
/// or dead receiver never holds up stamps. A redelivered event finds its deliveries made and adds none.
/// </summary>
public sealed class OutboundWebhooksConsumer(WebhooksDbContext db, ICardEventFacts facts, WriteTurns turns, WebhookSignal signal, TimeProvider time, Microsoft.Extensions.Options.IOptions<WebhooksOptions> options) :
    IConsumer<CardIssued>,
    IConsumer<CardSaved>,
    IConsumer<StampsAwarded>,
    IConsumer<StampsRevoked>,
    IConsumer<GoalReached>,
    IConsumer<VoucherIssued>,
    IConsumer<VoucherRedeemed>,
    IConsumer<VoucherExpired>,
    IConsumer<VoucherVoided>,
    IConsumer<VoucherReinstated>,
    IConsumer<RedeemCodeRejected>,
    IConsumer<CampaignSent>
{
    public Task Consume(ConsumeContext<CardIssued> context) => RecordAsync(context, LoyaltyEvent.From(Message(context)));

    public Task Consume(ConsumeContext<CardSaved> context) => RecordAsync(context, LoyaltyEvent.From(Message(context)));

    public Task Consume(ConsumeContext<StampsAwarded> context) => RecordAsync(context, LoyaltyEvent.From(Message(context)));

    public Task Consume(ConsumeContext<StampsRevoked> context) => RecordAsync(context, LoyaltyEvent.From(Message(context)));

    public Task Consume(ConsumeContext<GoalReached> context) => RecordAsync(context, LoyaltyEvent.From(Message(context)));

    public Task Consume(ConsumeContext<VoucherIssued> context) => RecordAsync(context, LoyaltyEvent.From(Message(context)));

    public Task Consume(ConsumeContext<VoucherRedeemed> context) => RecordAsync(context, LoyaltyEvent.From(Message(context)));

    public Task Consume(ConsumeContext<VoucherExpired> context) => RecordAsync(context, LoyaltyEvent.From(Message(context)));

    public Task Consume(ConsumeContext<VoucherVoided> context) => RecordAsync(context, LoyaltyEvent.From(Message(context)));

    public Task Consume(ConsumeContext<VoucherReinstated> context) => RecordAsync(context, LoyaltyEvent.From(Message(context)));

    public Task Consume(ConsumeContext<RedeemCodeRejected> context) => RecordAsync(context, LoyaltyEvent.From(Message(context)));

    public Task Consume(ConsumeContext<CampaignSent> context) => RecordAsync(context, LoyaltyEvent.From(Message(context)));

    private static T Message<T>(ConsumeContext<T> context)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Message;
    }

    private async Task RecordAsync(ConsumeContext context, LoyaltyEvent e)
    {
        var cancellationToken = context.CancellationToken;
        var subscriptions = (await db.Subscriptions.AsNoTracking()
                .Where(s => s.MerchantId == e.MerchantId && s.Enabled)
                .Select(s => new { s.Id, s.Events })
                .ToListAsync(cancellationToken))
            .Where(s => WebhookEvents.Wants(s.Events, e.Type))
            .Select(s => s.Id)
            .ToList();
        if (subscriptions.Count == 0)
        {
            return;
        }

        var sequence = SequenceOf(context);
        var missing = subscriptions;
        if (MayHaveBeenStored(context))
        {
            var made = await db.Deliveries.AsNoTracking()
                .Where(d => subscriptions.Contains(d.SubscriptionId) && d.Sequence == sequence && d.EventType == e.Type)
                .Select(d => d.SubscriptionId)
                .ToListAsync(cancellationToken);
            missing = subscriptions.Except(made).ToList();
            if (missing.Count == 0)
            {
                return;
            }
        }

        var (payload, cardId) = await WebhookPayloads.BuildAsync(e, facts, cancellationToken);
        var now = time.GetUtcNow();
        foreach (var subscription in missing)
        {
            db.Deliveries.Add(new WebhookDelivery
            {
                SubscriptionId = subscription,
                MerchantId = e.MerchantId,
                MessageId = "msg_" + Guid.CreateVersion7(now).ToString("N"),
                EventType = e.Type,
                Sequence = sequence,
                CardId = cardId,
                Payload = payload,
                OccurredAt = e.OccurredAt,
                CreatedAt = now,
                Status = DeliveryStatus.Pending,
                NextAttemptAt = now + options.Value.SettleTime,
            });
        }

        using (await turns.TakeAsync(cancellationToken))
        {
            // A replica that consumed the same event at once made them first: the unique index refuses the copies, and
            // the retry finds them made.
            await db.SaveChangesAsync(cancellationToken);
        }

        signal.Notify();
    }

    /// <summary>
    /// Whether this event's deliveries may be stored already: it is a retry or a redelivery. A first delivery skips
    /// that read; should a copy of the same event have been stored meanwhile (the outbox relay or another replica), the
    /// unique index refuses the insert and the retry takes this path.
    /// </summary>
    private static bool MayHaveBeenStored(ConsumeContext context) =>
        context.GetRetryAttempt() > 0 || context.GetRedeliveryCount() > 0 || context.ReceiveContext.Redelivered;

    /// <summary>
    /// The event's place in the order its outbox wrote events (the relay's header); for a message without it, a number
    /// drawn from its message id, which still tells a redelivery from a new event.
    /// </summary>
    private static long SequenceOf(ConsumeContext context)
    {
        if (context.Headers.TryGetHeader(Outbox.SequenceHeader, out var value) && value is not null
            && long.TryParse(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture), out var sequence))
        {
            return sequence;
        }

        var id = context.MessageId ?? Guid.NewGuid();
        return -Math.Abs(BitConverter.ToInt64(id.ToByteArray(), 8) >> 1) - 1;
    }
}

/// <summary>
/// Endpoint policy of the outbound webhooks queue: the database unavailable for a moment is retried, then delayed
/// redeliveries, then the error queue; anything else goes to the error queue at once.
/// </summary>
public sealed class OutboundWebhooksConsumerDefinition : ConsumerDefinition<OutboundWebhooksConsumer>
{
    public OutboundWebhooksConsumerDefinition() => ConcurrentMessageLimit = 8;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<OutboundWebhooksConsumer> consumerConfigurator, IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpointConfigurator);
        endpointConfigurator.UseRetryThenDelayedRedelivery(context, IsTransient, 8, (r, limit) => r.Exponential(limit, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(400)));
    }

    /// <summary>The database unavailable for now, or a copy of the same event stored by another consumer at once.</summary>
    internal static bool IsTransient(Exception exception) => DatabaseFaults.AreTransient(exception) || exception is DbUpdateException;
}
