namespace SevenStamp.Connectors.Host.Connectors.Data;

/// <summary>
/// A connector instance created through the management API. Secret setting values are stored encrypted
/// (<c>enc:v1:…</c>) or as <c>${env:NAME}</c> references, never in plain text.
/// </summary>
public sealed class ConnectorInstance
{
    /// <summary>The instance id, used in the webhook URL <c>/webhooks/{id}</c>.</summary>
    public required string Id { get; set; }

    public required string PluginId { get; set; }

    public required string MerchantId { get; set; }

    /// <summary>A JSON object of setting names and their stored values (strings).</summary>
    public required string Settings { get; set; }

    /// <summary>The desired state: true keeps the instance configured but stopped.</summary>
    public bool Paused { get; set; }

    /// <summary>
    /// Where its plugin code runs: <c>in-process</c> (inside the host) or <c>process</c> (a worker process of its
    /// own), as the connectors file's <c>"isolation"</c>.
    /// </summary>
    public string Isolation { get; set; } = InProcess;

    /// <summary>
    /// The point-of-sale system the instance's sales come from (e.g. <c>square</c>), as the connectors file's
    /// <c>"sourceSystem"</c>; null lets the plugin say, else the instance id applies.
    /// </summary>
    public string? SourceSystem { get; set; }

    /// <summary>The default <see cref="Isolation"/>: inside the host's process.</summary>
    public const string InProcess = "in-process";

    /// <summary>Raised by every restart request, so every replica restarts its copy.</summary>
    public int RestartGeneration { get; set; }

    /// <summary>Counts the changes made to the instance, from 1.</summary>
    public long Version { get; set; }

    /// <summary>Changes with every write; the concurrency token and the API's ETag.</summary>
    public Guid Revision { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// The desired state the management API set for a connector instance of the configuration file (which itself is
/// read-only through the API): paused, and restart requests.
/// </summary>
public sealed class ConnectorFileControl
{
    public required string ConnectorId { get; set; }

    public bool Paused { get; set; }

    public int RestartGeneration { get; set; }

    public long Version { get; set; }

    public Guid Revision { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
