using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using MassTransit;
using MassTransit.Testing;
using SevenStamp.Contracts;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Data;
using SevenStamp.Testing;
using SevenStamp.Wallet.Google;

namespace SevenStamp.Wallet.Tests.Google;

/// <summary>
/// A card's Google Wallet object against a fake walletobjects API and token endpoint: class and object creation,
/// patches carrying the card's state, retries, token trouble and the bus consumer; on SQLite and PostgreSQL.
/// </summary>
public abstract class GoogleWalletSyncTests : IAsyncLifetime
{
    private GoogleWalletHarness _h = null!;

    protected abstract LoyaltyStoreProvider Provider { get; }

    public async ValueTask InitializeAsync() => _h = await GoogleWalletHarness.StartAsync(Provider);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task SyncAsync_NewCards_CreatesTheClassOnceAndEachObjectThenPatches()
    {
        // Arrange
        var first = await _h.AddCardAsync(totalStamps: 1);
        var second = await _h.AddCardAsync(totalStamps: 2);

        // Act
        var created = await _h.SyncAsync(first);
        var createdSecond = await _h.SyncAsync(second);
        await _h.SetStampsAsync(first, totalStamps: 3, cycles: 0);
        var patched = await _h.SyncAsync(first);

        // Assert
        Assert.Equal((GoogleSyncOutcome.Created, GoogleSyncOutcome.Created, GoogleSyncOutcome.Patched), (created, createdSecond, patched));
        Assert.Single(_h.Google.CallsTo("POST", "loyaltyClass"), c => c.Status == 200);
        var cls = _h.Google.Find("loyaltyClass", _h.ClassId)!;
        Assert.Equal(("Café Test", "Coffee card", "UNDER_REVIEW", "#6f4e37"), (Str(cls["issuerName"]), Str(cls["programName"]), Str(cls["reviewStatus"]), Str(cls["hexBackgroundColor"])));
        Assert.Equal(2, _h.Google.CallsTo("POST", "loyaltyObject").Count(c => c.Status == 200));
        var obj = _h.Google.Find("loyaltyObject", GoogleWalletHarness.ObjectId(first))!;
        Assert.Equal(_h.ClassId, Str(obj["classId"]));
        Assert.Equal(3, obj["loyaltyPoints"]!["balance"]!["int"]!.GetValue<int>());
        Assert.Equal("Stamps", Str(obj["loyaltyPoints"]!["label"]));
        Assert.Equal(5, obj["secondaryLoyaltyPoints"]!["balance"]!["int"]!.GetValue<int>());
        Assert.Equal("ACTIVE", Str(obj["state"]));
        var lastPatch = _h.Google.CallsTo("PATCH", "loyaltyObject").Last(c => c.Status == 200);
        Assert.Equal(GoogleWalletHarness.ObjectId(first), lastPatch.Id);
        Assert.Equal(3, lastPatch.Body!["loyaltyPoints"]!["balance"]!["int"]!.GetValue<int>());
        Assert.Equal("ACTIVE", Str(lastPatch.Body["state"]));
        Assert.DoesNotContain(_h.Google.Calls, c => c.Method == "PUT");
        Assert.DoesNotContain(_h.Google.Calls, c => c.Status == 401);
        Assert.Equal(1, _h.Google.TokenRequests);
    }

