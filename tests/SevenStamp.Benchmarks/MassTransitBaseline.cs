using System.Diagnostics;
using MassTransit;
using SevenStamp.Connectors.Host.Messaging;
using SevenStamp.Contracts;

namespace SevenStamp.Benchmarks;

/// <summary>
/// The framework's own limit on this machine: MassTransit 8 alone, with no HTTP and no database, publishing the
/// product's <see cref="SaleCompleted"/> with publisher confirms (about 1,000 awaiting their confirm at a time) to
/// a quorum queue, consumed at the same time by a consumer that does nothing (prefetch 200, 200 concurrent), after a
/// warm-up.
/// This is what the "MassTransit alone, tuned, reaches about 0.5×" refers to; it shows how much of the
/// gap between the raw client and the product the bus framework takes by itself.
/// </summary>
internal static class MassTransitBaseline
{
    private const int InFlight = 1_000;
    private const int Prefetch = 200;

    public sealed record Result(int Messages, double PublishPerSecond, double EndToEndPerSecond, double CpuMsPerMessage);

    /// <summary>
    /// Publishes and consumes <paramref name="messages"/> after <paramref name="warmUp"/> unmeasured ones. With
    /// <paramref name="rawJson"/>, plain JSON bodies with the headers in the transport's (MassTransit's raw JSON
    /// serializer, the tuning that counts most here) instead of the JSON envelope the product sends.
    /// </summary>
    public static async Task<Result> RunAsync(string rabbitUri, int messages, int warmUp, bool rawJson, CancellationToken cancellationToken)
    {
        var endpoint = RabbitMqEndpoint.Parse(rabbitUri);
        var prefix = $"bench-mt-{Guid.NewGuid():N}"[..17] + "-";
        var queue = prefix + "sales";
        var counter = new Counter();
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(endpoint.Host, (ushort)endpoint.Port, endpoint.VirtualHost, "sevenstamp-bench-masstransit", h =>
            {
                h.Username(endpoint.Username);
                h.Password(endpoint.Password);
                h.PublisherConfirmation = true;
            });
            cfg.MessageTopology.SetEntityNameFormatter(new PrefixEntityNameFormatter(cfg.MessageTopology.EntityNameFormatter, prefix));
            cfg.Durable = true;
            cfg.AutoDelete = false;
            if (rawJson)
            {
                cfg.UseRawJsonSerializer(RawSerializerOptions.All, isDefault: true);
            }

            cfg.ReceiveEndpoint(queue, e =>
            {
                e.SetQuorumQueue();
                e.PrefetchCount = Prefetch;
                e.ConcurrentMessageLimit = Prefetch;
                e.Consumer(() => new CountingConsumer(counter));
            });
        });

        await bus.StartAsync(cancellationToken);
        try
        {
            var sale = new SaleCompleted
            {
                MerchantId = "cafe-1",
                ConnectorId = "shop",
                ExternalSaleId = "order-0000000000",
                SourceEventId = "evt-0000000000",
                OccurredAt = DateTimeOffset.UtcNow,
                Customer = new CustomerIdentifiers { PosCustomerId = "customer-0000" },
                Currency = "EUR",
                Total = 4.5m,
                LineItems = [new SaleLineItem { Name = "Flat white", Quantity = 1, UnitPrice = 4.5m }],
            };

            // The warm-up compiles the publish and consume pipelines, as the host's own warm-up does for the product.
            await SendAsync(bus, sale, counter, 0, warmUp, cancellationToken);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var started = Stopwatch.GetTimestamp();
            var published = await SendAsync(bus, sale, counter, warmUp, messages, cancellationToken);
            var endToEnd = Stopwatch.GetElapsedTime(started);
            var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            return new Result(messages, messages / published.TotalSeconds, messages / endToEnd.TotalSeconds, cpuUsed.TotalMilliseconds / messages);
        }
        finally
        {
            await bus.StopAsync(CancellationToken.None);
            await DeleteAsync(rabbitUri, queue, prefix + "SevenStamp.Contracts:SaleCompleted");
        }
    }

    /// <summary>Publishes <paramref name="count"/> sales; returns once the last is consumed, with the time to the last confirm.</summary>
    private static async Task<TimeSpan> SendAsync(IBus bus, SaleCompleted sale, Counter counter, int first, int count, CancellationToken cancellationToken)
    {
        var consumed = counter.Expect(count);
        var started = Stopwatch.GetTimestamp();
        // With publisher confirmation on, each publish completes when the broker confirmed its message.
        await BoundedPublishes.RunAsync(count, InFlight, i => bus.Publish(sale with { ExternalSaleId = $"order-{first + i:D10}" }, cancellationToken), cancellationToken);
        var published = Stopwatch.GetElapsedTime(started);
        await consumed.WaitAsync(TimeSpan.FromMinutes(5), cancellationToken);
        return published;
    }

    private static async Task DeleteAsync(string rabbitUri, string queue, string messageExchange)
    {
        var factory = new RabbitMQ.Client.ConnectionFactory { Uri = new Uri(rabbitUri) };
        await using var connection = await factory.CreateConnectionAsync(CancellationToken.None);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: CancellationToken.None);
        await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false, cancellationToken: CancellationToken.None);
        await channel.ExchangeDeleteAsync(queue, cancellationToken: CancellationToken.None);
        await channel.ExchangeDeleteAsync(messageExchange, cancellationToken: CancellationToken.None);
    }

    /// <summary>Counts consumed messages towards the phase running; one phase at a time.</summary>
    private sealed class Counter
    {
        private int _left;
        private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Expect(int count)
        {
            _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _left, count);
            return _done.Task;
        }

        public void One()
        {
            if (Interlocked.Decrement(ref _left) == 0)
            {
                _done.TrySetResult();
            }
        }
    }

    private sealed class CountingConsumer(Counter counter) : IConsumer<SaleCompleted>
    {
        public Task Consume(ConsumeContext<SaleCompleted> context)
        {
            counter.One();
            return Task.CompletedTask;
        }
    }
}
