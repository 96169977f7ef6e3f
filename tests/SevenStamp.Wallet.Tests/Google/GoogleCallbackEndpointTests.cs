using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SevenStamp.Contracts;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Data;
using SevenStamp.Wallet.Data;
using Knobs = SevenStamp.Testing.GoogleCallbackSigner.CallbackKnobs;

namespace SevenStamp.Wallet.Tests.Google;

/// <summary>
/// <c>POST /wallet/google/callbacks</c> as the fake Google calls it: a customer's save becomes one
/// <see cref="CardSaved"/> (wallet google) however often Google delivers it; deletes, unknown cards and refused
/// callbacks record nothing; an unreachable Google answers 503. SQLite and PostgreSQL.
/// </summary>
public abstract class GoogleCallbackEndpointTests : IAsyncLifetime
{
    private GoogleWalletHarness _h = null!;

    protected abstract LoyaltyStoreProvider Provider { get; }

    public async ValueTask InitializeAsync() => _h = await GoogleWalletHarness.StartAsync(Provider);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Sync_CallbackUrlSet_TheClassNamesItInCallbackOptions()
    {
        // Arrange
        var card = await _h.AddCardAsync(totalStamps: 1);

        // Act
        await _h.SyncAsync(card);

        // Assert
        var cls = _h.Google.Find("loyaltyClass", _h.ClassId)!;
        Assert.Equal(GoogleWalletHarness.CallbackUrl, cls["callbackOptions"]?["url"]?.GetValue<string>());
    }