    [Fact]
    public async Task SyncAsync_ReadyVoucher_PutsItsCodeInTheBarcodeAndRedeemingClearsIt()
    {
        // Arrange
        var card = await _h.AddCardAsync(totalStamps: 5, cycles: 1);
        var voucher = await _h.AddVoucherAsync(card, cycle: 1, code: "CAFE-7Q2K");

        // Act
        await _h.SyncAsync(card);
        var ready = _h.Google.Find("loyaltyObject", GoogleWalletHarness.ObjectId(card))!;
        await _h.SetVoucherStateAsync(voucher, VoucherState.Redeemed);
        await _h.SyncAsync(card);
        var redeemed = _h.Google.Find("loyaltyObject", GoogleWalletHarness.ObjectId(card))!;

        // Assert
        Assert.Equal(("QR_CODE", "CAFE-7Q2K", "CAFE-7Q2K"), (Str(ready["barcode"]!["type"]), Str(ready["barcode"]!["value"]), Str(ready["barcode"]!["alternateText"])));
        Assert.Contains("CAFE-7Q2K", Module(ready, "voucher"), StringComparison.Ordinal);
        Assert.Equal(0, ready["loyaltyPoints"]!["balance"]!["int"]!.GetValue<int>());
        var patch = _h.Google.CallsTo("PATCH", "loyaltyObject").Last(c => c.Status == 200).Body!;
        Assert.True(patch.ContainsKey("barcode") && patch["barcode"] is null, "The patch must clear the barcode explicitly.");
        Assert.Null(redeemed["barcode"]);
        Assert.StartsWith("Redeemed on", Module(redeemed, "voucher"), StringComparison.Ordinal);
        Assert.Equal("ACTIVE", Str(redeemed["state"]));
    }

    [Fact]
    public async Task SyncAsync_ExpiredVoucherAndNoStamps_MarksTheObjectExpiredUntilTheNextStamp()
    {
        // Arrange
        var card = await _h.AddCardAsync(totalStamps: 5, cycles: 1);
        await _h.AddVoucherAsync(card, cycle: 1, code: "CAFE-EXP1", state: VoucherState.Expired, expiresAt: DateTimeOffset.UtcNow.AddDays(-1));

        // Act
        await _h.SyncAsync(card);
        var expired = _h.Google.Find("loyaltyObject", GoogleWalletHarness.ObjectId(card))!;
        await _h.SetStampsAsync(card, totalStamps: 6, cycles: 1);
        await _h.SyncAsync(card);
        var active = _h.Google.Find("loyaltyObject", GoogleWalletHarness.ObjectId(card))!;

        // Assert
        Assert.Equal("EXPIRED", Str(expired["state"]));
        Assert.Null(expired["barcode"]);
        Assert.StartsWith("Expired on", Module(expired, "voucher"), StringComparison.Ordinal);
        Assert.Equal("ACTIVE", Str(active["state"]));
        Assert.Equal(1, active["loyaltyPoints"]!["balance"]!["int"]!.GetValue<int>());
    }

    [Fact]
    public async Task SyncAsync_Google429Then503_RetriesAndThePatchLands()
    {
        // Arrange
        var card = await _h.AddCardAsync(totalStamps: 1);
        await _h.SyncAsync(card);
        await _h.SetStampsAsync(card, totalStamps: 2, cycles: 0);
        _h.Google.FailNext(429, 503);

        // Act
        var outcome = await _h.SyncAsync(card);

        // Assert
        Assert.Equal(GoogleSyncOutcome.Patched, outcome);
        var patches = _h.Google.CallsTo("PATCH", "loyaltyObject").TakeLast(3).Select(c => c.Status).ToList();
        Assert.Equal([429, 503, 200], patches);
        Assert.Equal(2, _h.Google.Find("loyaltyObject", GoogleWalletHarness.ObjectId(card))!["loyaltyPoints"]!["balance"]!["int"]!.GetValue<int>());
    }

    [Fact]
    public async Task SyncAsync_GoogleKeepsFailing_ReportsATransientErrorAfterTheRetries()
    {
        // Arrange
        var card = await _h.AddCardAsync(totalStamps: 1);
        _h.Google.FailNext(503, 503, 503, 503);

        // Act
        var ex = await Assert.ThrowsAsync<GoogleWalletException>(() => _h.SyncAsync(card));

        // Assert
        Assert.True(ex.IsTransient);
        Assert.Equal(503, ex.StatusCode);
        Assert.Equal(4, _h.Google.Calls.Count(c => c.Status == 503));
    }

    [Fact]
    public async Task SyncAsync_TokenRefused_ReportsAPermanentErrorNamingTheKeySetting()
    {
        // Arrange
        var card = await _h.AddCardAsync(totalStamps: 1);
        _h.Google.RefuseTokens = true;

        // Act
        var ex = await Assert.ThrowsAsync<GoogleWalletException>(() => _h.SyncAsync(card));

        // Assert
        Assert.False(ex.IsTransient);
        Assert.Equal(400, ex.StatusCode);
        Assert.Contains("SevenStamp:Wallet:Google:ServiceAccountKeyFile", ex.Message, StringComparison.Ordinal);
        Assert.Contains("invalid_grant", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_h.Google.Calls);
    }

