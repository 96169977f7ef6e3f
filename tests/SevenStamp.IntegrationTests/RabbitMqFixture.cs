using RabbitMQ.Client;
using Testcontainers.RabbitMq;

namespace SevenStamp.IntegrationTests;

/// <summary>
/// The broker for the integration tests: the <c>amqp://</c> URI in <c>SEVENSTAMP_TEST_RABBITMQ</c> when set (CI
/// starts RabbitMQ from Debian packages), otherwise a Testcontainers RabbitMQ where a Docker engine runs. With
/// neither, every test fails with a message saying how to start one. Each fixture uses queue names of its own
/// and deletes them afterwards, so runs never see each other's messages.
/// </summary>
public sealed class RabbitMqFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = "SEVENSTAMP_TEST_RABBITMQ";

    private RabbitMqContainer? _container;

    public string Uri { get; private set; } = string.Empty;

    /// <summary>A queue-name prefix unique to this fixture.</summary>
    public string NamePrefix { get; } = $"it-{Guid.NewGuid():N}"[..11] + "-";

    public IConnection Connection { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            Uri = configured;
        }
        else
        {
            try
            {
                _container = new RabbitMqBuilder("rabbitmq:4-management").Build();
                await _container.StartAsync();
                Uri = _container.GetConnectionString();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new InvalidOperationException(
                    $"The integration tests need RabbitMQ. Set {EnvironmentVariable}=amqp://guest:guest@127.0.0.1:5672/ "
                    + "(../shared/scripts/start-rabbitmq.sh installs and starts one and prints that URI), "
                    + $"or run a Docker engine so Testcontainers can start one. Testcontainers said: {ex.Message}",
                    ex);
            }
        }

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

        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }
}
