using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using MassTransit;
using MassTransit.RabbitMqTransport;
using RabbitMQ.Client;
using SevenStamp.Loyalty.Messaging;

namespace SevenStamp.Connectors.Host.Messaging;

/// <summary>
/// Delayed redelivery on RabbitMQ without the delayed-message-exchange plugin: a message whose in-process retries ran
/// out is published, as received and with <c>MT-Redelivery-Count</c> raised by one, to the queue's
/// <c>&lt;queue&gt;_delay</c> queue. That queue has a message TTL of <see cref="BusOptions.RedeliveryDelay"/> and
/// dead-letters each expired message into the queue's own exchange, so it comes back to the queue, with its retries,
/// after the delay. The original is acknowledged only after the broker confirmed the copy, so nothing is lost between
/// the two. After <see cref="BusOptions.RedeliveryLimit"/> redeliveries the failure goes on to the <c>_error</c> queue.
/// </summary>
internal sealed class RabbitMqDelayedRedelivery(BusOptions options, ILogger<RabbitMqDelayedRedelivery> logger) : IDelayedRedelivery
{
    /// <summary>The header MassTransit itself keeps the redelivery count in (<c>GetRedeliveryCount()</c>).</summary>
    public const string CountHeader = "MT-Redelivery-Count";

    private readonly ConcurrentDictionary<string, bool> _declared = new(StringComparer.Ordinal);

    public IFilter<ConsumeContext> CreateFilter(Func<Exception, bool> redeliverable, int retryLimit) => new Filter(this, redeliverable, retryLimit);

    /// <summary>Redeliveries a message has had so far, from its headers.</summary>
    public static int CountOf(IReadOnlyBasicProperties properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        if (properties.Headers is null || !properties.Headers.TryGetValue(CountHeader, out var value))
        {
            return 0;
        }

        return value switch
        {
            int i => i,
            long l => (int)Math.Clamp(l, 0, int.MaxValue),
            byte[] bytes when int.TryParse(Encoding.UTF8.GetString(bytes), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
            string text when int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => 0,
        };
    }

    private async Task<bool> TryRedeliverAsync(ConsumeContext context, Exception exception)
    {
        if (options.RedeliveryLimit <= 0
            || context.ReceiveContext is not RabbitMqBasicConsumeContext received
            || !context.ReceiveContext.TryGetPayload<ChannelContext>(out var channel))
        {
            return false;
        }

        var count = CountOf(received.Properties);
        if (count >= options.RedeliveryLimit)
        {
            return false;
        }

        var queue = context.ReceiveContext.InputAddress.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        if (string.IsNullOrEmpty(queue))
        {
            return false;
        }

        var delayQueue = queue + HostQueues.DelaySuffix;
        await DeclareAsync(channel, queue, delayQueue, context.CancellationToken);
        var properties = new BasicProperties(received.Properties)
        {
            Persistent = true,
            Headers = received.Properties.Headers is { } headers ? new Dictionary<string, object?>(headers) : new Dictionary<string, object?>(),
        };
        properties.Headers[CountHeader] = count + 1;

        // Straight into the delay queue through the default exchange, confirmed before the original is acked.
        await channel.BasicPublishAsync(string.Empty, delayQueue, true, properties, context.ReceiveContext.Body.GetBytes(), true, context.CancellationToken);
        logger.LogWarning(
            new EventId(1502, "DelayedRedelivery"),
            "Message {MessageId} on {Queue} failed after its retries ({Fault}); redelivery {Attempt} of {Limit} in {Delay}",
            context.MessageId,
            queue,
            exception.GetType().Name,
            count + 1,
            options.RedeliveryLimit,
            options.RedeliveryDelay);
        return true;
    }

    /// <summary>The queue's delay queue, declared once per host (idempotent on the broker, same arguments every time).</summary>
    private async Task DeclareAsync(ChannelContext channel, string queue, string delayQueue, CancellationToken cancellationToken)
    {
        if (_declared.ContainsKey(delayQueue))
        {
            return;
        }

        var arguments = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["x-message-ttl"] = (long)options.RedeliveryDelay.TotalMilliseconds,
            ["x-dead-letter-exchange"] = queue,
        };
        if (options.QueueType == BusQueueType.Quorum)
        {
            // Replicated and dead-lettered at least once, like the queue it serves.
            arguments["x-queue-type"] = "quorum";
            arguments["x-dead-letter-strategy"] = "at-least-once";
            arguments["x-overflow"] = "reject-publish";
        }

        await channel.QueueDeclare(delayQueue, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken);
        _declared[delayQueue] = true;
    }

    private sealed class Filter(RabbitMqDelayedRedelivery redelivery, Func<Exception, bool> redeliverable, int retryLimit) : IFilter<ConsumeContext>
    {
        public async Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure;
            try
            {
                await next.Send(context);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && redeliverable(ex) && context.GetRetryAttempt() >= retryLimit)
            {
                failure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex);
            }

            // Only the last in-process attempt gets here (the retries wrap this filter, earlier failures go back to
            // them). Handed to the delay queue and confirmed: this delivery is done. Otherwise the failure goes on as it was.
            if (!await redelivery.TryRedeliverAsync(context, failure.SourceException))
            {
                failure.Throw();
            }
        }

        public void Probe(ProbeContext context) => context.CreateFilterScope("sevenstampDelayedRedelivery");
    }
}