    [Fact]
    public async Task SyncAsync_TokenRevokedAtGoogle_GetsANewTokenAfterThe401AndSucceeds()
    {
        // Arrange
        var card = await _h.AddCardAsync(totalStamps: 1);
        await _h.SyncAsync(card);
        await _h.SetStampsAsync(card, totalStamps: 4, cycles: 0);
        _h.Google.RevokeTokens();

        // Act
        var outcome = await _h.SyncAsync(card);

        // Assert
        Assert.Equal(GoogleSyncOutcome.Patched, outcome);
        Assert.Equal(2, _h.Google.TokenRequests);
        Assert.Equal([401, 200], _h.Google.CallsTo("PATCH", "loyaltyObject").TakeLast(2).Select(c => c.Status));
        Assert.Equal(4, _h.Google.Find("loyaltyObject", GoogleWalletHarness.ObjectId(card))!["loyaltyPoints"]!["balance"]!["int"]!.GetValue<int>());
    }

    [Fact]
    public async Task SyncAsync_ObjectDeletedAtGoogleAfterTheClassWasSeen_InsertsItAgain()
    {
        // Arrange: a class made by another replica; this process has not seen it yet.
        var card = await _h.AddCardAsync(totalStamps: 2);
        var other = await _h.AddCardAsync(totalStamps: 1);
        await _h.SyncAsync(other);

        // Act
        var outcome = await _h.SyncAsync(card);

        // Assert
        Assert.Equal(GoogleSyncOutcome.Created, outcome);
        Assert.Single(_h.Google.CallsTo("GET", "loyaltyClass"));
        Assert.Single(_h.Google.CallsTo("POST", "loyaltyClass"));
    }

    [Fact]
    public async Task SyncAsync_CardChangesWhileThePatchIsInFlight_SendsTheNewerStateToo()
    {
        // Arrange: another stamp lands (and its own update has gone out first) while this patch is at Google.
        var card = await _h.AddCardAsync(totalStamps: 1);
        await _h.SyncAsync(card);
        await _h.SetStampsAsync(card, totalStamps: 2, cycles: 0);
        var changed = 0;
        _h.Google.OnCall = async call =>
        {
            if (call.Method == "PATCH" && Interlocked.Exchange(ref changed, 1) == 0)
            {
                await _h.SetStampsAsync(card, totalStamps: 3, cycles: 0);
            }
        };

        // Act
        await _h.SyncAsync(card);

        // Assert
        var balances = _h.Google.CallsTo("PATCH", "loyaltyObject").TakeLast(2).Select(c => c.Body!["loyaltyPoints"]!["balance"]!["int"]!.GetValue<int>());
        Assert.Equal([2, 3], balances);
        Assert.Equal(3, _h.Google.Find("loyaltyObject", GoogleWalletHarness.ObjectId(card))!["loyaltyPoints"]!["balance"]!["int"]!.GetValue<int>());
    }

    [Fact]
    public async Task Consumer_StampsAwardedOnTheBus_PatchesTheObjectWithTheCardsCount()
    {
        // Arrange
        var card = await _h.AddCardAsync(totalStamps: 3);

        // Act
        await _h.Bus.Bus.Publish(new StampsAwarded
        {
            MerchantId = GoogleWalletHarness.MerchantId, CardId = card, ConnectorId = "pos", ExternalSaleId = "S-1", Stamps = 1, Balance = 3, Goal = 5, AwardedAt = DateTimeOffset.UtcNow,
        });

        // Assert
        // The Google consumer's own list: the bus-wide one also holds the Apple consumer's (a no-op here) deliveries.
        var google = _h.Bus.GetConsumerHarness<GoogleWalletUpdatesConsumer>();
        Assert.True(await google.Consumed.Any<StampsAwarded>(m => m.Context.Message.CardId == card));
        Assert.True(await EventuallyAsync(() => _h.Google.Find("loyaltyObject", GoogleWalletHarness.ObjectId(card))?["loyaltyPoints"]?["balance"]?["int"]?.GetValue<int>() == 3));
        await foreach (var consumed in google.Consumed.SelectAsync<StampsAwarded>(m => m.Context.Message.CardId == card))
        {
            Assert.Null(consumed.Exception);
            break;
        }
    }

