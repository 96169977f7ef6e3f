using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SevenStamp.Contracts;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Data;
using SevenStamp.Testing.Apple;

namespace SevenStamp.Wallet.Tests.Apple;

/// <summary>
/// A device's first registration of a pass is the customer adding the card to Apple Wallet: loyalty writes one
/// <see cref="CardSaved"/> to its outbox for it, and none for a registration the device repeats. SQLite and PostgreSQL.
/// </summary>
public abstract class CardSavedTests : IAsyncLifetime
{
    private readonly AppleTestKit _kit = AppleTestKit.Create();
    private AppleHost _host = null!;
    private FakeApns _apns = null!;

    protected abstract LoyaltyStoreProvider Provider { get; }

    public async ValueTask InitializeAsync()
    {
        _apns = await FakeApns.StartAsync(_kit.ApnsPublicKey, AppleTestKit.KeyId, AppleTestKit.TeamId, AppleTestKit.PassTypeId);
        _host = await AppleHost.StartAsync(Provider, _kit.Settings(_apns.Url));
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _apns.DisposeAsync();
        _kit.Dispose();
    }

    [Fact]
    public async Task Register_FirstOnADeviceThenRepeatedThenAnotherDevice_WritesCardSavedForEachFirstRegistrationOnly()
    {
        // Arrange
        var card = await _host.SeedCardAsync(3);
        var token = await _host.TokenAsync(card);

        // Act
        using var first = await _host.RegisterAsync("device-1", card, token);
        var afterFirst = await SavedAsync();
        using var repeated = await _host.RegisterAsync("device-1", card, token, pushToken: "ffff0000");
        var afterRepeat = await SavedAsync();
        using var otherDevice = await _host.RegisterAsync("device-2", card, token);
        var afterOther = await SavedAsync();

        // Assert
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.Created), (first.StatusCode, repeated.StatusCode, otherDevice.StatusCode));
        var saved = Assert.Single(afterFirst);
        Assert.Equal(("cafe-1", card, "apple"), (saved.MerchantId, saved.CardId, saved.Wallet));
        Assert.Single(afterRepeat);
        Assert.Equal(2, afterOther.Count);
        Assert.All(afterOther, s => Assert.Equal((card, "apple"), (s.CardId, s.Wallet)));
    }

    [Fact]
    public async Task Register_Unauthorized_WritesNoCardSaved()
    {
        // Arrange
        var card = await _host.SeedCardAsync(0);

        // Act
        using var response = await _host.RegisterAsync("device-1", card, "not-a-token-of-any-pass-0123456789");

        // Assert
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await SavedAsync());
    }

    /// <summary>The <see cref="CardSaved"/> events in loyalty's outbox, oldest first.</summary>
    private async Task<List<CardSaved>> SavedAsync()
    {
        await using var scope = _host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>();
        var payloads = await db.Outbox.AsNoTracking().Where(m => m.MessageType == nameof(CardSaved)).OrderBy(m => m.Id).Select(m => m.Payload).ToListAsync();
        return [.. payloads.Select(p => JsonSerializer.Deserialize<CardSaved>(p, new JsonSerializerOptions(JsonSerializerDefaults.Web))!)];
    }
}

public sealed class CardSavedSqliteTests : CardSavedTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.Sqlite;
}

public sealed class CardSavedPostgresTests : CardSavedTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.PostgreSql;
}
