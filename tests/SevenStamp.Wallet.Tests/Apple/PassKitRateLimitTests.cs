using System.Net;
using System.Text;
using SevenStamp.Loyalty;
using SevenStamp.Testing;
using SevenStamp.Testing.Apple;

namespace SevenStamp.Wallet.Tests.Apple;

/// <summary>
/// The PassKit web service's abuse limits (<c>SevenStamp:RateLimits:PassKit…</c>): past a limit 429 with
/// <c>Retry-After</c>, per device or pass and per client address; another device, pass or client is still served.
/// Each test starts its host with its own limits; other clients connect from loopback addresses of their own.
/// </summary>
public sealed class PassKitRateLimitTests : IAsyncLifetime
{
    private readonly AppleTestKit _kit = AppleTestKit.Create();
    private FakeApns _apns = null!;
    private AppleHost? _host;

    public async ValueTask InitializeAsync() =>
        _apns = await FakeApns.StartAsync(_kit.ApnsPublicKey, AppleTestKit.KeyId, AppleTestKit.TeamId, AppleTestKit.PassTypeId);

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await _apns.DisposeAsync();
        _kit.Dispose();
    }

    [Fact]
    public async Task Register_FiveHundredFromOneDeviceWithTheDefaults_AnswersAllPastTheThirtiethWith429()
    {
        // Arrange: reliability catalogue item 25, no limit configured.
        var host = await StartAsync([]);
        var card = await host.SeedCardAsync(3);
        var token = await host.TokenAsync(card);

        // Act
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 500; i++)
        {
            using var response = await host.RegisterAsync("device-500", card, token);
            statuses.Add(response.StatusCode);
        }

        // Assert
        Assert.All(statuses.Take(30), s => Assert.True(s is HttpStatusCode.Created or HttpStatusCode.OK, $"Got {s} within the allowance."));
        Assert.All(statuses.Skip(30), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
    }

    [Fact]
    public async Task Register_PastOneDevicesLimit_Answers429WithRetryAfterAndAnotherDeviceIsServed()
    {
        // Arrange
        var host = await StartAsync(new()
        {
            ["SevenStamp:RateLimits:PassKitRegistrations:PermitLimit"] = "3",
            ["SevenStamp:RateLimits:PassKitRegistrations:Window"] = "00:02:00",
        });
        var card = await host.SeedCardAsync(3);
        var token = await host.TokenAsync(card);
        for (var i = 0; i < 3; i++)
        {
            (await host.RegisterAsync("device-flood", card, token)).Dispose();
        }

        // Act
        using var limited = await host.RegisterAsync("device-flood", card, token);
        using var otherDevice = await host.RegisterAsync("device-calm", card, token);

        // Assert
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(TimeSpan.FromMinutes(2), limited.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.Created, otherDevice.StatusCode);
    }

    [Fact]
    public async Task Register_PastOneClientsLimit_Answers429ForAFreshDeviceAndAnotherClientIsServed()
    {
        // Arrange: four devices register once each from one address (its limit is 4).
        var host = await StartAsync(new() { ["SevenStamp:RateLimits:PassKitRegistrationsPerClient:PermitLimit"] = "4" });
        var card = await host.SeedCardAsync(3);
        var token = await host.TokenAsync(card);
        using var client = LoopbackClients.From(61, host.Client.BaseAddress!);
        using var otherClient = LoopbackClients.From(62, host.Client.BaseAddress!);
        for (var i = 0; i < 4; i++)
        {
            using var allowed = await client.SendAsync(AppleHost.Registration($"device-{i}", card, token));
            Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
        }

        // Act
        using var limited = await client.SendAsync(AppleHost.Registration("device-fresh", card, token));
        using var otherClientsAnswer = await otherClient.SendAsync(AppleHost.Registration("device-elsewhere", card, token));

        // Assert
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.Created, otherClientsAnswer.StatusCode);
    }

    [Fact]
    public async Task LatestPass_PastOnePassesLimit_Answers429WithRetryAfterAndAnotherPassIsServed()
    {
        // Arrange
        var host = await StartAsync(new() { ["SevenStamp:RateLimits:PassKitPasses:PermitLimit"] = "3" });
        var card = await host.SeedCardAsync(3);
        var otherCard = await host.SeedCardAsync(4);
        var token = await host.TokenAsync(card);
        var otherToken = await host.TokenAsync(otherCard);
        for (var i = 0; i < 3; i++)
        {
            using var allowed = await host.LatestPassAsync(card, token);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        // Act
        using var limited = await host.LatestPassAsync(card, token);
        using var otherPass = await host.LatestPassAsync(otherCard, otherToken);

        // Assert
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(TimeSpan.FromMinutes(1), limited.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, otherPass.StatusCode);
    }

    [Fact]
    public async Task SerialNumbers_PastOneDevicesLimit_Answers429AndAnotherDeviceIsServed()
    {
        // Arrange
        var host = await StartAsync(new() { ["SevenStamp:RateLimits:PassKitPasses:PermitLimit"] = "2" });
        for (var i = 0; i < 2; i++)
        {
            (await host.Client.GetAsync($"/passkit/v1/devices/device-poll/registrations/{AppleTestKit.PassTypeId}")).Dispose();
        }

        // Act
        using var limited = await host.Client.GetAsync($"/passkit/v1/devices/device-poll/registrations/{AppleTestKit.PassTypeId}");
        using var otherDevice = await host.Client.GetAsync($"/passkit/v1/devices/device-quiet/registrations/{AppleTestKit.PassTypeId}");

        // Assert
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.NoContent, otherDevice.StatusCode);
    }

    [Fact]
    public async Task Log_PastOneClientsLimit_Answers429WithRetryAfterAndAnotherClientIsServed()
    {
        // Arrange
        var host = await StartAsync(new() { ["SevenStamp:RateLimits:PassKitLog:PermitLimit"] = "2" });
        using var client = LoopbackClients.From(63, host.Client.BaseAddress!);
        using var otherClient = LoopbackClients.From(64, host.Client.BaseAddress!);
        for (var i = 0; i < 2; i++)
        {
            using var allowed = await client.PostAsync("/passkit/v1/log", Logs());
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        // Act
        using var limited = await client.PostAsync("/passkit/v1/log", Logs());
        using var otherClientsAnswer = await otherClient.PostAsync("/passkit/v1/log", Logs());

        // Assert
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(TimeSpan.FromMinutes(1), limited.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, otherClientsAnswer.StatusCode);
    }

    [Fact]
    public async Task Register_BothTheAppleSettingAndTheRateLimitSetting_TheRateLimitSettingWins()
    {
        // Arrange: the older SevenStamp:Wallet:Apple:RegistrationsPerMinute says 5, the newer setting 2.
        var host = await StartAsync(new()
        {
            ["SevenStamp:Wallet:Apple:RegistrationsPerMinute"] = "5",
            ["SevenStamp:RateLimits:PassKitRegistrations:PermitLimit"] = "2",
        });
        var card = await host.SeedCardAsync(3);
        var token = await host.TokenAsync(card);
        (await host.RegisterAsync("device-both", card, token)).Dispose();
        (await host.RegisterAsync("device-both", card, token)).Dispose();

        // Act
        using var third = await host.RegisterAsync("device-both", card, token);

        // Assert
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
    }

    private static StringContent Logs() => new("""{"logs":["a device line"]}""", Encoding.UTF8, "application/json");

    private async Task<AppleHost> StartAsync(Dictionary<string, string?> limits)
    {
        var settings = _kit.Settings(_apns.Url);
        foreach (var (key, value) in limits)
        {
            settings[key] = value;
        }

        return _host = await AppleHost.StartAsync(LoyaltyStoreProvider.Sqlite, settings);
    }
}
