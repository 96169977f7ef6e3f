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

    /// <summary>
    /// Stores an offset only when it comes after the stored one, compared ordinally (character by character, as
    /// <see cref="StringComparer.Ordinal"/>), or when none is stored; returns whether it was stored. For offsets that
    /// only ever grow, such as ISO-8601 UTC times written with <c>ToString("O")</c> (fixed width, so they order as
    /// they sort), when several replicas run the same connector: a pass that read the offset earlier and finishes
    /// later cannot move it back over a newer one another replica wrote. Call it, like <see cref="SetOffsetAsync"/>,
    /// only once the records up to the offset are durable.
    /// </summary>
    /// <remarks>
    /// The host's store decides in one conditional statement in its database, so it holds across replicas. This
    /// default reads and then writes, which is enough for a store used by one process only; stores written before it
    /// existed (SDK 1.2 and older) get it.
    /// </remarks>
    async Task<bool> AdvanceOffsetAsync(string key, string value, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        var stored = await GetOffsetAsync(key, cancellationToken);
        if (stored is not null && string.CompareOrdinal(value, stored) <= 0)
        {
            return false;
        }

        await SetOffsetAsync(key, value, cancellationToken);
        return true;
    }

    /// <summary>True when <paramref name="eventId"/> was marked seen (and is within retention).</summary>
    Task<bool> IsSeenAsync(string eventId, CancellationToken cancellationToken);

    /// <summary>Marks an event handled; call it after its records are durable, so a failed attempt is retried.</summary>
    Task MarkSeenAsync(string eventId, CancellationToken cancellationToken);
}
