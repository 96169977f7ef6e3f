using MassTransit;
using Microsoft.Extensions.Logging;
using Polly.Timeout;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Messaging;

namespace SevenStamp.Wallet.Google;

/// <summary>
/// Keeps a card's Google Wallet object in step with the loyalty events, on a queue of its own
/// (<c>google-wallet-updates</c>) so a slow or unreachable Google never holds up a stamp. Every event sends the
/// card's whole current state. Without Google configured it acknowledges and does nothing. Each event is applied once
/// (<see cref="WalletEventInbox"/>), however often the outbox publishes it.
/// </summary>
public sealed class GoogleWalletUpdatesConsumer(ILogger<GoogleWalletUpdatesConsumer> logger, WalletEventInbox inbox, GoogleWalletSync? sync = null) :
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
    public Task Consume(ConsumeContext<StampsAwarded> context) => UpdateAsync(context?.Message.CardId, context);

    public Task Consume(ConsumeContext<StampsRevoked> context) => UpdateAsync(context?.Message.CardId, context);

    public Task Consume(ConsumeContext<VoucherIssued> context) => UpdateAsync(context?.Message.CardId, context);

    public Task Consume(ConsumeContext<VoucherRedeemed> context) => UpdateAsync(context?.Message.CardId, context);

    public Task Consume(ConsumeContext<VoucherExpired> context) => UpdateAsync(context?.Message.CardId, context);

    public Task Consume(ConsumeContext<VoucherVoided> context) => UpdateAsync(context?.Message.CardId, context);

    public Task Consume(ConsumeContext<VoucherReinstated> context) => UpdateAsync(context?.Message.CardId, context);

    /// <summary>A reminder: the object's fields, then a message that notifies the phone.</summary>
    public Task Consume(ConsumeContext<VoucherExpiringSoon> context) => UpdateAsync(context?.Message.CardId, context, notify: true);

    /// <inheritdoc cref="Consume(ConsumeContext{VoucherExpiringSoon})"/>
    public Task Consume(ConsumeContext<CustomerNudged> context) => UpdateAsync(context?.Message.CardId, context, notify: true);

    /// <summary>The name this consumer records its applied events under.</summary>
    internal const string InboxName = "google";

    private async Task UpdateAsync(Guid? cardId, ConsumeContext? context, bool notify = false)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (sync is null || cardId is not { } id)
        {
            return;
        }

        if (await inbox.WasAppliedAsync(InboxName, context.MessageId, context.CancellationToken).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            await sync.SyncAsync(id, context.CancellationToken).ConfigureAwait(false);
            if (notify)
            {
                await sync.NotifyAsync(id, context.CancellationToken).ConfigureAwait(false);
            }
        }
        catch (GoogleWalletException ex)
        {
            // Transient: MassTransit retries (see the definition). Permanent: the message goes to the error queue,
            // from where an operator moves it back once the key or permission is fixed; any later event of the
            // card sends its whole state anyway.
            GoogleWalletLog.UpdateFailed(logger, id, ex.StatusCode, ex.IsTransient, ex.Message);
            throw;
        }

        await inbox.MarkAppliedAsync(InboxName, context.MessageId, context.CancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// The endpoint of <see cref="GoogleWalletUpdatesConsumer"/>: one card's updates one at a time (partitioned by card),
/// retries spanning about five minutes for an unreachable Google or database, then delayed redeliveries, then the
/// error queue.
/// </summary>
public sealed class GoogleWalletUpdatesConsumerDefinition : ConsumerDefinition<GoogleWalletUpdatesConsumer>
{
    public GoogleWalletUpdatesConsumerDefinition() => ConcurrentMessageLimit = 8;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<GoogleWalletUpdatesConsumer> consumerConfigurator, IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpointConfigurator);
        ArgumentNullException.ThrowIfNull(consumerConfigurator);
        var retries = WalletUpdateRetryOptions.From(context);
        endpointConfigurator.UseRetryThenDelayedRedelivery(context, IsTransient, retries.Limit, (r, limit) => retries.Apply(r, limit, TimeSpan.FromMinutes(2)));

        var partitioner = endpointConfigurator.CreatePartitioner(8);
        consumerConfigurator.Message<StampsAwarded>(m => m.UsePartitioner(partitioner, c => c.Message.CardId));
        consumerConfigurator.Message<StampsRevoked>(m => m.UsePartitioner(partitioner, c => c.Message.CardId));
        consumerConfigurator.Message<VoucherIssued>(m => m.UsePartitioner(partitioner, c => c.Message.CardId));
        consumerConfigurator.Message<VoucherRedeemed>(m => m.UsePartitioner(partitioner, c => c.Message.CardId));
        consumerConfigurator.Message<VoucherExpired>(m => m.UsePartitioner(partitioner, c => c.Message.CardId));
        consumerConfigurator.Message<VoucherVoided>(m => m.UsePartitioner(partitioner, c => c.Message.CardId));
        consumerConfigurator.Message<VoucherReinstated>(m => m.UsePartitioner(partitioner, c => c.Message.CardId));
    }

    /// <summary>
    /// Google or the database unavailable for now (the database faults the loyalty consumers retry; the Google
    /// updates only read it), not a bad message or a refused key.
    /// </summary>
    private static bool IsTransient(Exception exception) =>
        exception is GoogleWalletException { IsTransient: true } or HttpRequestException or TimeoutRejectedException || DatabaseFaults.AreTransient(exception);
}
