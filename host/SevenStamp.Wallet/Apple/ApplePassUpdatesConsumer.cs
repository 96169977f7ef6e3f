using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Messaging;

namespace SevenStamp.Wallet.Apple;

/// <summary>
/// Keeps Apple passes in step with the card: every loyalty event that changes what a pass shows moves its update
/// tag and pushes to its devices. Its own queue (<c>apple-pass-updates</c>), so a slow or down APNs never holds up
/// stamps. Does nothing when Apple passes are off. Each event is applied once (<see cref="WalletEventInbox"/>), however
/// often the outbox publishes it.
/// </summary>
public sealed class ApplePassUpdatesConsumer(IServiceProvider services) :
    IConsumer<StampsAwarded>,
    IConsumer<StampsRevoked>,
    IConsumer<VoucherIssued>,
    IConsumer<VoucherRedeemed>,
    IConsumer<VoucherExpired>,
    IConsumer<VoucherVoided>,
    IConsumer<VoucherReinstated>,
    IConsumer<VoucherExpiringSoon>,
    IConsumer<CustomerNudged>
{
    public Task Consume(ConsumeContext<StampsAwarded> context) => UpdateAsync(context, context?.Message.CardId);

    public Task Consume(ConsumeContext<StampsRevoked> context) => UpdateAsync(context, context?.Message.CardId);

    public Task Consume(ConsumeContext<VoucherIssued> context) => UpdateAsync(context, context?.Message.CardId);

    public Task Consume(ConsumeContext<VoucherRedeemed> context) => UpdateAsync(context, context?.Message.CardId);

    public Task Consume(ConsumeContext<VoucherExpired> context) => UpdateAsync(context, context?.Message.CardId);

    public Task Consume(ConsumeContext<VoucherVoided> context) => UpdateAsync(context, context?.Message.CardId);

    public Task Consume(ConsumeContext<VoucherReinstated> context) => UpdateAsync(context, context?.Message.CardId);

    /// <summary>A reminder: the pass's news field changes, and Wallet shows it on the lock screen.</summary>
    public Task Consume(ConsumeContext<VoucherExpiringSoon> context) => UpdateAsync(context, context?.Message.CardId);

    /// <inheritdoc cref="Consume(ConsumeContext{VoucherExpiringSoon})"/>
    public Task Consume(ConsumeContext<CustomerNudged> context) => UpdateAsync(context, context?.Message.CardId);

    /// <summary>The name this consumer records its applied events under.</summary>
    internal const string InboxName = "apple";

    private async Task UpdateAsync(ConsumeContext? context, Guid? cardId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var updater = services.GetService<ApplePassUpdater>();
        if (updater is null || cardId is null)
        {
            return;
        }

        var inbox = services.GetRequiredService<WalletEventInbox>();
        if (await inbox.WasAppliedAsync(InboxName, context.MessageId, context.CancellationToken))
        {
            return;
        }

        if (await updater.UpdateAsync(cardId.Value, context.CancellationToken))
        {
            await inbox.MarkAppliedAsync(InboxName, context.MessageId, context.CancellationToken);
        }
    }
}

/// <summary>
/// Endpoint policy of the pass updates: a few concurrent updates, and retries spread over about five minutes for
/// APNs or the database being unavailable, then delayed redeliveries, then MassTransit's error queue. Any other
/// fault (a message that cannot be read, a bug) goes to the error queue at once: retrying it changes nothing.
/// </summary>
public sealed class ApplePassUpdatesConsumerDefinition : ConsumerDefinition<ApplePassUpdatesConsumer>
{
    public ApplePassUpdatesConsumerDefinition() => ConcurrentMessageLimit = 4;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<ApplePassUpdatesConsumer> consumerConfigurator, IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpointConfigurator);
        // Whatever still failed after the retries here (APNs, the database) gets delayed redeliveries before the error queue.
        var retries = WalletUpdateRetryOptions.From(context);
        endpointConfigurator.UseRetryThenDelayedRedelivery(context, IsTransient, retries.Limit, (r, limit) => retries.Apply(r, limit, TimeSpan.FromSeconds(60)));
    }

    /// <summary>
    /// APNs or the database unavailable for now (the database faults the loyalty consumers retry). APNs's permanent
    /// refusals are not faults (the updater logs them, and drops a device token APNs no longer knows); what else
    /// throws would throw again.
    /// </summary>
    internal static bool IsTransient(Exception exception) =>
        exception is ApnsUnavailableException or HttpRequestException || DatabaseFaults.AreTransient(exception);
}
