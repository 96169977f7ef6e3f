using MassTransit;
using SevenStamp.Loyalty.Messaging;

namespace SevenStamp.Loyalty.Consumers;

/// <summary>
/// Endpoint policy shared by the loyalty consumers: retries for transient database trouble (a lock or
/// serialization conflict, a busy SQLite file, a dropped connection, a database restarting), then MassTransit's
/// error queue. The retries span about two minutes (0.1 s growing to 30 s), so a database that is back within a
/// minute loses nothing to the error queue; after them, the same faults get delayed redeliveries
/// (<c>SevenStamp:Bus:RedeliveryLimit</c> times, <c>RedeliveryDelay</c> apart) before the error queue.
/// </summary>
public abstract class LoyaltyConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    protected LoyaltyConsumerDefinition() => ConcurrentMessageLimit = 8;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpointConfigurator);
        endpointConfigurator.UseRetryThenDelayedRedelivery(context, DatabaseFaults.AreTransient, retryLimit: 10, (r, limit) =>
            r.Exponential(limit, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500)));
    }
}

/// <summary>
/// Sales: many in flight at once, so the group commit has a batch to write (<see cref="Engine.SaleBatcher"/>);
/// each still waits for its own commit before its message is acknowledged.
/// </summary>
public sealed class SaleCompletedConsumerDefinition : LoyaltyConsumerDefinition<SaleCompletedConsumer>
{
    /// <summary>Sales one host takes from the broker ahead of their commit.</summary>
    public const int InFlight = 256;

    public SaleCompletedConsumerDefinition()
    {
        ConcurrentMessageLimit = InFlight;
        Endpoint(e => e.PrefetchCount = InFlight);
    }
}

public sealed class SaleRefundedConsumerDefinition : LoyaltyConsumerDefinition<SaleRefundedConsumer>;
