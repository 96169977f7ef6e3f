using System.Data.Common;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace SevenStamp.Loyalty.Consumers;

/// <summary>
/// Endpoint policy shared by the loyalty consumers: retries for transient database trouble (a lock or
/// serialization conflict, a busy SQLite file, a dropped connection), then MassTransit's error queue.
/// </summary>
public abstract class LoyaltyConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    protected LoyaltyConsumerDefinition() => ConcurrentMessageLimit = 8;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpointConfigurator);
        endpointConfigurator.UseMessageRetry(r =>
        {
            r.Handle<DbUpdateException>();
            r.Handle<DbException>();
            r.Handle<InvalidOperationException>();
            r.Handle<TimeoutException>();
            r.Exponential(6, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100));
        });
    }
}

public sealed class SaleCompletedConsumerDefinition : LoyaltyConsumerDefinition<SaleCompletedConsumer>;

public sealed class SaleRefundedConsumerDefinition : LoyaltyConsumerDefinition<SaleRefundedConsumer>;
