using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using SevenStamp.Connectors.Host;
using SevenStamp.Connectors.Host.Messaging;
using SevenStamp.Loyalty.Messaging;
using SevenStamp.Testing;

namespace SevenStamp.IntegrationTests;

/// <summary>A message for the delayed-redelivery tests: fails <see cref="FailTimes"/> times with <see cref="Fault"/>.</summary>
public sealed record RedeliveryProbe(Guid Id, int FailTimes, string Fault);

/// <summary>
/// Delayed redelivery on a real RabbitMQ, without the delayed-message plugin: after the in-process retries, a
/// transient failure goes through the queue's <c>_delay</c> queue (TTL, dead-lettered back) and is tried again; after
/// the redelivery limit, or at once for a fault that is not transient, the message lands in <c>_error</c>.
/// </summary>
public sealed class DelayedRedeliveryTests(RabbitMqFixture rabbit) : IClassFixture<RabbitMqFixture>, IAsyncLifetime
{
    private readonly string _queue = rabbit.NamePrefix + "redelivery-probe-" + Guid.NewGuid().ToString("N")[..6];
    private readonly ProbeLog _log = new();
    private ServiceProvider? _services;
    private IBusControl? _bus;

    public async ValueTask InitializeAsync()
    {
        var options = new BusOptions { RabbitMqUri = rabbit.Uri, QueueType = BusQueueType.Quorum, RedeliveryLimit = 2, RedeliveryDelay = TimeSpan.FromSeconds(1) };
        var redelivery = new RabbitMqDelayedRedelivery(options, NullLogger<RabbitMqDelayedRedelivery>.Instance);
        var services = new ServiceCollection();
        services.AddSingleton(_log);
        services.AddSingleton<IDelayedRedelivery>(redelivery);
        services.AddMassTransit(x =>
        {
            x.AddConsumer<ProbeConsumer>();
            x.AddConsumer<ProbeFaultConsumer>();
            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(new Uri(rabbit.Uri));
                // Prefixed message exchanges, so the faults of this class's probes reach only its own fault queue.
                cfg.MessageTopology.SetEntityNameFormatter(new PrefixEntityNameFormatter(cfg.MessageTopology.EntityNameFormatter, _queue + "-"));
                cfg.ReceiveEndpoint(_queue + "-faults", e => e.ConfigureConsumer<ProbeFaultConsumer>(context));
                cfg.ReceiveEndpoint(_queue, e =>
                {
                    // The consumers' own policy, as their definitions set it: one immediate retry of a timeout,
                    // then delayed redeliveries, then the error queue.
                    e.UseRetryThenDelayedRedelivery(context, ex => ex is TimeoutException, retryLimit: 1, (r, limit) => r.Immediate(limit));
                    e.ConfigureConsumer<ProbeConsumer>(context);
                });
            });
        });
        _services = services.BuildServiceProvider();
        _bus = _services.GetRequiredService<IBusControl>();
        await _bus.StartAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_bus is not null)
        {
            await _bus.StopAsync(CancellationToken.None);
        }

        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        await using var channel = await rabbit.Connection.CreateChannelAsync();
        foreach (var name in new[] { _queue, _queue + "_error", _queue + "_skipped", _queue + "_delay", _queue + "-faults" })
        {
            await channel.QueueDeleteAsync(name, ifUnused: false, ifEmpty: false);
            await channel.ExchangeDeleteAsync(name, ifUnused: false);
        }

        foreach (var type in new[] { typeof(RedeliveryProbe), typeof(Fault<RedeliveryProbe>) })
        {
            await channel.ExchangeDeleteAsync(_queue + "-" + new MassTransit.RabbitMqTransport.RabbitMqMessageNameFormatter().GetMessageName(type).ToString(), ifUnused: false);
        }
    }

    [Fact]
    public async Task Consume_TransientFailureOutlastingTheRetries_IsRedeliveredAfterTheDelayAndThenSucceeds()
    {
        // Two attempts per delivery (one immediate retry): the first delivery and the first redelivery fail.
        var probe = new RedeliveryProbe(Guid.NewGuid(), FailTimes: 4, nameof(TimeoutException));
        await SendAsync(probe);

        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(_log.Succeeded.ContainsKey(probe.Id)), TimeSpan.FromSeconds(60)), "The probe never succeeded.");
        Assert.Equal(2, _log.Succeeded[probe.Id]);
        Assert.Equal([0, 0, 1, 1, 2], _log.Attempts[probe.Id]);
        Assert.Equal(0u, await DepthAsync(_queue + "_error"));
    }

    [Fact]
    public async Task Consume_SucceedsOnARedelivery_PublishesNoFault()
    {
        // Arrange: a probe that fails its first delivery, and one that fails for good (whose fault shows that faults
        // are published and reach the fault queue).
        var redelivered = new RedeliveryProbe(Guid.NewGuid(), FailTimes: 2, nameof(TimeoutException));
        var failed = new RedeliveryProbe(Guid.NewGuid(), FailTimes: int.MaxValue, nameof(ArgumentException));

        // Act
        await SendAsync(redelivered);
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(_log.Succeeded.ContainsKey(redelivered.Id)), TimeSpan.FromSeconds(60)), "The redelivered probe never succeeded.");
        await SendAsync(failed);
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(_log.Faults.ContainsKey(failed.Id)), TimeSpan.FromSeconds(60)), "The failed probe's fault was never published.");

        // Assert: subscribers to the faults hear of the message that failed, not of the one that was redelivered.
        Assert.Equal(1, _log.Succeeded[redelivered.Id]);
        Assert.False(_log.Faults.ContainsKey(redelivered.Id), "A fault was published for a message that was redelivered and then succeeded.");
    }

    [Fact]
    public async Task Consume_TransientFailurePastTheRedeliveryLimit_LandsInTheErrorQueueWithItsCount()
    {
        var probe = new RedeliveryProbe(Guid.NewGuid(), FailTimes: int.MaxValue, nameof(TimeoutException));
        await SendAsync(probe);

        Assert.True(await Eventually.HoldsAsync(async () => await DepthAsync(_queue + "_error") == 1, TimeSpan.FromSeconds(60)), "The probe never reached the error queue.");
        Assert.Equal([0, 0, 1, 1, 2, 2], _log.Attempts[probe.Id]);
        await using var channel = await rabbit.Connection.CreateChannelAsync();
        var dead = await channel.BasicGetAsync(_queue + "_error", autoAck: true);
        Assert.NotNull(dead);
        Assert.Equal(2, RabbitMqDelayedRedelivery.CountOf(dead.BasicProperties));
        Assert.Equal(0u, await DepthAsync(_queue + "_delay"));
    }

    [Fact]
    public async Task Consume_FaultThatIsNotTransient_GoesToTheErrorQueueWithoutARetryOrARedelivery()
    {
        var probe = new RedeliveryProbe(Guid.NewGuid(), FailTimes: int.MaxValue, nameof(ArgumentException));
        await SendAsync(probe);

        Assert.True(await Eventually.HoldsAsync(async () => await DepthAsync(_queue + "_error") == 1, TimeSpan.FromSeconds(60)), "The probe never reached the error queue.");
        // One attempt: the policy retries only the faults it was told are transient.
        Assert.Equal([0], _log.Attempts[probe.Id]);
    }

    private async Task SendAsync(RedeliveryProbe probe)
    {
        var endpoint = await _bus!.GetSendEndpoint(new Uri($"queue:{_queue}"));
        await endpoint.Send(probe, TestContext.Current.CancellationToken);
    }

    private async Task<uint> DepthAsync(string queue)
    {
        await using var channel = await rabbit.Connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return 0;
        }
    }

    public sealed class ProbeLog
    {
        public ConcurrentDictionary<Guid, List<int>> Attempts { get; } = new();

        public ConcurrentDictionary<Guid, int> Succeeded { get; } = new();

        public ConcurrentDictionary<Guid, int> Faults { get; } = new();
    }

    public sealed class ProbeFaultConsumer(ProbeLog log) : IConsumer<Fault<RedeliveryProbe>>
    {
        public Task Consume(ConsumeContext<Fault<RedeliveryProbe>> context)
        {
            log.Faults.AddOrUpdate(context.Message.Message.Id, 1, (_, n) => n + 1);
            return Task.CompletedTask;
        }
    }

    public sealed class ProbeConsumer(ProbeLog log) : IConsumer<RedeliveryProbe>
    {
        private static int Redeliveries(ConsumeContext context) =>
            context.ReceiveContext is RabbitMqBasicConsumeContext received ? RabbitMqDelayedRedelivery.CountOf(received.Properties) : -1;

        public Task Consume(ConsumeContext<RedeliveryProbe> context)
        {
            var attempts = log.Attempts.GetOrAdd(context.Message.Id, _ => []);
            int attempt;
            lock (attempts)
            {
                attempts.Add(Redeliveries(context));
                attempt = attempts.Count;
            }

            if (attempt <= context.Message.FailTimes)
            {
                throw context.Message.Fault == nameof(TimeoutException)
                    ? new TimeoutException("probe: the database did not answer")
                    : new ArgumentException("probe: a malformed message", nameof(context));
            }

            log.Succeeded[context.Message.Id] = Redeliveries(context);
            return Task.CompletedTask;
        }
    }
}
