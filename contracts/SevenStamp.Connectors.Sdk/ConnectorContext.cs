using Microsoft.Extensions.Logging;

namespace SevenStamp.Connectors.Sdk;

/// <summary>What the host hands a connector task: who it is, its validated settings, and its services.</summary>
public sealed class ConnectorContext
{
    public ConnectorContext(string connectorId, string merchantId, ConnectorSettings settings, ICheckoutEventSink sink, ILogger logger, TimeProvider timeProvider)
        : this(connectorId, merchantId, settings, sink, logger, timeProvider, new InMemoryConnectorStore())
    {
    }

    /// <summary>Since SDK 1.1: with the host's durable <see cref="IConnectorStore"/>.</summary>
    public ConnectorContext(string connectorId, string merchantId, ConnectorSettings settings, ICheckoutEventSink sink, ILogger logger, TimeProvider timeProvider, IConnectorStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectorId);
        ArgumentException.ThrowIfNullOrWhiteSpace(merchantId);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ConnectorId = connectorId;
        MerchantId = merchantId;
        Settings = settings;
        Sink = sink;
        Logger = logger;
        TimeProvider = timeProvider;
        Store = store;
    }

    /// <summary>The connector instance id from the merchant's configuration, e.g. <c>shop-webhook</c>.</summary>
    public string ConnectorId { get; }

    /// <summary>The merchant that owns this instance.</summary>
    public string MerchantId { get; }

    /// <summary>The validated settings, defaults applied.</summary>
    public ConnectorSettings Settings { get; }

    /// <summary>Where to hand normalized records.</summary>
    public ICheckoutEventSink Sink { get; }

    /// <summary>A logger scoped to this instance. Never log secrets, raw payloads or customer contact data.</summary>
    public ILogger Logger { get; }

    /// <summary>Durable offsets and seen event ids of this instance (since SDK 1.1).</summary>
    public IConnectorStore Store { get; }

    /// <summary>The clock. Use it instead of <see cref="DateTimeOffset.UtcNow"/> so tests control time.</summary>
    public TimeProvider TimeProvider { get; }
}