    [Fact]
    public async Task Consumer_OneEventPublishedTwiceUnderItsMessageId_SendsTheCardToGoogleOnce()
    {
        // Arrange: the outbox publishes at least once; a copy carries the first one's message id.
        var card = await _h.AddCardAsync(totalStamps: 3);
        var google = _h.Bus.GetConsumerHarness<GoogleWalletUpdatesConsumer>();
        var messageId = NewId.NextGuid();
        StampsAwarded Awarded(string sale) => new()
        {
            MerchantId = GoogleWalletHarness.MerchantId, CardId = card, ConnectorId = "pos", ExternalSaleId = sale, Stamps = 1, Balance = 3, Goal = 5, AwardedAt = DateTimeOffset.UtcNow,
        };
        int CallsForCard() => _h.Google.Calls.Count(c => c.Resource == "loyaltyObject" && (c.Id ?? c.Body?["id"]?.GetValue<string>()) == GoogleWalletHarness.ObjectId(card));
        async Task ConsumedAsync(Guid id)
        {
            await foreach (var consumed in google.Consumed.SelectAsync<StampsAwarded>(m => m.Context.MessageId == id))
            {
                Assert.Null(consumed.Exception);
                return;
            }
        }

        await _h.Bus.Bus.Publish(Awarded("S-1"), c => c.MessageId = messageId);
        await ConsumedAsync(messageId);
        var afterFirst = CallsForCard();

        // Act: the copy, then another event.
        // (The harness lists a message id once: the copy's delivery is counted by an observer.)
        var deliveries = new Deliveries("google", messageId, awaited: 1);
        using (_h.Bus.Bus.ConnectConsumeObserver(deliveries))
        {
            await _h.Bus.Bus.Publish(Awarded("S-1"), c => c.MessageId = messageId);
            await deliveries.WaitAsync(TimeSpan.FromSeconds(30));
        }

        var afterCopy = CallsForCard();
        var next = NewId.NextGuid();
        await _h.Bus.Bus.Publish(Awarded("S-2"), c => c.MessageId = next);
        await ConsumedAsync(next);

        // Assert
        Assert.True(afterFirst > 0, "The first event sent nothing to Google.");
        Assert.Equal(afterFirst, afterCopy);
        Assert.True(CallsForCard() > afterCopy, "The next event, under a new id, sent nothing to Google.");
        Assert.Equal(2, await _h.WithWalletAsync(db => db.WalletAppliedEvents.CountAsync(a => a.Consumer == "google")));
    }

    [Fact]
    public async Task Consumer_VoucherExpiredOnTheBus_MarksTheObjectExpired()
    {
        // Arrange: a ready voucher and no stamps toward the next one; Google shows it active.
        var card = await _h.AddCardAsync(totalStamps: 5, cycles: 1);
        var voucher = await _h.AddVoucherAsync(card, cycle: 1, code: "CAFE-EXP2", expiresAt: DateTimeOffset.UtcNow.AddDays(1));
        await _h.SyncAsync(card);
        Assert.Equal("ACTIVE", Str(_h.Google.Find("loyaltyObject", GoogleWalletHarness.ObjectId(card))!["state"]));

        // Act: the voucher expires and the event arrives on the bus.
        var google = _h.Bus.GetConsumerHarness<GoogleWalletUpdatesConsumer>();
        await _h.SetVoucherStateAsync(voucher, VoucherState.Expired);
        await _h.Bus.Bus.Publish(new VoucherExpired { MerchantId = GoogleWalletHarness.MerchantId, CardId = card, VoucherId = voucher, ExpiredAt = DateTimeOffset.UtcNow });

        // Assert
        Assert.True(await google.Consumed.Any<VoucherExpired>(m => m.Context.Message.CardId == card));
        Assert.True(
            await EventuallyAsync(() => Str(_h.Google.Find("loyaltyObject", GoogleWalletHarness.ObjectId(card))?["state"]) == "EXPIRED"),
            $"The object never became EXPIRED: {_h.Google.Find("loyaltyObject", GoogleWalletHarness.ObjectId(card))?.ToJsonString()}");
        var expired = _h.Google.Find("loyaltyObject", GoogleWalletHarness.ObjectId(card))!;
        Assert.Null(expired["barcode"]);
        Assert.StartsWith("Expired on", Module(expired, "voucher"), StringComparison.Ordinal);
        await foreach (var consumed in google.Consumed.SelectAsync<VoucherExpired>(m => m.Context.Message.CardId == card))
        {
            Assert.Null(consumed.Exception);
            break;
        }
    }

