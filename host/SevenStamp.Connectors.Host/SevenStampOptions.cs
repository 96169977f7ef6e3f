using System.ComponentModel.DataAnnotations;

namespace SevenStamp.Connectors.Host;

/// <summary>The host's settings, bound from the <c>SevenStamp</c> section (or <c>SevenStamp__…</c> environment variables).</summary>
public sealed class SevenStampOptions
{
    public const string SectionName = "SevenStamp";

    /// <summary>The folder holding one sub-folder per plugin (<c>&lt;root&gt;/&lt;Name&gt;/&lt;Name&gt;.dll</c>). Relative paths are under the host's own folder.</summary>
    [Required]
    public string PluginRoot { get; set; } = "plugins";

    /// <summary>
    /// A second folder of plugins, searched after <see cref="PluginRoot"/>, e.g. a read-only mount of third-party
    /// plugins in Docker (<c>/app/plugins-extra</c>). A plugin id already loaded from the first root is refused here.
    /// </summary>
    public string? AdditionalPluginRoot { get; set; }

    /// <summary>The merchant's connector configuration file. Relative paths are under the content root.</summary>
    [Required]
    public string ConnectorsFile { get; set; } = "connectors.json";

    /// <summary>How long a connector may take to start or stop before it is marked failed.</summary>
    public TimeSpan ConnectorStartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First wait before restarting a connector that threw or hung while starting, or whose worker died; doubles each time.</summary>
    public TimeSpan ConnectorRestartDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait between restarts of a failing connector; a run longer than this starts the series over.</summary>
    public TimeSpan ConnectorRestartMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Consecutive failed webhook calls after which a connector's circuit opens (answers 503 without calling it).</summary>
    [Range(1, 1000)]
    public int CircuitBreakerFailures { get; set; } = 5;

    /// <summary>How long an open circuit stays open before the connector gets calls again.</summary>
    public TimeSpan CircuitBreakerOpenFor { get; set; } = TimeSpan.FromSeconds(30);

    public BusOptions Bus { get; set; } = new();

    public WebhookOptions Webhooks { get; set; } = new();

    public DemoOptions Demo { get; set; } = new();

    public ApiOptions Api { get; set; } = new();

    public ConnectorManagementOptions Connectors { get; set; } = new();

    public VoucherLinkOptions Vouchers { get; set; } = new();
}

public sealed class ApiOptions
{
    /// <summary>
    /// The bearer key for the management API (<c>/api/…</c>): <c>Authorization: Bearer &lt;key&gt;</c>. Unset, the
    /// management API answers 503. Keep it in an environment variable or secret store, at least 32 characters.
    /// </summary>
    public string? AdminKey { get; set; }
}

/// <summary>Connectors managed through the management API (<c>/api/connectors</c>).</summary>
public sealed class ConnectorManagementOptions
{
    /// <summary>
    /// The key secret setting values are encrypted with (AES-GCM) before they are stored: 32 random bytes, base64
    /// (<c>openssl rand -base64 32</c>), the same on every replica. Unset, the API refuses plain secret values and
    /// accepts only <c>${env:NAME}</c> references.
    /// </summary>
    public string? SecretsKey { get; set; }

    /// <summary>How often each replica reads the stored connectors and applies changes made through another replica.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);
}

public sealed class VoucherLinkOptions
{
    /// <summary>
    /// The secret customers' voucher links are signed with (at least 32 characters; the same on every replica).
    /// Unset, a random one is made at start and links stop working after a restart.
    /// </summary>
    public string? LinkSecret { get; set; }
}

public enum BusTransport
{
    /// <summary>RabbitMQ, for every real deployment.</summary>
    RabbitMq = 0,

    /// <summary>MassTransit's in-memory bus: the zero-setup demo only; messages do not survive a restart.</summary>
    InMemory = 1,
}

public sealed class BusOptions
{
    public BusTransport Transport { get; set; } = BusTransport.RabbitMq;

    /// <summary><c>amqp://user:password@host:port/vhost</c> (or <c>amqps://</c>). Its password is never logged.</summary>
    public string RabbitMqUri { get; set; } = "amqp://guest:guest@localhost:5672/";

    /// <summary>How long a publish may wait for the broker's confirm before the event is refused (webhook answered 503).</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Put in front of every queue and exchange name, e.g. <c>staging-</c>, so several environments can share
    /// one broker virtual host without seeing each other's messages. Separate virtual hosts are the better
    /// isolation where the operator can create them.
    /// </summary>
    [RegularExpression("^[a-z0-9-]{0,40}$", ErrorMessage = "SevenStamp:Bus:NamePrefix may hold lower-case letters, digits and dashes only (at most 40).")]
    public string? NamePrefix { get; set; }

    /// <summary>Messages each consumer endpoint fetches ahead.</summary>
    [Range(1, 10_000)]
    public int PrefetchCount { get; set; } = 32;

    /// <summary>
    /// The type of the consumer queues: <see cref="BusQueueType.Quorum"/> (replicated, the production choice) or
    /// <see cref="BusQueueType.Classic"/>. A queue's type cannot change once declared: an installation whose queues were
    /// declared classic keeps <c>Classic</c> until they are drained and deleted.
    /// </summary>
    public BusQueueType QueueType { get; set; } = BusQueueType.Quorum;

    /// <summary>
    /// Quorum queues: how often the broker may deliver one message (each delivery that ends without an ack, e.g. a
    /// host killed mid-message, counts) before dead-lettering it into the queue's <c>_error</c> queue, where the
    /// <c>errors</c> command shows it. Retries inside the host do not count.
    /// </summary>
    [Range(2, 10_000)]
    public int DeliveryLimit { get; set; } = 50;

    /// <summary>
    /// RabbitMQ: times a message whose in-process retries ran out on a transient fault (the database, APNs, Google
    /// unavailable) goes back to its queue after <see cref="RedeliveryDelay"/>, retries and all, before it lands in
    /// the <c>_error</c> queue. 0 turns delayed redelivery off.
    /// </summary>
    [Range(0, 100)]
    public int RedeliveryLimit { get; set; } = 3;

    /// <summary>RabbitMQ: how long a message waits in its queue's <c>_delay</c> queue before each redelivery.</summary>
    public TimeSpan RedeliveryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often queue depths (consumer lag) are read for <c>/metrics</c>.</summary>
    public TimeSpan QueueMetricsInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// False runs an ingress-only host: webhooks are verified, deduplicated and published as usual, but this
    /// process consumes nothing (another replica, or a later start, applies the sales). Default true.
    /// </summary>
    public bool ConsumersEnabled { get; set; } = true;
}

public enum BusQueueType
{
    Quorum = 0,
    Classic = 1,
}

public sealed class WebhookOptions
{
    /// <summary>Largest webhook body accepted; larger ones get 413 before any parsing.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>How long one webhook may take in total; stays under the POS's own timeout (Square: 10 s).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(8);
}

public sealed class DemoOptions
{
    /// <summary>Set by the <c>demo</c> command: prints sales, stamps and cards to the console.</summary>
    public bool Enabled { get; set; }

    /// <summary>Stops the host after this long (for scripted demo runs); null runs until Ctrl+C.</summary>
    public TimeSpan? StopAfter { get; set; }
}
