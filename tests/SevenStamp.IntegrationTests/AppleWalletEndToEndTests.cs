using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Testing;
using SevenStamp.Testing.Apple;
using SevenStamp.Wallet;

namespace SevenStamp.IntegrationTests;

/// <summary>
/// A sale through the webhook and RabbitMQ stamps the card; the loyalty event reaches the Apple pass consumer on its
/// own queue, which pushes to the registered device (a local HTTP/2 APNs); the pass the device then fetches from the
/// PassKit web service shows the new count.
/// </summary>
public sealed class AppleWalletEndToEndTests(RabbitMqFixture rabbit) : IAsyncLifetime, IClassFixture<RabbitMqFixture>
{
    private const string Secret = "integration-secret-0123456789";
    private const string LinkSecret = "apple-e2e-link-secret-0123456789abcdefgh";

    private readonly AppleTestKit _kit = AppleTestKit.Create();
    private FakeApns _apns = null!;
    private RunningHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _apns = await FakeApns.StartAsync(_kit.ApnsPublicKey, AppleTestKit.KeyId, AppleTestKit.TeamId, AppleTestKit.PassTypeId);
        var settings = _kit.Settings(_apns.Url);
        settings["SevenStamp:Bus:Transport"] = "RabbitMq";
        settings["SevenStamp:Bus:RabbitMqUri"] = rabbit.Uri;
        settings["SevenStamp:Bus:NamePrefix"] = rabbit.NamePrefix;
        settings["SevenStamp:Vouchers:LinkSecret"] = LinkSecret;
        _host = await RunningHost.StartAsync(
            """{ "connectors": [ { "id": "shop", "plugin": "generic-webhook", "merchantId": "cafe-1", "settings": { "signingSecret": "integration-secret-0123456789" } } ] }""",
            settings);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _apns.DisposeAsync();
        _kit.Dispose();
    }

    [Fact]
    public async Task AppleWallet_SaleThroughRabbitMq_PushesToTheRegisteredDeviceAndTheServedPassShowsTheNewCount()
    {
        // Arrange: a first sale makes the card; the customer adds the pass and the phone registers it.
        var run = Guid.NewGuid().ToString("N")[..8];
        var customer = $"cust-{run}";
        Assert.Equal(HttpStatusCode.OK, (await _host.PostWebhookAsync("shop", RunningHost.SaleJson($"evt-{run}-1", $"S-{run}-1", customer), Secret)).StatusCode);
        Assert.True(await Eventually.HoldsAsync(async () => await _host.StampsOfAsync("shop", customer) == 1, TimeSpan.FromSeconds(60)), "The first sale was not stamped.");
        var cardId = await _host.QueryAsync(db => db.Cards
            .Where(c => db.CustomerLinks.Any(l => l.CustomerId == c.CustomerId && l.Value == "shop:" + customer))
            .Select(c => c.Id).SingleAsync());
        var links = new CardLinks(LinkSecret);
        using var download = await _host.Client.GetAsync($"{links.PathFor(cardId)}/apple.pkpass");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        var downloaded = AppleTestKit.PassJson(await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("1/10", downloaded.GetProperty("storeCard").GetProperty("primaryFields")[0].GetProperty("value").GetString());
        var token = downloaded.GetProperty("authenticationToken").GetString()!;
        using var register = new HttpRequestMessage(HttpMethod.Post, $"/passkit/v1/devices/phone-{run}/registrations/{AppleTestKit.PassTypeId}/{cardId:N}")
        {
            Content = new StringContent("""{"pushToken":"0123abcd0123abcd"}""", Encoding.UTF8, "application/json"),
        };
        register.Headers.Authorization = new AuthenticationHeaderValue("ApplePass", token);
        Assert.Equal(HttpStatusCode.Created, (await _host.Client.SendAsync(register)).StatusCode);

        // Act: a second sale.
        Assert.Equal(HttpStatusCode.OK, (await _host.PostWebhookAsync("shop", RunningHost.SaleJson($"evt-{run}-2", $"S-{run}-2", customer), Secret)).StatusCode);
        Assert.True(await Eventually.HoldsAsync(async () => await _host.StampsOfAsync("shop", customer) == 2, TimeSpan.FromSeconds(60)), "The second sale was not stamped.");
        var pushed = await Eventually.HoldsAsync(() => Task.FromResult(_apns.PushesTo("0123abcd0123abcd") >= 1), TimeSpan.FromSeconds(60));

        // Assert: the push went out (valid JWT, the pass type as topic), the device sees the pass as updated, and the pass shows 2/10.
        Assert.True(pushed, "No push reached the fake APNs within 60 s.");
        Assert.All(_apns.Pushes, p => Assert.Null(p.JwtProblem));
        Assert.All(_apns.Pushes, p => Assert.Equal(AppleTestKit.PassTypeId, p.Topic));
        using var serials = await _host.Client.GetAsync($"/passkit/v1/devices/phone-{run}/registrations/{AppleTestKit.PassTypeId}?passesUpdatedSince=0");
        Assert.Equal(HttpStatusCode.OK, serials.StatusCode);
        Assert.Contains(cardId.ToString("N"), await serials.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var latest = new HttpRequestMessage(HttpMethod.Get, $"/passkit/v1/passes/{AppleTestKit.PassTypeId}/{cardId:N}");
        latest.Headers.Authorization = new AuthenticationHeaderValue("ApplePass", token);
        using var served = await _host.Client.SendAsync(latest);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        var pass = AppleTestKit.PassJson(await served.Content.ReadAsByteArrayAsync());
        Assert.Equal("2/10", pass.GetProperty("storeCard").GetProperty("primaryFields")[0].GetProperty("value").GetString());
        Assert.Equal(token, pass.GetProperty("authenticationToken").GetString());
    }
}
