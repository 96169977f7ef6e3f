using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace SevenStamp.Loyalty.Consumers;

/// <summary>Endpoint policy for <see cref="AwardStampsConsumer"/>: retries for transient database errors.</summary>
public sealed class AwardStampsConsumerDefinition : ConsumerDefinition<AwardStampsConsumer>
{
    public AwardStampsConsumerDefinition()
    {
        // The queue is named by the bus's formatter: award-stamps, with the operator's prefix if any.
        ConcurrentMessageLimit = 8;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<AwardStampsConsumer> consumerConfigurator, IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpointConfigurator);
        // Unique-index races on a new card and busy databases clear up on a second try.
        endpointConfigurator.UseMessageRetry(r =>
        {
            r.Handle<DbUpdateException>();
            r.Handle<InvalidOperationException>();
            r.Handle<System.Data.Common.DbException>();
            r.Exponential(5, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100));
        });
    }
}
