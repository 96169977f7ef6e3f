using System.Net;
using System.Runtime.Loader;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using SevenStamp.Contracts;
using SevenStamp.Loyalty;
using SevenStamp.Testing;

namespace SevenStamp.IntegrationTests;

/// <summary>
/// The host as operators run it: plugins loaded from disk, webhooks over HTTP, RabbitMQ with publisher confirms
/// and durable queues, stamps in the database; run on SQLite and on PostgreSQL (see the subclasses).
/// </summary>
public abstract class EndToEndTests(RabbitMqFixture rabbit) : IAsyncLifetime
{
    private const string Secret = "integration-secret-0123456789";
    private const string StampsAwardedExchange = "SevenStamp.Contracts:StampsAwarded";

    private RunningHost _host = null!;

    protected abstract LoyaltyStoreProvider Provider { get; }

    public async ValueTask InitializeAsync() =>
        _host = await RunningHost.StartAsync(
            """{ "connectors": [ { "id": "shop", "plugin": "generic-webhook", "merchantId": "cafe-1", "settings": { "signingSecret": "integration-secret-0123456789" } } ] }""",
            new Dictionary<string, string?>
            {
                ["SevenStamp:Bus:Transport"] = "RabbitMq",
                ["SevenStamp:Bus:RabbitMqUri"] = rabbit.Uri,
                ["SevenStamp:Bus:NamePrefix"] = rabbit.NamePrefix,
            },
            Provider);

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task WebhookSale_ThroughRabbitMq_ReachesTheDatabaseExactlyOnce()
    {
        await using var awarded = await ListenAsync(rabbit.NamePrefix + StampsAwardedExchange);
        var body = RunningHost.SaleJson("evt-1", $"S-{Guid.NewGuid():N}", "cust-1");
        var saleId = JsonDocument.Parse(body).RootElement.GetProperty("sale").GetProperty("id").GetString()!;

        var first = await _host.PostWebhookAsync("shop", body, Secret);
        var repeat = await _host.PostWebhookAsync("shop", body, Secret);
        var update = await _host.PostWebhookAsync("shop", body.Replace("evt-1", "evt-1-update", StringComparison.Ordinal), Secret);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        Assert.Contains("\"outcome\":\"duplicate\"", await repeat.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        // The repeated event stopped at the door; the update reached the consumer through RabbitMQ and changed nothing.
        Assert.True(await Eventually.HoldsAsync(async () => await _host.DeliveriesOfAsync("shop", saleId) == 2, TimeSpan.FromSeconds(30)), "The second delivery was not consumed.");
        Assert.Equal(1, await _host.QueryAsync(db => db.StampAwards.CountAsync(a => a.ExternalSaleId == saleId)));
        Assert.Equal(1, await _host.StampsOfAsync("shop", "cust-1"));
        // The award's event went out once, through the outbox relay, as a persistent message.
        var events = await awarded.TakeAsync(1, e => e.ExternalSaleId == saleId, TimeSpan.FromSeconds(30));
        Assert.Equal((1, 10), (events[0].Balance, events[0].Goal));
        Assert.All(awarded.DeliveryModes, mode => Assert.Equal(DeliveryModes.Persistent, mode));
    }

    [Fact]
    public async Task Sales_ConcurrentForSeveralCustomers_AddUpExactly()
    {
        const int customers = 3;
        const int salesEach = 10;
        var run = Guid.NewGuid().ToString("N")[..8];

        var responses = await Task.WhenAll(Enumerable.Range(0, customers * salesEach).Select(i =>
            _host.PostWebhookAsync("shop", RunningHost.SaleJson($"evt-{run}-{i}", $"S-{run}-{i}", $"cust-{run}-{i % customers}"), Secret)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var done = await Eventually.HoldsAsync(
            () => _host.QueryAsync(async db => await db.StampAwards.CountAsync(a => a.ExternalSaleId.StartsWith($"S-{run}-")) == customers * salesEach),
            TimeSpan.FromSeconds(60));
        Assert.True(done, "Not every sale was stamped within 60 s.");
        for (var c = 0; c < customers; c++)
        {
            Assert.Equal(salesEach, await _host.StampsOfAsync("shop", $"cust-{run}-{c}"));
        }
    }

    [Fact]
    public async Task ConsumerQueue_Declared_IsADurableQuorumQueueThatDeadLettersIntoItsErrorQueue()
    {
        await using var channel = await rabbit.Connection.CreateChannelAsync();

        var queue = await channel.QueueDeclarePassiveAsync(rabbit.NamePrefix + "sale-completed");
        // Re-declaring succeeds only with the very arguments the queue has (the broker answers 406 otherwise).
        await channel.QueueDeclareAsync(rabbit.NamePrefix + "sale-completed", durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?>
        {
            ["x-queue-type"] = "quorum",
            ["x-delivery-limit"] = 50,
            ["x-dead-letter-strategy"] = "at-least-once",
            ["x-overflow"] = "reject-publish",
            ["x-dead-letter-exchange"] = rabbit.NamePrefix + "sale-completed_error",
        });

        Assert.Equal(rabbit.NamePrefix + "sale-completed", queue.QueueName);
        Assert.True(queue.ConsumerCount >= 1);
    }

    [Fact]
    public void Plugin_Running_LoadsFromItsOwnContextNotTheHosts()
    {
        var pluginAssemblies = AppDomain.CurrentDomain.GetAssemblies().Where(a => a.GetName().Name == "SevenStamp.Connectors.Webhook").ToList();

        Assert.NotEmpty(pluginAssemblies);
        Assert.All(pluginAssemblies, a => Assert.NotSame(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(a)));
        Assert.All(pluginAssemblies, a => Assert.StartsWith(Path.Combine(AppContext.BaseDirectory, "plugins"), a.Location, StringComparison.Ordinal));
    }

    /// <summary>Binds a queue of the test's own to a message type's exchange and collects what arrives.</summary>
    private async Task<Listener> ListenAsync(string exchange)
    {
        var channel = await rabbit.Connection.CreateChannelAsync();
        // Declared as MassTransit declares message exchanges, so whichever side comes first, both agree.
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        var queue = await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true);
        await channel.QueueBindAsync(queue.QueueName, exchange, string.Empty);
        var listener = new Listener(channel);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            listener.Add(delivery);
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
        return listener;
    }

    private sealed class Listener(IChannel channel) : IAsyncDisposable
    {
        private readonly List<(StampsAwarded Message, DeliveryModes Mode)> _received = [];
        private readonly Lock _gate = new();

        public IReadOnlyList<DeliveryModes> DeliveryModes
        {
            get
            {
                lock (_gate)
                {
                    return [.. _received.Select(r => r.Mode)];
                }
            }
        }

        public void Add(BasicDeliverEventArgs delivery)
        {
            // MassTransit's envelope: { "message": { ... }, "messageType": [...], ... }.
            using var envelope = JsonDocument.Parse(delivery.Body);
            var message = envelope.RootElement.GetProperty("message").Deserialize<StampsAwarded>(new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
            lock (_gate)
            {
                _received.Add((message, delivery.BasicProperties.DeliveryMode));
            }
        }

        public async Task<IReadOnlyList<StampsAwarded>> TakeAsync(int count, Func<StampsAwarded, bool> filter, TimeSpan timeout)
        {
            IReadOnlyList<StampsAwarded> Matching()
            {
                lock (_gate)
                {
                    return [.. _received.Select(r => r.Message).Where(filter)];
                }
            }

            await Eventually.HoldsAsync(() => Task.FromResult(Matching().Count >= count), timeout);
            var result = Matching();
            Assert.True(result.Count == count, $"Expected {count} StampsAwarded, got {result.Count}.");
            return result;
        }

        public async ValueTask DisposeAsync() => await channel.DisposeAsync();
    }
}

public sealed class EndToEndSqliteTests(RabbitMqFixture rabbit) : EndToEndTests(rabbit), IClassFixture<RabbitMqFixture>
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.Sqlite;
}

public sealed class EndToEndPostgresTests(RabbitMqFixture rabbit) : EndToEndTests(rabbit), IClassFixture<RabbitMqFixture>
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.PostgreSql;
}
