namespace SevenStamp.Connectors.Sdk.Tests;

/// <summary>
/// <see cref="IConnectorStore.AdvanceOffsetAsync"/>: in the in-memory store, and the default a store written before it
/// existed gets.
/// </summary>
public sealed class ConnectorStoreTests
{
    public static TheoryData<string> Stores => ["in-memory", "default"];

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task AdvanceOffsetAsync_OlderOrEqualValue_IsNotStoredAndANewerOneIs(string kind)
    {
        IConnectorStore store = kind == "in-memory" ? new InMemoryConnectorStore() : new StoreWithoutAdvance();

        Assert.True(await store.AdvanceOffsetAsync("orders.updatedAt", "2026-12-07T09:00:10.0000000+00:00", CancellationToken.None));
        Assert.False(await store.AdvanceOffsetAsync("orders.updatedAt", "2026-12-07T09:00:05.0000000+00:00", CancellationToken.None));
        Assert.False(await store.AdvanceOffsetAsync("orders.updatedAt", "2026-12-07T09:00:10.0000000+00:00", CancellationToken.None));
        Assert.Equal("2026-12-07T09:00:10.0000000+00:00", await store.GetOffsetAsync("orders.updatedAt", CancellationToken.None));
        Assert.True(await store.AdvanceOffsetAsync("orders.updatedAt", "2026-12-07T09:01:00.0000000+00:00", CancellationToken.None));
        Assert.Equal("2026-12-07T09:01:00.0000000+00:00", await store.GetOffsetAsync("orders.updatedAt", CancellationToken.None));

        // Ordinal: "a" (0x61) sorts after "Z" (0x5A), which a culture's comparison would not say.
        Assert.True(await store.AdvanceOffsetAsync("mixed", "Z", CancellationToken.None));
        Assert.True(await store.AdvanceOffsetAsync("mixed", "a", CancellationToken.None));
        Assert.False(await store.AdvanceOffsetAsync("mixed", "B", CancellationToken.None));
        Assert.Equal("a", await store.GetOffsetAsync("mixed", CancellationToken.None));
    }

    [Fact]
    public async Task AdvanceOffsetAsync_InMemoryConcurrentCallers_TheLatestValueIsKept()
    {
        var store = new InMemoryConnectorStore();
        var values = Enumerable.Range(0, 200).Select(i => $"offset-{i:D4}").OrderBy(_ => Random.Shared.Next()).ToList();

        var stored = await Task.WhenAll(values.Select(v => Task.Run(() => store.AdvanceOffsetAsync("k", v, CancellationToken.None))));

        Assert.Equal("offset-0199", await store.GetOffsetAsync("k", CancellationToken.None));
        Assert.Contains(true, stored);
    }

    /// <summary>A store as written against SDK 1.2: no AdvanceOffsetAsync of its own.</summary>
    private sealed class StoreWithoutAdvance : IConnectorStore
    {
        private readonly Dictionary<string, string> _offsets = new(StringComparer.Ordinal);

        public Task<string?> GetOffsetAsync(string key, CancellationToken cancellationToken) => Task.FromResult(_offsets.GetValueOrDefault(key));

        public Task SetOffsetAsync(string key, string value, CancellationToken cancellationToken)
        {
            _offsets[key] = value;
            return Task.CompletedTask;
        }

        public Task<bool> IsSeenAsync(string eventId, CancellationToken cancellationToken) => Task.FromResult(false);

        public Task MarkSeenAsync(string eventId, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
