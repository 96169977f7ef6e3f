using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SevenStamp.Testing;
using SevenStamp.Wallet.Google;
using Knobs = SevenStamp.Testing.GoogleCallbackSigner.CallbackKnobs;

namespace SevenStamp.Wallet.Tests.Google;

/// <summary>
/// Google's callback signatures (ECv2SigningOnly) checked without a host: a well-signed save is accepted, each spoiled
/// part is refused with its own reason, and the root keys are fetched, cached and fetched again on rotation.
/// </summary>
public sealed class GoogleCallbackVerifierTests : IDisposable
{
    private const string Issuer = "3388000000012345678";
    private static readonly string ClassId = $"{Issuer}.{Guid.NewGuid():N}";
    private readonly GoogleCallbackSigner _google = new();
    private readonly string _objectId = $"{Issuer}.{Guid.NewGuid():N}";

    public void Dispose() => _google.Dispose();

    [Fact]
    public void Verify_WellSignedSave_AcceptedWithItsMessage()
    {
        // Arrange
        var body = _google.Sign(Issuer, ClassId, _objectId, new Knobs { Nonce = "nonce-1" });

        // Act
        var result = GoogleCallbackVerifier.Verify(body, Issuer, Roots(), DateTimeOffset.UtcNow);

        // Assert
        Assert.Equal(GoogleCallbackFailure.None, result.Failure);
        Assert.Equal((ClassId, _objectId, "save", "nonce-1"), (result.Callback!.ClassId, result.Callback.ObjectId, result.Callback.EventType, result.Callback.Nonce));
    }

    public static TheoryData<string, GoogleCallbackFailure> SpoiledParts() => new()
    {
        { "unknown root", GoogleCallbackFailure.RootSignature },
        { "expired intermediate", GoogleCallbackFailure.IntermediateExpired },
        { "wrong recipient", GoogleCallbackFailure.MessageSignature },
        { "tampered message", GoogleCallbackFailure.MessageSignature },
        { "expired message", GoogleCallbackFailure.MessageExpired },
    };

    [Theory]
    [MemberData(nameof(SpoiledParts))]
    public void Verify_SpoiledPart_RefusedWithItsReason(string spoiled, GoogleCallbackFailure expected)
    {
        // Arrange
        var knobs = spoiled switch
        {
            "unknown root" => new Knobs { UnknownRoot = true },
            "expired intermediate" => new Knobs { IntermediateExpiration = DateTimeOffset.UtcNow.AddMinutes(-1) },
            "wrong recipient" => new Knobs { RecipientId = "3388000000099999999" },
            "tampered message" => new Knobs { EventType = "del", TamperMessage = true },
            _ => new Knobs { MessageExpiration = DateTimeOffset.UtcNow.AddMinutes(-1) },
        };
        var body = _google.Sign(Issuer, ClassId, _objectId, knobs);

        // Act
        var result = GoogleCallbackVerifier.Verify(body, Issuer, Roots(), DateTimeOffset.UtcNow);

        // Assert
        Assert.Null(result.Callback);
        Assert.Equal(expected, result.Failure);
        Assert.False(string.IsNullOrWhiteSpace(result.Reason));
    }

    [Fact]
    public void Verify_ObjectOfAnotherIssuerSignedForThisOne_RefusedAsWrongIssuer()
    {
        // Arrange: a genuine callback for this issuer about another issuer's object.
        var body = _google.Sign(Issuer, "3388000000099999999.program", "3388000000099999999.card", new Knobs { RecipientId = Issuer });

        // Act
        var result = GoogleCallbackVerifier.Verify(body, Issuer, Roots(), DateTimeOffset.UtcNow);

        // Assert
        Assert.Equal(GoogleCallbackFailure.WrongIssuer, result.Failure);
    }

    [Fact]
    public void Verify_RootKeyPastItsExpiration_RefusedAsNotSignedByACurrentRoot()
    {
        // Arrange
        _google.RootLifetime = TimeSpan.FromDays(-1);
        var body = _google.Sign(Issuer, ClassId, _objectId);

        // Act
        var result = GoogleCallbackVerifier.Verify(body, Issuer, Roots(), DateTimeOffset.UtcNow);

        // Assert
        Assert.Equal(GoogleCallbackFailure.RootSignature, result.Failure);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("""{"protocolVersion":"ECv1","signature":"AA==","signedMessage":"{}"}""")]
    [InlineData("""{"protocolVersion":"ECv2SigningOnly","signature":"%%","intermediateSigningKey":{"signedKey":"{}","signatures":["AA=="]},"signedMessage":"{}"}""")]
    public void Verify_NotACallback_RefusedAsMalformed(string body)
    {
        // Act
        var result = GoogleCallbackVerifier.Verify(body, Issuer, Roots(), DateTimeOffset.UtcNow);

        // Assert
        Assert.Equal(GoogleCallbackFailure.Malformed, result.Failure);
    }

