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

    public Task<bool> AdvanceOffsetAsync(string key, string value, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        while (true)
        {
            if (!_offsets.TryGetValue(key, out var stored))
            {
                if (_offsets.TryAdd(key, value))
                {
                    return Task.FromResult(true);
                }
            }
            else if (string.CompareOrdinal(value, stored) <= 0)
            {
                return Task.FromResult(false);
            }
            else if (_offsets.TryUpdate(key, value, stored))
            {
                return Task.FromResult(true);
            }
        }
    }

    public Task<bool> IsSeenAsync(string eventId, CancellationToken cancellationToken) => Task.FromResult(_seen.ContainsKey(eventId));

    public Task MarkSeenAsync(string eventId, CancellationToken cancellationToken)
    {
        _seen.TryAdd(eventId, 0);
        return Task.CompletedTask;
    }
}
