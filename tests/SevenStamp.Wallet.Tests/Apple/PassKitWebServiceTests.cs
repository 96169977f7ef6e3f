using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty;
using SevenStamp.Testing.Apple;
using SevenStamp.Wallet.Apple;
using SevenStamp.Wallet.Data;

namespace SevenStamp.Wallet.Tests.Apple;

/// <summary>The PassKit web service over real HTTP, on SQLite and on PostgreSQL (see the subclasses).</summary>
public abstract class PassKitWebServiceTests : IAsyncLifetime
{
    private readonly AppleTestKit _kit = AppleTestKit.Create();
    private AppleHost _host = null!;
    private FakeApns _apns = null!;

    protected abstract LoyaltyStoreProvider Provider { get; }

    public async ValueTask InitializeAsync()
    {
        _apns = await FakeApns.StartAsync(_kit.ApnsPublicKey, AppleTestKit.KeyId, AppleTestKit.TeamId, AppleTestKit.PassTypeId);
        var settings = _kit.Settings(_apns.Url);
        settings["SevenStamp:Wallet:Apple:RegistrationsPerMinute"] = "5";
        settings["SevenStamp:Wallet:Apple:LogRequestsPerMinute"] = "3";
        settings["SevenStamp:Wallet:Apple:PassRequestsPerMinute"] = "20";
        settings["SevenStamp:Wallet:Apple:MaxLogBodyBytes"] = "2048";
        _host = await AppleHost.StartAsync(Provider, settings);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _apns.DisposeAsync();
        _kit.Dispose();
    }

    [Fact]
    public async Task Register_NewThenAgain_Answers201Then200AndStoresOneRegistration()
    {
        // Arrange
        var card = await _host.SeedCardAsync(3);
        var token = await _host.TokenAsync(card);

        // Act
        using var first = await _host.RegisterAsync("device-1", card, token);
        using var again = await _host.RegisterAsync("device-1", card, token, pushToken: "ffff0000");

        // Assert
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var stored = await _host.WithDbAsync(db => db.Set<ApplePassRegistration>().Where(r => r.SerialNumber == card).ToListAsync());
        Assert.Equal("ffff0000", Assert.Single(stored).PushToken);
    }

