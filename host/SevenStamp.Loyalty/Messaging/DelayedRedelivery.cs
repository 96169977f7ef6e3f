using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace SevenStamp.Loyalty.Messaging;

/// <summary>
/// Delayed redelivery for a consumer endpoint: a message whose in-process retries ran out on a transient fault goes
/// back to its queue after a delay instead of to the error queue, a few times, before the error queue has it. The
/// host supplies the transport's way of doing it (<see cref="IDelayedRedelivery"/>); without one, nothing changes.
/// </summary>
public interface IDelayedRedelivery
{
    /// <summary>
    /// The filter that redelivers the messages <paramref name="redeliverable"/> says yes to, once their in-process
    /// retries (<paramref name="retryLimit"/> of them) have run out. The filter runs inside the retries, so it lets
    /// every earlier attempt's failure through to them.
    /// </summary>
    IFilter<ConsumeContext> CreateFilter(Func<Exception, bool> redeliverable, int retryLimit);
}

public static class DelayedRedeliveryExtensions
{
    /// <summary>
    /// Adds delayed redelivery after the endpoint's <c>UseMessageRetry</c> of <paramref name="retryLimit"/> retries: the
    /// last attempt's failure is redelivered later, and a redelivered message gets all its retries again.
    /// </summary>
    public static void UseDelayedRedelivery(this IReceiveEndpointConfigurator endpoint, IRegistrationContext context, int retryLimit, Func<Exception, bool> redeliverable)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(context);
        if (context.GetService<IDelayedRedelivery>() is { } redelivery)
        {
            endpoint.UseFilter(redelivery.CreateFilter(redeliverable, retryLimit));
        }
    }

    /// <summary>
    /// An endpoint's whole policy for failures from one predicate: in-process retries of the faults
    /// <paramref name="transient"/> says yes to (<paramref name="retryLimit"/> of them, spaced by
    /// <paramref name="intervals"/>), then delayed redeliveries of the same faults, then the error queue. Anything else
    /// goes to the error queue at once.
    /// </summary>
    public static void UseRetryThenDelayedRedelivery(this IReceiveEndpointConfigurator endpoint, IRegistrationContext context, Func<Exception, bool> transient, int retryLimit, Action<IRetryConfigurator, int> intervals)
    {
        ArgumentNullException.ThrowIfNull(transient);
        ArgumentNullException.ThrowIfNull(intervals);
        endpoint.UseDelayedRedelivery(context, retryLimit, transient);
        endpoint.UseMessageRetry(r =>
        {
            r.Handle<Exception>(e => transient(e));
            intervals(r, retryLimit);
        });
    }
}
