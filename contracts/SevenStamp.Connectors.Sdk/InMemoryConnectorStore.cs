using System.Collections.Concurrent;

namespace SevenStamp.Connectors.Sdk;

/// <summary>An <see cref="IConnectorStore"/> in memory: for tests, and for hosts that predate SDK 1.1. Not durable.</summary>
public sealed class InMemoryConnectorStore : IConnectorStore
{
    private readonly ConcurrentDictionary<string, string> _offsets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _seen = new(StringComparer.Ordinal);

    public Task<string?> GetOffsetAsync(string key, CancellationToken cancellationToken) => Task.FromResult(_offsets.GetValueOrDefault(key));

    public Task SetOffsetAsync(string key, string value, CancellationToken cancellationToken)
    {
        _offsets[key] = value;
        return Task.CompletedTask;
    }

    public Task<bool> IsSeenAsync(string eventId, CancellationToken cancellationToken) => Task.FromResult(_seen.ContainsKey(eventId));

    public Task MarkSeenAsync(string eventId, CancellationToken cancellationToken)
    {
        _seen.TryAdd(eventId, 0);
        return Task.CompletedTask;
    }
}