    [Fact]
    public async Task Register_MissingWrongOrOtherPassesToken_Answers401()
    {
        var cardA = await _host.SeedCardAsync(1);
        var cardB = await _host.SeedCardAsync(2);
        var tokenA = await _host.TokenAsync(cardA);

        using var missing = await _host.RegisterAsync("device-1", cardB, null);
        using var wrong = await _host.RegisterAsync("device-1", cardB, "not-a-token-of-any-pass-0123456789");
        using var otherPass = await _host.RegisterAsync("device-1", cardB, tokenA);
        using var otherType = await _host.RegisterAsync("device-1", cardA, tokenA, passType: "pass.com.example.other");
        using var ownPass = await _host.RegisterAsync("device-1", cardA, tokenA);

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, otherPass.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, otherType.StatusCode);
        Assert.Equal(HttpStatusCode.Created, ownPass.StatusCode);
        Assert.Equal(0, await _host.WithDbAsync(db => db.Set<ApplePassRegistration>().CountAsync(r => r.SerialNumber == cardB)));
    }

    [Fact]
    public async Task Register_BadBody_Answers400WithTheFieldNamed()
    {
        var card = await _host.SeedCardAsync(1);
        var token = await _host.TokenAsync(card);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/passkit/v1/devices/device-1/registrations/{AppleTestKit.PassTypeId}/{card:N}")
        {
            Content = new StringContent("""{"push":1}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("ApplePass", token);

        using var response = await _host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("pushToken", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_Tokens_AreStoredOnlyAsTheirHash()
    {
        var card = await _host.SeedCardAsync(1);
        var first = await _host.TokenAsync(card);
        var second = await _host.TokenAsync(card);

        var hashes = await _host.WithDbAsync(db => db.Set<ApplePassToken>().Where(t => t.SerialNumber == card).Select(t => t.TokenHash).ToListAsync());

        Assert.NotEqual(first, second);
        Assert.True(first.Length >= 43, "A token carries at least 32 random bytes.");
        Assert.Equal(2, hashes.Count);
        Assert.DoesNotContain(first, hashes);
        Assert.Contains(Wallet.Apple.ApplePassTokens.Hash(first), hashes);
    }

    [Fact]
    public async Task SerialNumbers_UpdateTag_AreFollowedWith204WhenNothingChanged()
    {
        // Arrange
        var card = await _host.SeedCardAsync(3);
        var other = await _host.SeedCardAsync(1);
        var token = await _host.TokenAsync(card);
        using var unknownDevice = await _host.Client.GetAsync($"/passkit/v1/devices/nobody/registrations/{AppleTestKit.PassTypeId}");
        (await _host.RegisterAsync("device-2", card, token)).Dispose();
        await _host.UpdatePassAsync(card);

        // Act
        using var all = await _host.Client.GetAsync($"/passkit/v1/devices/device-2/registrations/{AppleTestKit.PassTypeId}");
        var body = JsonDocument.Parse(await all.Content.ReadAsStringAsync()).RootElement;
        var lastUpdated = body.GetProperty("lastUpdated").GetString();
        using var unchanged = await _host.Client.GetAsync($"/passkit/v1/devices/device-2/registrations/{AppleTestKit.PassTypeId}?passesUpdatedSince={lastUpdated}");
        await _host.UpdatePassAsync(other); // another card's change does not concern this device
        using var stillUnchanged = await _host.Client.GetAsync($"/passkit/v1/devices/device-2/registrations/{AppleTestKit.PassTypeId}?passesUpdatedSince={lastUpdated}");
        await _host.UpdatePassAsync(card);
        using var changed = await _host.Client.GetAsync($"/passkit/v1/devices/device-2/registrations/{AppleTestKit.PassTypeId}?passesUpdatedSince={lastUpdated}");
        var changedBody = JsonDocument.Parse(await changed.Content.ReadAsStringAsync()).RootElement;

        // Assert
        Assert.Equal(HttpStatusCode.NoContent, unknownDevice.StatusCode);
        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        Assert.Equal([card.ToString("N")], body.GetProperty("serialNumbers").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(HttpStatusCode.NoContent, unchanged.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, stillUnchanged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal([card.ToString("N")], changedBody.GetProperty("serialNumbers").EnumerateArray().Select(s => s.GetString()));
        Assert.True(long.Parse(changedBody.GetProperty("lastUpdated").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > long.Parse(lastUpdated!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task LatestPass_CardUnchanged_CarriesThePresentedTokenAndLastModifiedAnd304UntilTheCardChanges()
    {
        // Arrange
        var card = await _host.SeedCardAsync(3);
        var token = await _host.TokenAsync(card);
        var other = await _host.TokenAsync(await _host.SeedCardAsync(1));

        // Act
        using var first = await _host.LatestPassAsync(card, token);
        var lastModified = first.Content.Headers.LastModified;
        using var notModified = await _host.LatestPassAsync(card, token, lastModified);
        using var wrongToken = await _host.LatestPassAsync(card, other);
        await _host.StampAsync(card);
        await _host.UpdatePassAsync(card);
        using var modified = await _host.LatestPassAsync(card, token, lastModified);

        // Assert
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("application/vnd.apple.pkpass", first.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(lastModified);
        var pass = AppleTestKit.PassJson(await first.Content.ReadAsByteArrayAsync());
        Assert.Equal(token, pass.GetProperty("authenticationToken").GetString());
        Assert.Equal("3/10", pass.GetProperty("storeCard").GetProperty("primaryFields")[0].GetProperty("value").GetString());
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongToken.StatusCode);
        Assert.Equal(HttpStatusCode.OK, modified.StatusCode);
        var updated = AppleTestKit.PassJson(await modified.Content.ReadAsByteArrayAsync());
        Assert.Equal("4/10", updated.GetProperty("storeCard").GetProperty("primaryFields")[0].GetProperty("value").GetString());
        Assert.Equal(token, updated.GetProperty("authenticationToken").GetString());
    }

    [Fact]
    public async Task Unregister_WithAndWithoutToken_Answers200AndRemovesTheRegistrationOr401()
    {
        var card = await _host.SeedCardAsync(3);
        var token = await _host.TokenAsync(card);
        (await _host.RegisterAsync("device-3", card, token)).Dispose();

        using var unauthorized = await _host.UnregisterAsync("device-3", card, null);
        using var removed = await _host.UnregisterAsync("device-3", card, token);
        using var serials = await _host.Client.GetAsync($"/passkit/v1/devices/device-3/registrations/{AppleTestKit.PassTypeId}");

        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, serials.StatusCode);
        Assert.Equal(0, await _host.WithDbAsync(db => db.Set<ApplePassRegistration>().CountAsync(r => r.SerialNumber == card)));
    }

    [Fact]
    public async Task Register_TooManyFromOneDevice_Answers429()
    {
        var card = await _host.SeedCardAsync(3);
        var token = await _host.TokenAsync(card);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
        {
            using var response = await _host.RegisterAsync("device-flood", card, token);
            statuses.Add(response.StatusCode);
        }

        using var otherDevice = await _host.RegisterAsync("device-calm", card, token);

        Assert.Equal(HttpStatusCode.Created, statuses[0]);
        Assert.All(statuses.Skip(1).Take(4), s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.All(statuses.Skip(5), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
        Assert.Equal(HttpStatusCode.Created, otherDevice.StatusCode);
    }

    [Fact]
    public async Task Log_DeviceLogs_AreBoundedRateLimitedAndNeverLogTokens()
    {
        // Arrange
        var secret = "Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1Njc4OTA";
        var small = new StringContent($$"""{"logs":["Web service error for pass: token {{secret}} by anna@example.com\r\nforged line"]}""", Encoding.UTF8, "application/json");
        var large = new StringContent($$"""{"logs":["{{new string('x', 4096)}}"]}""", Encoding.UTF8, "application/json");

        // Act
        using var accepted = await _host.Client.PostAsync("/passkit/v1/log", small);
        using var tooLarge = await _host.Client.PostAsync("/passkit/v1/log", large);
        using var third = await _host.Client.PostAsync("/passkit/v1/log", new StringContent("""{"logs":[]}""", Encoding.UTF8, "application/json"));
        using var limited = await _host.Client.PostAsync("/passkit/v1/log", new StringContent("""{"logs":[]}""", Encoding.UTF8, "application/json"));

        // Assert
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        var line = Assert.Single(_host.Logs.Lines, l => l.Contains("Apple Wallet device log", StringComparison.Ordinal));
        Assert.Contains("Web service error for pass", line, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, line, StringComparison.Ordinal);
        Assert.DoesNotContain("anna@example.com", line, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", line.Split(" Message=")[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogLines_WholeExchange_NeverCarryAPassTokenOrPushToken()
    {
        var card = await _host.SeedCardAsync(3);
        var token = await _host.TokenAsync(card);
        (await _host.RegisterAsync("device-4", card, token, pushToken: "abcdef0123456789abcdef")).Dispose();
        (await _host.LatestPassAsync(card, token)).Dispose();
        (await _host.UnregisterAsync("device-4", card, token)).Dispose();

        Assert.Contains(_host.Logs.Lines, l => l.Contains("registered on a device", StringComparison.Ordinal));
        // Not at any level, not from any library: the token travels only in the Authorization header.
        Assert.DoesNotContain(_host.Logs.Lines, l => l.Contains(token, StringComparison.Ordinal) || l.Contains("abcdef0123456789abcdef", StringComparison.Ordinal));
        // The device id is part of Apple's URL (so ASP.NET Core's request tracing shows it); our own lines never carry it.
        Assert.DoesNotContain(_host.Logs.Lines, l => l.Contains(" SevenStamp.", StringComparison.Ordinal) && l.Contains("device-4", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Register_TooManyFromOneAddress_Answers429EvenForAFreshDevice()
    {
        // Arrange: 5 per device, so 50 per IP; ten devices use their whole allowance (all from 127.0.0.1).
        var card = await _host.SeedCardAsync(3);
        var token = await _host.TokenAsync(card);
        var statuses = new List<HttpStatusCode>();
        for (var device = 0; device < 10; device++)
        {
            for (var i = 0; i < 5; i++)
            {
                using var response = await _host.RegisterAsync($"device-ip-{device}", card, token);
                statuses.Add(response.StatusCode);
            }
        }

        // Act
        using var fresh = await _host.RegisterAsync("device-ip-fresh", card, token);
        using var unregister = await _host.UnregisterAsync("device-ip-fresh", card, token);

        // Assert
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Created or HttpStatusCode.OK, $"Got {s} within the allowance."));
        Assert.Equal(HttpStatusCode.TooManyRequests, fresh.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(60), fresh.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.TooManyRequests, unregister.StatusCode);
        Assert.Equal(0, await _host.WithDbAsync(db => db.Set<ApplePassRegistration>().CountAsync(r => r.DeviceLibraryId == "device-ip-fresh")));
    }

    [Fact]
    public async Task Unregister_WithAnotherPassesToken_Answers401AndKeepsTheRegistration()
    {
        var cardA = await _host.SeedCardAsync(1);
        var cardB = await _host.SeedCardAsync(2);
        var tokenA = await _host.TokenAsync(cardA);
        var tokenB = await _host.TokenAsync(cardB);
        (await _host.RegisterAsync("device-a", cardA, tokenA)).Dispose();

        using var otherPass = await _host.UnregisterAsync("device-a", cardA, tokenB);

        Assert.Equal(HttpStatusCode.Unauthorized, otherPass.StatusCode);
        Assert.Equal(1, await _host.WithDbAsync(db => db.Set<ApplePassRegistration>().CountAsync(r => r.SerialNumber == cardA && r.DeviceLibraryId == "device-a")));
    }

    [Fact]
    public async Task PassFetches_TooManyFromOneAddress_Answer429WithRetryAfter()
    {
        // Arrange: 20 fetches a minute per IP, the latest pass and the serial-number list counted together.
        var card = await _host.SeedCardAsync(3);
        var token = await _host.TokenAsync(card);
        (await _host.RegisterAsync("device-fetch", card, token)).Dispose();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            using var pass = await _host.LatestPassAsync(card, token);
            using var serials = await _host.Client.GetAsync($"/passkit/v1/devices/device-fetch/registrations/{AppleTestKit.PassTypeId}");
            statuses.Add(pass.StatusCode);
            statuses.Add(serials.StatusCode);
        }

        // Act
        using var latest = await _host.LatestPassAsync(card, token);
        using var list = await _host.Client.GetAsync($"/passkit/v1/devices/device-fetch/registrations/{AppleTestKit.PassTypeId}");

        // Assert: the allowance is served; past it both answer 429 with Retry-After and no pass.
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, latest.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(60), latest.Headers.RetryAfter?.Delta);
        Assert.NotEqual(PkpassBuilder.ContentType, latest.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.TooManyRequests, list.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(60), list.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task Download_WrongCardLink_Answers404()
    {
        var card = await _host.SeedCardAsync(3);

        using var response = await _host.Client.GetAsync($"/wallet/cards/{card:N}/{_host.Links.TokenFor(Guid.NewGuid())}/apple.pkpass");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(0, await _host.WithDbAsync(db => db.Set<ApplePassToken>().CountAsync(t => t.SerialNumber == card)));
    }
}

public sealed class PassKitWebServiceSqliteTests : PassKitWebServiceTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.Sqlite;
}

public sealed class PassKitWebServicePostgresTests : PassKitWebServiceTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.PostgreSql;
}
