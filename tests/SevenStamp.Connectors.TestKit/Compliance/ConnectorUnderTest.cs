using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.TestKit.Compliance;

/// <summary>A connector task created the way the host creates it, over a recording sink, an in-memory store and a line logger.</summary>
public sealed class ConnectorUnderTest : IAsyncDisposable
{
    public ConnectorUnderTest(IConnectorTask task, RecordingSink sink, IConnectorStore store, LineLogger logger)
    {
        Task = task;
        Sink = sink;
        Store = store;
        Logger = logger;
    }

    public IConnectorTask Task { get; }

    public RecordingSink Sink { get; }

    public IConnectorStore Store { get; }

    public LineLogger Logger { get; }

    /// <summary>The task as a webhook receiver; fails the test when the connector does not receive webhooks.</summary>
    public IWebhookReceiver Receiver => Task as IWebhookReceiver
        ?? throw new InvalidOperationException($"{Task.GetType().Name} does not implement IWebhookReceiver.");

    public ValueTask DisposeAsync() => Task.DisposeAsync();
}
