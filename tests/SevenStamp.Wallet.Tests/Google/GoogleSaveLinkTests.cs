using System.Net;
using System.Text.Json.Nodes;
using SevenStamp.Loyalty;
using SevenStamp.Testing;
using SevenStamp.Wallet.Google;

namespace SevenStamp.Wallet.Tests.Google;

/// <summary>The customer's Add to Google Wallet endpoint over real HTTP, and the signed Save JWT it redirects to.</summary>
public abstract class GoogleSaveLinkTests : IAsyncLifetime
{
    private GoogleWalletHarness _h = null!;

    protected abstract LoyaltyStoreProvider Provider { get; }

    public async ValueTask InitializeAsync() => _h = await GoogleWalletHarness.StartAsync(Provider);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task SaveEndpoint_ValidCardLink_RedirectsToAJwtSignedByTheServiceAccountNamingTheCreatedObject()
    {
        // Arrange
        var card = await _h.AddCardAsync(totalStamps: 2);
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        // Act
        var response = await _h.Client.GetAsync(new Uri(_h.CardPath(card) + "/google", UriKind.Relative));

        // Assert
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        Assert.StartsWith(GoogleSaveLinks.SaveUrlPrefix, location, StringComparison.Ordinal);
        var verified = _h.Account.Verify(location[GoogleSaveLinks.SaveUrlPrefix.Length..]);
        Assert.NotNull(verified);
        var (header, claims) = verified.Value;
        Assert.Equal(("RS256", TestServiceAccount.KeyId), (Str(header["alg"]), Str(header["kid"])));
        Assert.Equal((TestServiceAccount.Email, "google", "savetowallet"), (Str(claims["iss"]), Str(claims["aud"]), Str(claims["typ"])));
        Assert.Equal([GoogleWalletHarness.Origin], claims["origins"]!.AsArray().Select(o => o!.GetValue<string>()));
        Assert.InRange(claims["iat"]!.GetValue<long>(), before - 5, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        var named = Assert.Single(claims["payload"]!["loyaltyObjects"]!.AsArray())!.AsObject();
        Assert.Equal((GoogleWalletHarness.ObjectId(card), _h.ClassId), (Str(named["id"]), Str(named["classId"])));
        // The object it names exists at Google, with the card's count, before the customer follows the link.
        Assert.Equal(2, _h.Google.Find("loyaltyObject", GoogleWalletHarness.ObjectId(card))!["loyaltyPoints"]!["balance"]!["int"]!.GetValue<int>());
    }

    [Fact]
    public async Task SaveEndpoint_SignatureOfAnotherKey_DoesNotVerify()
    {
        // Arrange
        var card = await _h.AddCardAsync(totalStamps: 1);
        using var stranger = System.Security.Cryptography.RSA.Create(2048);

        // Act
        var response = await _h.Client.GetAsync(new Uri(_h.CardPath(card) + "/google", UriKind.Relative));

        // Assert
        var jwt = response.Headers.Location!.ToString()[GoogleSaveLinks.SaveUrlPrefix.Length..];
        Assert.Null(TestServiceAccount.VerifyJwt(stranger, jwt));
        Assert.NotNull(_h.Account.Verify(jwt));
    }

    [Fact]
    public async Task SaveEndpoint_TokenOfAnotherCard_Is404AndCallsNoGoogle()
    {
        // Arrange
        var card = await _h.AddCardAsync(totalStamps: 1);
        var other = await _h.AddCardAsync(totalStamps: 1);
        var foreignToken = _h.CardPath(other).Split('/')[^1];

        // Act
        var response = await _h.Client.GetAsync(new Uri($"/wallet/cards/{card:N}/{foreignToken}/google", UriKind.Relative));

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(_h.Google.Calls);
    }

    [Fact]
    public async Task SaveEndpoint_GoogleUnreachable_LinkCarriesTheWholeClassAndObject()
    {
        // Arrange
        var card = await _h.AddCardAsync(totalStamps: 5, cycles: 1);
        await _h.AddVoucherAsync(card, cycle: 1, code: "CAFE-LINK1");
        _h.Google.FailNext(503, 503, 503, 503);

        // Act
        var response = await _h.Client.GetAsync(new Uri(_h.CardPath(card) + "/google", UriKind.Relative));

        // Assert
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var (_, claims) = _h.Account.Verify(response.Headers.Location!.ToString()[GoogleSaveLinks.SaveUrlPrefix.Length..])!.Value;
        var obj = Assert.Single(claims["payload"]!["loyaltyObjects"]!.AsArray())!.AsObject();
        Assert.Equal((GoogleWalletHarness.ObjectId(card), _h.ClassId, "ACTIVE"), (Str(obj["id"]), Str(obj["classId"]), Str(obj["state"])));
        Assert.Equal("CAFE-LINK1", Str(obj["barcode"]!["value"]));
        Assert.Equal(_h.ClassId, Str(Assert.Single(claims["payload"]!["loyaltyClasses"]!.AsArray())!["id"]));
    }

    [Fact]
    public async Task SaveEndpoint_GoogleHangs_LinkCarriesTheWholeObjectInsteadOfMakingTheCustomerWait()
    {
        // Arrange: Google accepts the connection and does not answer for longer than the customer's budget.
        var card = await _h.AddCardAsync(totalStamps: 3);
        _h.Google.OnCall = _ => Task.Delay(GoogleSaveLinks.SendBudget * 3);

        // Act
        var response = await _h.Client.GetAsync(new Uri(_h.CardPath(card) + "/google", UriKind.Relative));

        // Assert
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var (_, claims) = _h.Account.Verify(response.Headers.Location!.ToString()[GoogleSaveLinks.SaveUrlPrefix.Length..])!.Value;
        var obj = Assert.Single(claims["payload"]!["loyaltyObjects"]!.AsArray())!.AsObject();
        Assert.Equal(3, obj["loyaltyPoints"]!["balance"]!["int"]!.GetValue<int>());
        Assert.NotNull(claims["payload"]!["loyaltyClasses"]);
        _h.Google.OnCall = null;
    }

    private static string? Str(JsonNode? node) => node?.GetValue<string>();
}

public sealed class GoogleSaveLinkSqliteTests : GoogleSaveLinkTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.Sqlite;
}

