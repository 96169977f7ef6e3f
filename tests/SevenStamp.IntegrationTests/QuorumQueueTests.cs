using System.Text;
using RabbitMQ.Client;
using SevenStamp.Connectors.Host;
using SevenStamp.Connectors.Host.Operations;
using SevenStamp.Testing;

namespace SevenStamp.IntegrationTests;

/// <summary>
/// The consumer queues are quorum queues with an explicit delivery limit and a dead-letter exchange: a message the
/// broker delivered too often without an ack (a consumer that died on it every time) ends in the error queue, where
/// the operator's <c>errors</c> command shows it, instead of being dropped.
/// </summary>
public sealed class QuorumQueueTests(RabbitMqFixture rabbit) : IClassFixture<RabbitMqFixture>
{
    private BusOptions Bus => new() { RabbitMqUri = rabbit.Uri, NamePrefix = rabbit.NamePrefix };

    [Fact]
    public async Task QuorumQueue_MessageDeliveredPastTheLimit_IsDeadLetteredIntoTheErrorQueue()
    {
        // The host declares the topology, then stops: no consumer competes with the deliveries below.
        var host = await RunningHost.StartAsync(
            """{ "connectors": [] }""",
            new Dictionary<string, string?>
            {
                ["SevenStamp:Bus:Transport"] = "RabbitMq",
                ["SevenStamp:Bus:RabbitMqUri"] = rabbit.Uri,
                ["SevenStamp:Bus:NamePrefix"] = rabbit.NamePrefix,
                ["SevenStamp:Bus:DeliveryLimit"] = "3",
            });
        await host.DisposeAsync();

        var queue = rabbit.NamePrefix + "sale-completed";
        await using var channel = await rabbit.Connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));

        // A quorum queue refuses a redeclaration as classic: the broker says what type it is.
        await using (var probe = await rabbit.Connection.CreateChannelAsync())
        {
            var refused = await Assert.ThrowsAnyAsync<RabbitMQ.Client.Exceptions.OperationInterruptedException>(() =>
                probe.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?> { ["x-queue-type"] = "classic" }));
            Assert.Contains("inequivalent arg", refused.Message, StringComparison.Ordinal);
        }

        var properties = new BasicProperties { ContentType = "application/vnd.masstransit+json", Persistent = true, MessageId = Guid.NewGuid().ToString() };
        await channel.BasicPublishAsync(string.Empty, queue, mandatory: true, properties, Encoding.UTF8.GetBytes("""{ "message": { "crashes": "its consumer" } }"""));

        // Each delivery ends without an ack, as when the consumer's process dies mid-message.
        var deliveries = 0;
        for (var i = 0; i < 20; i++)
        {
            var message = await channel.BasicGetAsync(queue, autoAck: false);
            if (message is null)
            {
                if ((await channel.QueueDeclarePassiveAsync(queue + "_error")).MessageCount == 1)
                {
                    break;
                }

                await Task.Delay(100);
                continue;
            }

            deliveries++;
            await channel.BasicNackAsync(message.DeliveryTag, multiple: false, requeue: true);
        }

        Assert.True(await Eventually.HoldsAsync(async () => (await channel.QueueDeclarePassiveAsync(queue + "_error")).MessageCount == 1, TimeSpan.FromSeconds(30)), "The message was not dead-lettered into the error queue.");
        Assert.Equal(0u, (await channel.QueueDeclarePassiveAsync(queue)).MessageCount);
        Assert.InRange(deliveries, 3, 4);

        using var output = new StringWriter();
        Assert.Equal(0, await new ErrorQueueCommand(Bus, output).RunAsync(["show", "--queue", "sale-completed"], CancellationToken.None));
        Assert.Contains("dead-lettered by the broker (delivery_limit)", output.ToString(), StringComparison.Ordinal);
    }
}
