using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SevenStamp.Connectors.Host.Connectors;
using SevenStamp.Connectors.Host.Connectors.Data;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Data;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>The connector store in the host's database: seen events read in groups and committed in groups, per connector.</summary>
public sealed class DatabaseConnectorStoreTests
{
    [Theory]
    [InlineData(LoyaltyStoreProvider.Sqlite)]
    [InlineData(LoyaltyStoreProvider.PostgreSql)]
    public async Task DatabaseConnectorStore_ConcurrentChecks_EachGetTheirOwnAnswerAndMarksAreDurablePerConnector(LoyaltyStoreProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var services = new ServiceCollection().AddLogging().AddLoyaltyStore(database.Options).AddConnectorStore(database.Options).BuildServiceProvider();
        await using (services)
        {
            var scopes = services.GetRequiredService<IServiceScopeFactory>();
            await using (var scope = scopes.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>().Database.MigrateAsync();
                await scope.ServiceProvider.GetRequiredService<ConnectorDbContext>().Database.MigrateAsync();
            }

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
    }
}