public sealed class GoogleSaveLinkPostgresTests : GoogleSaveLinkTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.PostgreSql;
}

/// <summary>Google Wallet switched off: the endpoint says so, and the consumer lets events pass.</summary>
public sealed class GoogleWalletOffTests
{
    [Fact]
    public async Task SaveEndpoint_GoogleNotConfigured_Is404NamingTheSetting()
    {
        // Arrange
        await using var h = await GoogleWalletHarness.StartAsync(LoyaltyStoreProvider.Sqlite, googleOn: false);
        var card = await h.AddCardAsync(totalStamps: 1);

        // Act
        var response = await h.Client.GetAsync(new Uri(h.CardPath(card) + "/google", UriKind.Relative));

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("SevenStamp:Wallet:Google", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(h.Google.Calls);
    }

    [Fact]
    public async Task Consumers_GoogleNotConfigured_NoGoogleConsumerReadsTheEvents()
    {
        // Arrange
        await using var h = await GoogleWalletHarness.StartAsync(LoyaltyStoreProvider.Sqlite, googleOn: false);
        var card = await h.AddCardAsync(totalStamps: 1);

        // Act
        await h.Bus.Bus.Publish(new Contracts.VoucherRedeemed { MerchantId = GoogleWalletHarness.MerchantId, CardId = card, VoucherId = Guid.NewGuid(), Method = Contracts.RedemptionMethod.RedeemCode, RedeemedAt = DateTimeOffset.UtcNow });

        // Assert: the event went out, but with Google off no consumer (and so no queue) was registered for it.
        Assert.True(await h.Bus.Published.Any<Contracts.VoucherRedeemed>(m => m.Context.Message.CardId == card));
        Assert.ThrowsAny<InvalidOperationException>(() => h.Bus.GetConsumerHarness<GoogleWalletUpdatesConsumer>());
        Assert.Empty(h.Google.Calls);
    }
}
