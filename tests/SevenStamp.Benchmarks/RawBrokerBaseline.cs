using System.Diagnostics;
using System.Threading.RateLimiting;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace SevenStamp.Benchmarks;

/// <summary>
/// The physical limit: RabbitMQ.Client 7 alone, ~300-byte persistent messages published with publisher confirms
/// (about 1,000 unconfirmed at a time, held there by a concurrency limiter) to a quorum queue (the queue type the
/// host's consumer endpoints declare by default, <c>SevenStamp:Bus:QueueType</c>), consumed at the same time with manual acks and prefetch 200.
/// </summary>
internal static class RawBrokerBaseline
{
    private const int InFlight = 1_000;
    private const ushort Prefetch = 200;

    public sealed record Result(int Messages, double PublishPerSecond, double EndToEndPerSecond);

    public static async Task<Result> RunAsync(string rabbitUri, int messages, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory { Uri = new Uri(rabbitUri), ClientProvidedName = "sevenstamp-bench-baseline" };
        await using var connection = await factory.CreateConnectionAsync(cancellationToken);
        var queue = $"bench-baseline-{Guid.NewGuid():N}";

        // A concurrency limiter: at most InFlight publishes await their confirm; a freed permit is reused at once.
        using var limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = InFlight, QueueLimit = InFlight * 4, QueueProcessingOrder = QueueProcessingOrder.OldestFirst });
        await using var publisher = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: limiter),
            cancellationToken);
        await using var consumerChannel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await publisher.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, Benchmark.QuorumQueue, cancellationToken: cancellationToken);
        try
        {
            await consumerChannel.BasicQosAsync(0, Prefetch, false, cancellationToken);
            var consumed = 0;
            var allConsumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var consumer = new AsyncEventingBasicConsumer(consumerChannel);
            consumer.ReceivedAsync += async (_, delivery) =>
            {
                await consumerChannel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
                if (Interlocked.Increment(ref consumed) == messages)
                {
                    allConsumed.TrySetResult();
                }
            };
            await consumerChannel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken);

            var body = new byte[300];
            Random.Shared.NextBytes(body);
            var properties = new BasicProperties { Persistent = true, ContentType = "application/json" };
            var started = Stopwatch.GetTimestamp();

            // The channel's limiter holds each publish until a confirm frees a permit; this bound only keeps the
            // number of pending publish tasks (and their memory) to the same order. With confirmation tracking, a
            // publish completes when the broker confirmed the message.
            await BoundedPublishes.RunAsync(messages, InFlight, async _ => await publisher.BasicPublishAsync(string.Empty, queue, mandatory: false, properties, body, cancellationToken), cancellationToken);
            var published = Stopwatch.GetElapsedTime(started);
            await allConsumed.Task.WaitAsync(TimeSpan.FromMinutes(5), cancellationToken);
            var endToEnd = Stopwatch.GetElapsedTime(started);
            return new Result(messages, messages / published.TotalSeconds, messages / endToEnd.TotalSeconds);
        }
        finally
        {
            await publisher.QueueDeleteAsync(queue, cancellationToken: CancellationToken.None);
        }
    }
}
