using RabbitMQ.Client;

namespace SevenStamp.IntegrationTests;

/// <summary>
/// One class's share of the test broker (<see cref="RabbitMqBroker"/>, one per test run): a queue-name prefix of its
/// own and a connection. Each class uses queue names of its own and deletes them afterwards, so tests never see each
/// other's messages.
/// </summary>
public sealed class RabbitMqFixture(RabbitMqBroker broker) : IAsyncLifetime
{
    public const string EnvironmentVariable = RabbitMqBroker.EnvironmentVariable;

    public string Uri => broker.Uri;

    /// <summary>A queue-name prefix unique to this fixture.</summary>
    public string NamePrefix { get; } = $"it-{Guid.NewGuid():N}"[..11] + "-";

    public IConnection Connection { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        try
        {
            Connection = await new ConnectionFactory { Uri = new Uri(Uri) }.CreateConnectionAsync("sevenstamp-integration-tests");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new InvalidOperationException(
                $"Cannot connect to RabbitMQ at the URI in {EnvironmentVariable} ({ex.Message}). Is it running? ../shared/scripts/start-rabbitmq.sh starts one.",
                ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Connection is not null)
        {
            await using (var channel = await Connection.CreateChannelAsync())
            {
                // Every queue the hosts of these tests declared, with its error and skipped queues: a quorum queue
                // left behind is a Raft group the broker recovers on every start.
                foreach (var name in SevenStamp.Connectors.Host.Messaging.HostQueues.All(NamePrefix))
                {
                    await channel.QueueDeleteAsync(name, ifUnused: false, ifEmpty: false);
                    await channel.ExchangeDeleteAsync(name, ifUnused: false);
                }
            }

            await Connection.CloseAsync();
            Connection.Dispose();
        }
    }
}