    [Fact]
    public void LengthValue_TwoFields_EachPrefixedWithItsLittleEndianUtf8Length()
    {
        // Act
        var bytes = GoogleCallbackVerifier.LengthValue("ab", "é");

        // Assert
        Assert.Equal(new byte[] { 2, 0, 0, 0, (byte)'a', (byte)'b', 2, 0, 0, 0, 0xC3, 0xA9 }, bytes);
    }

    [Fact]
    public async Task VerifyAsync_RootRotatedAfterTheKeysWereCached_FetchesTheKeysAgainOnceAndAccepts()
    {
        // Arrange
        await using var server = await FakeGoogleWalletServer.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var verifier = Verifier(server, time);
        var before = await verifier.VerifyAsync(server.Callbacks.Sign(Issuer, ClassId, _objectId), CancellationToken.None);
        server.Callbacks.RotateRoot();
        time.Advance(GoogleCallbackKeys.MinRefetchInterval + TimeSpan.FromSeconds(1));

        // Act
        var after = await verifier.VerifyAsync(server.Callbacks.Sign(Issuer, ClassId, _objectId), CancellationToken.None);
        var again = await verifier.VerifyAsync(server.Callbacks.Sign(Issuer, ClassId, _objectId), CancellationToken.None);

        // Assert
        Assert.Equal((GoogleCallbackFailure.None, GoogleCallbackFailure.None, GoogleCallbackFailure.None), (before.Failure, after.Failure, again.Failure));
        Assert.Equal(2, server.KeyRequests);
    }

    [Fact]
    public async Task VerifyAsync_ForgedCallbacksRightAfterAFetch_RefusedWithoutFetchingAgain()
    {
        // Arrange
        await using var server = await FakeGoogleWalletServer.StartAsync();
        var verifier = Verifier(server, new FakeTimeProvider(DateTimeOffset.UtcNow));
        await verifier.VerifyAsync(server.Callbacks.Sign(Issuer, ClassId, _objectId), CancellationToken.None);

        // Act
        var forged = new List<GoogleCallbackVerification>();
        for (var i = 0; i < 5; i++)
        {
            forged.Add(await verifier.VerifyAsync(server.Callbacks.Sign(Issuer, ClassId, _objectId, new Knobs { UnknownRoot = true }), CancellationToken.None));
        }

        // Assert
        Assert.All(forged, f => Assert.Equal(GoogleCallbackFailure.RootSignature, f.Failure));
        Assert.Equal(1, server.KeyRequests);
    }

    [Fact]
    public async Task VerifyAsync_KeysCannotBeFetched_ThrowsKeysUnavailable()
    {
        // Arrange
        await using var server = await FakeGoogleWalletServer.StartAsync();
        server.KeysUnavailable = true;
        var verifier = Verifier(server, new FakeTimeProvider(DateTimeOffset.UtcNow));

        // Act
        var act = () => verifier.VerifyAsync(server.Callbacks.Sign(Issuer, ClassId, _objectId), CancellationToken.None);

        // Assert
        await Assert.ThrowsAsync<GoogleCallbackKeysUnavailableException>(act);
    }

    [Fact]
    public async Task VerifyAsync_CacheTimePassed_FetchesTheKeysAgain()
    {
        // Arrange
        await using var server = await FakeGoogleWalletServer.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var verifier = Verifier(server, time);
        await verifier.VerifyAsync(server.Callbacks.Sign(Issuer, ClassId, _objectId), CancellationToken.None);
        await verifier.VerifyAsync(server.Callbacks.Sign(Issuer, ClassId, _objectId), CancellationToken.None);
        var cached = server.KeyRequests;

        // Act
        time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await verifier.VerifyAsync(server.Callbacks.Sign(Issuer, ClassId, _objectId), CancellationToken.None);

        // Assert
        Assert.Equal((1, 2), (cached, server.KeyRequests));
    }

    private IReadOnlyList<GoogleRootKey> Roots() => GoogleCallbackVerifier.ParseKeys(_google.KeysJson());

    private static GoogleCallbackVerifier Verifier(FakeGoogleWalletServer server, TimeProvider time)
    {
        var options = Options.Create(new GoogleWalletOptions { IssuerId = Issuer, CallbackKeysUrl = server.CallbackKeysUrl.ToString() });
        var keys = new GoogleCallbackKeys(new OneClient(), options, time, NullLogger<GoogleCallbackKeys>.Instance);
        return new GoogleCallbackVerifier(keys, options, time);
    }

    private sealed class OneClient : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new();
    }
}
