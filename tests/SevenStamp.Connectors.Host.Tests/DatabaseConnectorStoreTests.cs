using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SevenStamp.Connectors.Host.Connectors;
using SevenStamp.Connectors.Host.Connectors.Data;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Data;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>
/// The connector store in the host's database: seen events read in groups and committed in groups, per connector;
/// offsets that only move forward.
/// </summary>
public sealed class DatabaseConnectorStoreTests
{
    [Theory]
    [InlineData(LoyaltyStoreProvider.Sqlite)]
    [InlineData(LoyaltyStoreProvider.PostgreSql)]
    public async Task DatabaseConnectorStore_ConcurrentChecks_EachGetTheirOwnAnswerAndMarksAreDurablePerConnector(LoyaltyStoreProvider provider)
    {
        await using var stores = await MigratedStores.CreateAsync(provider);
        var scopes = stores.Scopes;

        var store = new DatabaseConnectorStore(scopes, "shop", TimeProvider.System);
        var other = new DatabaseConnectorStore(scopes, "other-shop", TimeProvider.System);

        // Every third id is marked, concurrently, then 300 concurrent checks (more than one group) ask about all.
        var ids = Enumerable.Range(0, 300).Select(i => $"evt-{i}").ToList();
        await Task.WhenAll(ids.Where((_, i) => i % 3 == 0).Select(id => store.MarkSeenAsync(id, CancellationToken.None)));
        await other.MarkSeenAsync("evt-1", CancellationToken.None);

        var answers = await Task.WhenAll(ids.Select(id => store.IsSeenAsync(id, CancellationToken.None)));
        for (var i = 0; i < ids.Count; i++)
        {
            Assert.True(answers[i] == (i % 3 == 0), $"{ids[i]}: expected seen = {i % 3 == 0}, got {answers[i]}");
        }

        // The same id asked twice in one group, and another connector's mark does not count for this one.
        var twice = await Task.WhenAll(store.IsSeenAsync("evt-3", CancellationToken.None), store.IsSeenAsync("evt-3", CancellationToken.None), store.IsSeenAsync("evt-1", CancellationToken.None));
        Assert.Equal([true, true, false], twice);
        Assert.True(await other.IsSeenAsync("evt-1", CancellationToken.None));

        // Durable: a new store over the same database (as after a restart) sees the same marks.
        var restarted = new DatabaseConnectorStore(scopes, "shop", TimeProvider.System);
        Assert.True(await restarted.IsSeenAsync("evt-99", CancellationToken.None));
        Assert.False(await restarted.IsSeenAsync("evt-100", CancellationToken.None));
    }

    [Theory]
    [InlineData(LoyaltyStoreProvider.Sqlite)]
    [InlineData(LoyaltyStoreProvider.PostgreSql)]
    public async Task AdvanceOffsetAsync_OlderOrEqualValue_LeavesTheNewerOneAndConcurrentCallsKeepTheLatest(LoyaltyStoreProvider provider)
    {
        await using var stores = await MigratedStores.CreateAsync(provider);
        var scopes = stores.Scopes;

        var store = new DatabaseConnectorStore(scopes, "square-main", TimeProvider.System);
        var other = new DatabaseConnectorStore(scopes, "other-shop", TimeProvider.System);
        static string At(int second) => new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero).AddSeconds(second).ToString("O", CultureInfo.InvariantCulture);

        // None stored: the first value is stored.
        Assert.True(await store.AdvanceOffsetAsync("orders.updatedAt", At(10), CancellationToken.None));

        // An older value (a pass that started earlier and ends later) and the same value leave it; a newer one moves it.
        Assert.False(await store.AdvanceOffsetAsync("orders.updatedAt", At(5), CancellationToken.None));
        Assert.False(await store.AdvanceOffsetAsync("orders.updatedAt", At(10), CancellationToken.None));
        Assert.Equal(At(10), await store.GetOffsetAsync("orders.updatedAt", CancellationToken.None));
        Assert.True(await store.AdvanceOffsetAsync("orders.updatedAt", At(20), CancellationToken.None));
        Assert.Equal(At(20), await store.GetOffsetAsync("orders.updatedAt", CancellationToken.None));

        // Compared ordinally, byte by byte: "Z" (0x5A) sorts after "+" and digits, "a" after "Z", whatever the
        // database's collation says about letters and punctuation.
        Assert.True(await store.AdvanceOffsetAsync("mixed", "2026+Z", CancellationToken.None));
        Assert.True(await store.AdvanceOffsetAsync("mixed", "2026+a", CancellationToken.None));
        Assert.False(await store.AdvanceOffsetAsync("mixed", "2026+B", CancellationToken.None));
        Assert.Equal("2026+a", await store.GetOffsetAsync("mixed", CancellationToken.None));

        // Another connector's offset under the same key is its own.
        Assert.True(await other.AdvanceOffsetAsync("orders.updatedAt", At(1), CancellationToken.None));
        Assert.Equal(At(1), await other.GetOffsetAsync("orders.updatedAt", CancellationToken.None));

        // Forty concurrent callers with values in any order: the latest wins, and SetOffsetAsync still sets back.
        var values = Enumerable.Range(21, 40).Select(At).OrderBy(_ => Random.Shared.Next()).ToList();
        await Task.WhenAll(values.Select(v => store.AdvanceOffsetAsync("orders.updatedAt", v, CancellationToken.None)));
        Assert.Equal(At(60), await store.GetOffsetAsync("orders.updatedAt", CancellationToken.None));
        await store.SetOffsetAsync("orders.updatedAt", At(1), CancellationToken.None);
        Assert.Equal(At(1), await store.GetOffsetAsync("orders.updatedAt", CancellationToken.None));
    }

    /// <summary>A fresh database with the loyalty and connector stores migrated, and the scopes a store runs in.</summary>
    private sealed class MigratedStores : IAsyncDisposable
    {
        private readonly TestDatabase _database;
        private readonly ServiceProvider _services;

        private MigratedStores(TestDatabase database, ServiceProvider services) => (_database, _services) = (database, services);

        public IServiceScopeFactory Scopes => _services.GetRequiredService<IServiceScopeFactory>();

        public static async Task<MigratedStores> CreateAsync(LoyaltyStoreProvider provider)
        {
            var database = await TestDatabase.CreateAsync(provider);
            var stores = new MigratedStores(database, new ServiceCollection().AddLogging().AddLoyaltyStore(database.Options).AddConnectorStore(database.Options).BuildServiceProvider());
            await using var scope = stores.Scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>().Database.MigrateAsync();
            await scope.ServiceProvider.GetRequiredService<ConnectorDbContext>().Database.MigrateAsync();
            return stores;
        }

        public async ValueTask DisposeAsync()
        {
            await _services.DisposeAsync();
            await _database.DisposeAsync();
        }
    }
}