    [Fact]
    public async Task Consumer_VoucherExpiringSoonDeliveredTwice_AddsOneNotifyingMessageAndTheNewsModule()
    {
        // Arrange: a ready voucher whose reminder the loyalty sweep has just marked.
        var card = await _h.AddCardAsync(totalStamps: 5, cycles: 1);
        var expires = DateTimeOffset.UtcNow.AddDays(2);
        var voucher = await _h.AddVoucherAsync(card, cycle: 1, code: "CAFE-SOON", expiresAt: expires);
        await _h.SetReminderSentAsync(voucher, DateTimeOffset.UtcNow);
        await _h.SyncAsync(card);
        var google = _h.Bus.GetConsumerHarness<GoogleWalletUpdatesConsumer>();
        var reminder = new VoucherExpiringSoon { MerchantId = GoogleWalletHarness.MerchantId, CardId = card, VoucherId = voucher, ExpiresAt = expires, RemindedAt = DateTimeOffset.UtcNow };

        // Act: the event is delivered twice (at least once).
        await _h.Bus.Bus.Publish(reminder);
        await _h.Bus.Bus.Publish(reminder);

        // Assert
        Assert.True(await EventuallyAsync(() => google.Consumed.Select<VoucherExpiringSoon>().Count() == 2));
        Assert.True(await EventuallyAsync(() => _h.Google.CallsTo("POST", "loyaltyObject").Count(c => c.Id?.EndsWith("/addMessage", StringComparison.Ordinal) == true) == 2));
        var obj = _h.Google.Find("loyaltyObject", GoogleWalletHarness.ObjectId(card))!;
        var message = Assert.Single(obj["messages"]!.AsArray())!;
        Assert.Equal(($"expiry-{voucher:N}", "TEXT_AND_NOTIFY", "News"), (Str(message["id"]), Str(message["messageType"]), Str(message["header"])));
        Assert.StartsWith("Your voucher “A free coffee” expires on", Str(message["body"]), StringComparison.Ordinal);
        Assert.Contains(message["localizedBody"]!["translatedValues"]!.AsArray(), t => Str(t!["language"]) == "fa" && Str(t["value"])!.Contains("A free coffee", StringComparison.Ordinal));
        Assert.Equal(Str(message["body"]), Module(obj, "news"));
        await foreach (var consumed in google.Consumed.SelectAsync<VoucherExpiringSoon>(m => m.Context.Message.CardId == card))
        {
            Assert.Null(consumed.Exception);
        }
    }

    [Fact]
    public async Task SyncAsync_TwiceWithoutAChange_SendsTheSamePatchAndLeavesTheObjectAsItWas()
    {
        // Arrange: the object exists and is up to date.
        var card = await _h.AddCardAsync(totalStamps: 5, cycles: 1);
        await _h.AddVoucherAsync(card, cycle: 1, code: "CAFE-SAME", expiresAt: DateTimeOffset.UtcNow.AddDays(30));
        await _h.SetStampsAsync(card, totalStamps: 7, cycles: 1);
        await _h.SyncAsync(card);
        var stored = _h.Google.Find("loyaltyObject", GoogleWalletHarness.ObjectId(card))!.ToJsonString();

        // Act
        var first = await _h.SyncAsync(card);
        var second = await _h.SyncAsync(card);

        // Assert
        Assert.Equal((GoogleSyncOutcome.Patched, GoogleSyncOutcome.Patched), (first, second));
        var patches = _h.Google.CallsTo("PATCH", "loyaltyObject").Where(c => c.Status == 200).TakeLast(2).ToList();
        Assert.Equal(2, patches.Count);
        Assert.Equal(patches[0].Body!.ToJsonString(), patches[1].Body!.ToJsonString());
        Assert.Equal(stored, _h.Google.Find("loyaltyObject", GoogleWalletHarness.ObjectId(card))!.ToJsonString());
        Assert.Single(_h.Google.CallsTo("POST", "loyaltyObject"), c => c.Status == 200);
        Assert.DoesNotContain(_h.Google.Calls, c => c.Method == "PUT");
    }