    [Fact]
    public async Task Callback_SaveDeliveredTwice_RecordsOneCardSavedForGoogle()
    {
        // Arrange
        var card = await SavedObjectAsync();
        var knobs = new Knobs { Nonce = "nonce-" + Guid.NewGuid().ToString("N") };

        // Act
        using var first = await _h.Google.SendCallbackAsync(GoogleWalletHarness.ObjectId(card), _h.Client.BaseAddress!, knobs);
        using var repeated = await _h.Google.SendCallbackAsync(GoogleWalletHarness.ObjectId(card), _h.Client.BaseAddress!, knobs);

        // Assert
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, repeated.StatusCode));
        var saved = Assert.Single(await SavedAsync());
        Assert.Equal((GoogleWalletHarness.MerchantId, card, "google"), (saved.MerchantId, saved.CardId, saved.Wallet));
        Assert.Equal(1, await NoncesAsync());
    }

    [Fact]
    public async Task Callback_TwoSavesWithTheirOwnNonces_RecordsBoth()
    {
        // Arrange: the customer saves, deletes and saves again.
        var card = await SavedObjectAsync();

        // Act
        using var first = await _h.Google.SendCallbackAsync(GoogleWalletHarness.ObjectId(card), _h.Client.BaseAddress!);
        using var deleted = await _h.Google.SendCallbackAsync(GoogleWalletHarness.ObjectId(card), _h.Client.BaseAddress!, new Knobs { EventType = "del" });
        using var second = await _h.Google.SendCallbackAsync(GoogleWalletHarness.ObjectId(card), _h.Client.BaseAddress!);

        // Assert
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, deleted.StatusCode, second.StatusCode));
        Assert.Equal(2, (await SavedAsync()).Count);
    }

    [Fact]
    public async Task Callback_Delete_AcceptedAndRecordsNothing()
    {
        // Arrange
        var card = await SavedObjectAsync();

        // Act
        using var response = await _h.Google.SendCallbackAsync(GoogleWalletHarness.ObjectId(card), _h.Client.BaseAddress!, new Knobs { EventType = "del" });

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await SavedAsync());
    }

    [Fact]
    public async Task Callback_CardNotInTheStore_AcceptedAndRecordsNothing()
    {
        // Arrange: a genuine callback about an object of this issuer whose card this host does not have.
        var body = _h.Google.Callbacks.Sign(GoogleWalletHarness.IssuerId, _h.ClassId, GoogleWalletHarness.ObjectId(Guid.NewGuid()));

        // Act
        using var response = await PostAsync(body);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await SavedAsync());
        Assert.Contains(_h.Logs.Lines, l => l.Contains("is not in the store; nothing recorded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Callback_Spoiled_Refused400WithAReasonAndTheBodyIsNotLogged()
    {
        // Arrange
        var card = await SavedObjectAsync();
        var body = _h.Google.CallbackFor(GoogleWalletHarness.ObjectId(card), new Knobs { RecipientId = "3388000000099999999" }, out _);
        var signature = JsonDocument.Parse(body).RootElement.GetProperty("signature").GetString()!;

        // Act
        using var response = await PostAsync(body);
        using var forged = await PostAsync(_h.Google.CallbackFor(GoogleWalletHarness.ObjectId(card), new Knobs { UnknownRoot = true }, out _));

        // Assert
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (response.StatusCode, forged.StatusCode));
        Assert.Contains("does not verify for this issuer", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("not signed by a current Google root key", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await SavedAsync());
        Assert.Contains(_h.Logs.Lines, l => l.Contains("callback refused", StringComparison.Ordinal));
        Assert.DoesNotContain(_h.Logs.Lines, l => l.Contains(signature, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Callback_TooLarge_Refused413()
    {
        // Act
        using var response = await PostAsync(new string('x', 20_000));

        // Assert
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Callback_GoogleKeysUnreachable_Answers503SoGoogleRetriesAndTheRetryIsRecorded()
    {
        // Arrange
        var card = await SavedObjectAsync();
        var knobs = new Knobs { Nonce = "retried-" + Guid.NewGuid().ToString("N") };
        _h.Google.KeysUnavailable = true;

        // Act
        using var unavailable = await _h.Google.SendCallbackAsync(GoogleWalletHarness.ObjectId(card), _h.Client.BaseAddress!, knobs);
        _h.Google.KeysUnavailable = false;
        using var retried = await _h.Google.SendCallbackAsync(GoogleWalletHarness.ObjectId(card), _h.Client.BaseAddress!, knobs);

        // Assert
        Assert.Equal((HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK), (unavailable.StatusCode, retried.StatusCode));
        Assert.Single(await SavedAsync());
    }

    [Fact]
    public async Task Callback_NoncesOlderThanSevenDays_PrunedOnTheNextSave()
    {
        // Arrange
        var card = await SavedObjectAsync();
        await using (var scope = _h.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<WalletDbContext>();
            db.GoogleCallbackNonces.Add(new GoogleCallbackNonce { Nonce = "old", ReceivedAt = DateTimeOffset.UtcNow.AddDays(-8) });
            db.GoogleCallbackNonces.Add(new GoogleCallbackNonce { Nonce = "recent", ReceivedAt = DateTimeOffset.UtcNow.AddDays(-6) });
            await db.SaveChangesAsync();
        }

        // Act
        using var response = await _h.Google.SendCallbackAsync(GoogleWalletHarness.ObjectId(card), _h.Client.BaseAddress!);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var check = _h.App.Services.CreateAsyncScope();
        var nonces = await check.ServiceProvider.GetRequiredService<WalletDbContext>().GoogleCallbackNonces.Select(n => n.Nonce).ToListAsync();
        Assert.DoesNotContain("old", nonces);
        Assert.Contains("recent", nonces);
        Assert.Equal(2, nonces.Count);
    }

    /// <summary>A card whose object (and class) Google holds, as after the customer's Save link.</summary>
    private async Task<Guid> SavedObjectAsync()
    {
        var card = await _h.AddCardAsync(totalStamps: 2);
        await _h.SyncAsync(card);
        return card;
    }

    private Task<HttpResponseMessage> PostAsync(string body) =>
        _h.Client.PostAsync("/wallet/google/callbacks", new StringContent(body, Encoding.UTF8, "application/json"));

    private async Task<int> NoncesAsync()
    {
        await using var scope = _h.App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<WalletDbContext>().GoogleCallbackNonces.CountAsync();
    }

    /// <summary>The <see cref="CardSaved"/> events in loyalty's outbox, oldest first.</summary>
    private async Task<List<CardSaved>> SavedAsync()
    {
        await using var scope = _h.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>();
        var payloads = await db.Outbox.AsNoTracking().Where(m => m.MessageType == nameof(CardSaved)).OrderBy(m => m.Id).Select(m => m.Payload).ToListAsync();
        return [.. payloads.Select(p => JsonSerializer.Deserialize<CardSaved>(p, new JsonSerializerOptions(JsonSerializerDefaults.Web))!)];
    }
}

public sealed class GoogleCallbackEndpointSqliteTests : GoogleCallbackEndpointTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.Sqlite;
}

public sealed class GoogleCallbackEndpointPostgresTests : GoogleCallbackEndpointTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.PostgreSql;
}
