using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace SevenStamp.Connectors.Host;

/// <summary>
/// The host's settings, bound from the <c>SevenStamp</c> section (or <c>SevenStamp__…</c> environment variables).
/// Every rule here is checked at start, in the nested sections too: data annotations alone do not look inside a
/// nested object, <see cref="ValidateObjectMembersAttribute"/> makes the options validation walk into it. Each
/// message names the setting as the operator writes it (<c>SevenStamp:Bus:PrefetchCount</c>), not a C# member.
/// (The validation is the reflection-based one: the <c>[OptionsValidator]</c> generator of .NET 10 copies
/// <see cref="RangeAttribute"/> without its <c>ErrorMessage</c>, so its messages could not name the setting.)
/// </summary>
public sealed class SevenStampOptions
{
    public const string SectionName = "SevenStamp";

    /// <summary>The folder holding one sub-folder per plugin (<c>&lt;root&gt;/&lt;Name&gt;/&lt;Name&gt;.dll</c>). Relative paths are under the host's own folder.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "SevenStamp:PluginRoot is required: the folder of the plugins (default 'plugins' beside the host).")]
    public string PluginRoot { get; set; } = "plugins";

    /// <summary>
    /// A second folder of plugins, searched after <see cref="PluginRoot"/>, e.g. a read-only mount of third-party
    /// plugins in Docker (<c>/app/plugins-extra</c>). A plugin id already loaded from the first root is refused here.
    /// </summary>
    public string? AdditionalPluginRoot { get; set; }

    /// <summary>The merchant's connector configuration file. Relative paths are under the content root.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "SevenStamp:ConnectorsFile is required: the merchant's connector file (default 'connectors.json' in the content root).")]
    public string ConnectorsFile { get; set; } = "connectors.json";

    /// <summary>How long a connector may take to start or stop before it is marked failed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true, ErrorMessage = "SevenStamp:ConnectorStartTimeout must be between 00:00:00.100 and 00:10:00 (default 00:00:30).")]
    public TimeSpan ConnectorStartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First wait before restarting a connector that threw or hung while starting, or whose worker died; doubles each time.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true, ErrorMessage = "SevenStamp:ConnectorRestartDelay must be between 00:00:00.010 and 01:00:00 (default 00:00:05).")]
    public TimeSpan ConnectorRestartDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait between restarts of a failing connector; a run longer than this starts the series over.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true, ErrorMessage = "SevenStamp:ConnectorRestartMaxDelay must be between 00:00:00.010 and 1.00:00:00 (default 00:05:00).")]
    public TimeSpan ConnectorRestartMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Consecutive failed webhook calls after which a connector's circuit opens (answers 503 without calling it).</summary>
    [Range(1, 1000, ErrorMessage = "SevenStamp:CircuitBreakerFailures must be between 1 and 1000 (default 5).")]
    public int CircuitBreakerFailures { get; set; } = 5;

    /// <summary>
    /// The longest an open circuit stays open before the connector gets calls again: it opens for 2 s, then for twice
    /// as long each time the first call after it fails, up to this.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true, ErrorMessage = "SevenStamp:CircuitBreakerOpenFor must be between 00:00:00.100 and 01:00:00 (default 00:00:30).")]
    public TimeSpan CircuitBreakerOpenFor { get; set; } = TimeSpan.FromSeconds(30);

    [ValidateObjectMembers]
    public BusOptions Bus { get; set; } = new();

    [ValidateObjectMembers]
    public WebhookOptions Webhooks { get; set; } = new();

    [ValidateObjectMembers]
    public DemoOptions Demo { get; set; } = new();

    [ValidateObjectMembers]
    public ApiOptions Api { get; set; } = new();

    [ValidateObjectMembers]
    public ConnectorManagementOptions Connectors { get; set; } = new();

    [ValidateObjectMembers]
    public VoucherLinkOptions Vouchers { get; set; } = new();
}

public sealed class ApiOptions
{
    /// <summary>
    /// The bearer key for the management API (<c>/api/…</c>): <c>Authorization: Bearer &lt;key&gt;</c>. Unset, the
    /// management API answers 503. Keep it in an environment variable or secret store, at least 32 characters. One
    /// word of visible characters: a key read from a file with its line break, or with spaces, could never be sent.
    /// </summary>
    [RegularExpression(@"^[\x21-\x7E]+$", ErrorMessage = "SevenStamp:Api:AdminKey must be one word of visible ASCII characters (no spaces or line breaks); use at least 32 random characters, e.g. from 'openssl rand -base64 32'.")]
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

    /// <summary>
    /// The plugins only the operator may add or change, comma-separated: they work on the host itself, not on a
    /// point of sale's webhooks (<c>csv-drop</c> reads and moves files in a folder of the host's disk, which could be
    /// another merchant's). A merchant's people and keys neither see them in the catalogue nor create or change one;
    /// the operator may, and assign it to a merchant. Empty: every plugin is every merchant's.
    /// </summary>
    public string OperatorOnlyPlugins { get; set; } = "csv-drop";