    [Fact]
    public async Task Consumer_SameStampsAwardedTwice_LeavesOneObjectWithTheCardsBalance()
    {
        // Arrange
        var card = await _h.AddCardAsync(totalStamps: 3);
        var awarded = new StampsAwarded
        {
            MerchantId = GoogleWalletHarness.MerchantId, CardId = card, ConnectorId = "pos", ExternalSaleId = "S-DUP", Stamps = 1, Balance = 3, Goal = 5, AwardedAt = DateTimeOffset.UtcNow,
        };

        // Act: the same event delivered twice (a redelivery), one after the other, each waited for at the Google consumer.
        var google = _h.Bus.GetConsumerHarness<GoogleWalletUpdatesConsumer>();
        var deliveries = new[] { NewId.NextGuid(), NewId.NextGuid() };
        foreach (var delivery in deliveries)
        {
            await _h.Bus.Bus.Publish(awarded, context => context.MessageId = delivery);
            Assert.True(await google.Consumed.Any<StampsAwarded>(m => m.Context.MessageId == delivery), "A delivery was not consumed.");
        }

        // Assert: both consumed without a fault; one object, inserted once, showing the card's 3 stamps; the second delivery only patched it.
        var faults = 0;
        var seen = 0;
        await foreach (var consumed in google.Consumed.SelectAsync<StampsAwarded>(m => m.Context.Message.CardId == card))
        {
            faults += consumed.Exception is null ? 0 : 1;
            if (++seen == deliveries.Length)
            {
                break;
            }
        }

        Assert.Equal(0, faults);
        var objectId = GoogleWalletHarness.ObjectId(card);
        Assert.Single(_h.Google.CallsTo("POST", "loyaltyObject"), c => c.Status == 200 && c.Body?["id"]?.GetValue<string>() == objectId);
        Assert.Contains(_h.Google.CallsTo("PATCH", "loyaltyObject"), c => c.Status == 200 && c.Id == objectId);
        Assert.Equal(3, _h.Google.Find("loyaltyObject", objectId)!["loyaltyPoints"]!["balance"]!["int"]!.GetValue<int>());
    }

    [Fact]
    public async Task Logs_AfterSyncWithAVoucher_HoldNeitherTokenNorKeyNorRedeemCode()
    {
        // Arrange
        var card = await _h.AddCardAsync(totalStamps: 5, cycles: 1);
        await _h.AddVoucherAsync(card, cycle: 1, code: "CAFE-SECRET9");

        // Act
        await _h.SyncAsync(card);

        // Assert
        var logs = string.Join("\n", _h.Logs.Lines);
        Assert.Contains(card.ToString(), logs, StringComparison.Ordinal);
        Assert.DoesNotContain("CAFE-SECRET9", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("ya29.", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", logs, StringComparison.Ordinal);
    }

    internal static string? Str(JsonNode? node) => node?.GetValue<string>();

    internal static string Module(JsonObject obj, string id) =>
        obj["textModulesData"]!.AsArray().Single(m => Str(m!["id"]) == id)!["body"]!.GetValue<string>();

    private static Task<bool> EventuallyAsync(Func<bool> condition) => Eventually.HoldsAsync(condition, TimeSpan.FromSeconds(60));
}

public sealed class GoogleWalletSyncSqliteTests : GoogleWalletSyncTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.Sqlite;
}

public sealed class GoogleWalletSyncPostgresTests : GoogleWalletSyncTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.PostgreSql;
}
