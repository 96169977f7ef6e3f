namespace SevenStamp.Connectors.Sdk;

/// <summary>
/// Durable state the host keeps for one connector instance: offsets for catch-up polling, and the ids of
/// events already handled, kept at least <see cref="SeenEventRetention"/> so a POS retrying for days is
/// still recognised. Survives restarts and is shared by every replica.
/// </summary>
public interface IConnectorStore
{
    /// <summary>How long a seen event id is remembered at least.</summary>
    public static TimeSpan SeenEventRetention { get; } = TimeSpan.FromDays(7);

    /// <summary>The stored offset under <paramref name="key"/> (e.g. <c>orders.updatedAt</c>), or null.</summary>
    Task<string?> GetOffsetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Stores an offset; call it only once the records up to it are durable (the sink's calls completed).</summary>
    Task SetOffsetAsync(string key, string value, CancellationToken cancellationToken);

    /// <summary>True when <paramref name="eventId"/> was marked seen (and is within retention).</summary>
    Task<bool> IsSeenAsync(string eventId, CancellationToken cancellationToken);

    /// <summary>Marks an event handled; call it after its records are durable, so a failed attempt is retried.</summary>
    Task MarkSeenAsync(string eventId, CancellationToken cancellationToken);
}