    /// <summary>How often each replica reads the stored connectors and applies changes made through another replica.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true, ErrorMessage = "SevenStamp:Connectors:PollInterval must be between 00:00:00.1 and 00:10:00 (default 00:00:02).")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);
}

public sealed class VoucherLinkOptions
{
    /// <summary>
    /// The secret customers' voucher links are signed with (at least 32 characters; the same on every replica).
    /// Unset, a random one is made at start and links stop working after a restart.
    /// </summary>
    [MinLength(32, ErrorMessage = "SevenStamp:Vouchers:LinkSecret must be at least 32 characters (the same on every replica), or left unset for a random one per start.")]
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
    [Required(ErrorMessage = "SevenStamp:Bus:RabbitMqUri is required: amqp://user:password@host:5672/ (or amqps://).")]
    [RegularExpression("^amqps?://.+", ErrorMessage = "SevenStamp:Bus:RabbitMqUri must start with amqp:// or amqps://, e.g. amqp://user:password@host:5672/.")]
    public string RabbitMqUri { get; set; } = "amqp://guest:guest@localhost:5672/";

    /// <summary>
    /// The other nodes of a RabbitMQ cluster, <c>host:port</c> separated by commas (the URI's host is the first node):
    /// the host connects to the first that answers and moves to another when its node stops. Empty: one node.
    /// </summary>
    [RegularExpression(@"^\s*[^,:\s]+(:\d{1,5})?\s*(,\s*[^,:\s]+(:\d{1,5})?\s*)*$", ErrorMessage = "SevenStamp:Bus:RabbitMqNodes lists the cluster's other nodes as host:port separated by commas, e.g. rabbit-2:5672,rabbit-3:5672.")]
    public string? RabbitMqNodes { get; set; }

    /// <summary>How long a publish may wait for the broker's confirm before the event is refused (webhook answered 503).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true, ErrorMessage = "SevenStamp:Bus:PublishTimeout must be between 00:00:00.100 and 00:05:00 (default 00:00:05).")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Put in front of every queue and exchange name, e.g. <c>staging-</c>, so several environments can share
    /// one broker virtual host without seeing each other's messages. Separate virtual hosts are the better
    /// isolation where the operator can create them.
    /// </summary>
    [RegularExpression("^[a-z0-9-]{0,40}$", ErrorMessage = "SevenStamp:Bus:NamePrefix may hold lower-case letters, digits and dashes only (at most 40).")]
    public string? NamePrefix { get; set; }

    /// <summary>Messages each consumer endpoint fetches ahead.</summary>
    [Range(1, 10_000, ErrorMessage = "SevenStamp:Bus:PrefetchCount must be between 1 and 10000 (messages each consumer fetches ahead; default 32).")]
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
    [Range(2, 10_000, ErrorMessage = "SevenStamp:Bus:DeliveryLimit must be between 2 and 10000 (deliveries without an ack before the broker dead-letters a message; default 50).")]
    public int DeliveryLimit { get; set; } = 50;

    /// <summary>
    /// RabbitMQ: times a message whose in-process retries ran out on a transient fault (the database, APNs, Google
    /// unavailable) goes back to its queue after <see cref="RedeliveryDelay"/>, retries and all, before it lands in
    /// the <c>_error</c> queue. 0 turns delayed redelivery off.
    /// </summary>
    [Range(0, 100, ErrorMessage = "SevenStamp:Bus:RedeliveryLimit must be between 0 (off) and 100 (default 3).")]
    public int RedeliveryLimit { get; set; } = 3;

    /// <summary>RabbitMQ: how long a message waits in its queue's <c>_delay</c> queue before each redelivery.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true, ErrorMessage = "SevenStamp:Bus:RedeliveryDelay must be between 00:00:00.010 and 1.00:00:00 (default 00:01:00).")]
    public TimeSpan RedeliveryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often queue depths (consumer lag) are read for <c>/metrics</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true, ErrorMessage = "SevenStamp:Bus:QueueMetricsInterval must be between 00:00:00.100 and 01:00:00 (default 00:00:15).")]
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
    [Range(1024, 64 * 1024 * 1024, ErrorMessage = "SevenStamp:Webhooks:MaxBodyBytes must be between 1024 and 67108864 (default 1048576).")]
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>How long one webhook may take in total; stays under the POS's own timeout (Square: 10 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true, ErrorMessage = "SevenStamp:Webhooks:Timeout must be between 00:00:00.100 and 00:05:00 (default 00:00:08).")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(8);
}

public sealed class DemoOptions
{
    /// <summary>Set by the <c>demo</c> command: prints sales, stamps and cards to the console.</summary>
    public bool Enabled { get; set; }

    /// <summary>Stops the host after this long (for scripted demo runs); null runs until Ctrl+C.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true, ErrorMessage = "SevenStamp:Demo:StopAfter must be a positive duration, e.g. 00:00:30, or left unset to run until Ctrl+C.")]
    public TimeSpan? StopAfter { get; set; }
}
