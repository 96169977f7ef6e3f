using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using SevenStamp.Accounts;
using SevenStamp.Loyalty;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests.Accounts;

/// <summary>
/// Keys and invites against a real database, with a clock the test moves: a rotated key stops at the end of its
/// overlap, not before; an invite stops at the end of its lifetime.
/// </summary>
public sealed class AccountsStoreTests
{
    public static TheoryData<LoyaltyStoreProvider> Providers() => [LoyaltyStoreProvider.Sqlite, LoyaltyStoreProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task RotateAsync_WithAnHourOfOverlap_OldKeyWorksUntilTheHourEnds(LoyaltyStoreProvider provider)
    {
        // Arrange
        await using var store = await Store.StartAsync(provider);
        var (services, clock) = (store.Services, store.Clock);
        var (old, oldToken) = await WithKeysAsync(services, keys => keys.CreateAsync("cafe-1", "till 1", ["read", "redeem"], CancellationToken.None));

        // Act
        var rotated = await WithKeysAsync(services, keys => keys.RotateAsync("cafe-1", old.Id, TimeSpan.FromHours(1), CancellationToken.None));
        clock.Advance(TimeSpan.FromMinutes(59));
        var oldDuringOverlap = await WithKeysAsync(services, keys => keys.ValidateAsync(oldToken, CancellationToken.None));
        clock.Advance(TimeSpan.FromMinutes(2));
        var oldAfterOverlap = await WithKeysAsync(services, keys => keys.ValidateAsync(oldToken, CancellationToken.None));
        var newAfterOverlap = await WithKeysAsync(services, keys => keys.ValidateAsync(rotated!.Value.Token, CancellationToken.None));

        // Assert
        Assert.NotNull(rotated);
        Assert.NotEqual(oldToken, rotated.Value.Token);
        Assert.Equal("read,redeem", rotated.Value.Key.Scopes);
        Assert.Equal(old.Id, rotated.Value.Key.RotatedFrom);
        Assert.NotNull(oldDuringOverlap);
        Assert.Null(oldAfterOverlap);
        Assert.NotNull(newAfterOverlap);
        Assert.Equal(clock.GetUtcNow(), newAfterOverlap.LastUsedAt);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ValidateAsync_RevokedOrForgedKey_IsRefused(LoyaltyStoreProvider provider)
    {
        // Arrange
        await using var store = await Store.StartAsync(provider);
        var services = store.Services;
        var (key, token) = await WithKeysAsync(services, keys => keys.CreateAsync("cafe-1", "till 1", ["read"], CancellationToken.None));
        var forged = token[..^4] + (token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");

        // Act
        var forgedResult = await WithKeysAsync(services, keys => keys.ValidateAsync(forged, CancellationToken.None));
        var before = await WithKeysAsync(services, keys => keys.ValidateAsync(token, CancellationToken.None));
        await WithKeysAsync(services, keys => keys.RevokeAsync("cafe-1", key.Id, CancellationToken.None));
        var after = await WithKeysAsync(services, keys => keys.ValidateAsync(token, CancellationToken.None));

        // Assert
        Assert.Null(forgedResult);
        Assert.NotNull(before);
        Assert.Null(after);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AcceptInviteAsync_AfterItsLifetime_IsRefusedAsExpired(LoyaltyStoreProvider provider)
    {
        // Arrange: invites live 3 days (the default).
        await using var store = await Store.StartAsync(provider);
        var (services, clock) = (store.Services, store.Clock);
        var early = await WithAccountsAsync(services, a => a.InviteAsync("cafe-1", MerchantRole.Staff, "operator", CancellationToken.None));
        var late = await WithAccountsAsync(services, a => a.InviteAsync("cafe-1", MerchantRole.Manager, "operator", CancellationToken.None));

        // Act
        clock.Advance(TimeSpan.FromDays(3) - TimeSpan.FromMinutes(1));
        var inTime = await WithAccountsAsync(services, a => a.AcceptInviteAsync(early.Token, "anna", "Counter-Pass-2026", CancellationToken.None));
        clock.Advance(TimeSpan.FromMinutes(2));
        var expired = await WithAccountsAsync(services, a => a.AcceptInviteAsync(late.Token, "ben", "Counter-Pass-2026", CancellationToken.None));
        var reused = await WithAccountsAsync(services, a => a.AcceptInviteAsync(early.Token, "carl", "Counter-Pass-2026", CancellationToken.None));

        // Assert
        Assert.NotNull(inTime.User);
        Assert.Equal(MerchantRole.Staff, inTime.User.Role);
        Assert.Null(expired.User);
        Assert.Contains(expired.Errors, e => e.Field == "token" && e.Message.Contains("expired", StringComparison.Ordinal));
        Assert.Null(reused.User);
        Assert.Contains(reused.Errors, e => e.Field == "token");
        Assert.Equal(["anna"], (await WithAccountsAsync(services, a => a.ListPeopleAsync("cafe-1", CancellationToken.None))).Select(u => u.UserName));
    }

    private static async Task<T> WithKeysAsync<T>(IServiceProvider services, Func<ApiKeys, Task<T>> work)
    {
        await using var scope = services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<ApiKeys>());
    }

    private static async Task<T> WithAccountsAsync<T>(IServiceProvider services, Func<MerchantAccounts, Task<T>> work)
    {
        await using var scope = services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<MerchantAccounts>());
    }

    /// <summary>The accounts' store (after loyalty's, as the host migrates them) on a fresh database, and its clock.</summary>
    private sealed class Store(TestDatabase database, ServiceProvider services, FakeTimeProvider clock) : IAsyncDisposable
    {
        public ServiceProvider Services => services;

        public FakeTimeProvider Clock => clock;

        public static async Task<Store> StartAsync(LoyaltyStoreProvider provider)
        {
            var database = await TestDatabase.CreateAsync(provider);
            var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 9, 0, 0, TimeSpan.Zero));
            var services = new ServiceCollection()
                .AddLogging()
                .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
                .AddSingleton<TimeProvider>(clock)
                .AddLoyaltyStore(database.Options)
                .AddAccounts(database.Options, "SevenStamp:Api:AdminKey")
                .BuildServiceProvider();
            foreach (var migrator in services.GetServices<IHostedService>())
            {
                await migrator.StartAsync(CancellationToken.None);
            }

            return new Store(database, services, clock);
        }

        public async ValueTask DisposeAsync()
        {
            await services.DisposeAsync();
            await database.DisposeAsync();
        }
    }
}
