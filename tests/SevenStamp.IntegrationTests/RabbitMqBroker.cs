using SevenStamp.IntegrationTests;
using Testcontainers.RabbitMq;

[assembly: AssemblyFixture(typeof(RabbitMqBroker))]

namespace SevenStamp.IntegrationTests;

/// <summary>
/// The broker for the integration tests, one per test run (an assembly fixture): the <c>amqp://</c> URI in
/// <c>SEVENSTAMP_TEST_RABBITMQ</c> when set (CI starts RabbitMQ from Debian packages), otherwise a Testcontainers
/// RabbitMQ where a Docker engine runs, started once for every class rather than once per class. With neither, every
/// test fails with a message saying how to start one. Classes share it through <see cref="RabbitMqFixture"/>, each with
/// its own queue names.
/// </summary>
public sealed class RabbitMqBroker : IAsyncLifetime
{
    public const string EnvironmentVariable = "SEVENSTAMP_TEST_RABBITMQ";

    private RabbitMqContainer? _container;

    public string Uri { get; private set; } = string.Empty;

    public async ValueTask InitializeAsync()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            Uri = configured;
            return;
        }

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

    public async ValueTask DisposeAsync()
    {
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }
}
