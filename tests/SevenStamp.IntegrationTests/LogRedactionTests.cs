using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Testing;
using SevenStamp.Testing.Apple;
using SevenStamp.Wallet;

namespace SevenStamp.IntegrationTests;

/// <summary>
/// A customer's whole wallet journey with every log category at Trace, scopes included: the card page, the Apple
/// pass download, the device's registration and pass fetch (ApplePass header), an APNs push, the Google Save link,
/// the voucher link, and the management API. No log line or scope may carry a link token, the Save JWT, the
/// ApplePass token, the device id, the push token or the admin key, yet the requests are still logged.
/// </summary>
public sealed class LogRedactionTests : IAsyncLifetime
{
    private const string Secret = "log-redaction-signing-secret-0123";
    private const string LinkSecret = "log-redaction-link-secret-0123456789abcdef";
    private const string AdminKey = "log-redaction-admin-key-0123456789abcdef";
    private const string MerchantId = "cafe-1";
    private const string DeviceId = "device0library0identifier0secret";
    private const string PushToken = "0123abcd0123abcd0123abcd9876fedc";

    private readonly AppleTestKit _kit = AppleTestKit.Create();
    private readonly CapturingLoggerProvider _logs = new();
    private FakeApns _apns = null!;
    private FakeGoogleWalletServer _google = null!;
    private TestServiceAccount _account = null!;
    private RunningHost _host = null!;
    private bool _hostStopped;

    public async ValueTask InitializeAsync()
    {
        _apns = await FakeApns.StartAsync(_kit.ApnsPublicKey, AppleTestKit.KeyId, AppleTestKit.TeamId, AppleTestKit.PassTypeId);
        _google = await FakeGoogleWalletServer.StartAsync();
        _account = TestServiceAccount.Create(_google.TokenUrl);
        _google.AccountKey = _account.Key;
        var settings = _kit.Settings(_apns.Url);
        settings["SevenStamp:Bus:Transport"] = "InMemory";
        settings["SevenStamp:Vouchers:LinkSecret"] = LinkSecret;
        settings["SevenStamp:Api:AdminKey"] = AdminKey;
        settings["SevenStamp:Programs:0:StampGoal"] = "2";
        settings["SevenStamp:Programs:0:RedemptionPath"] = "SelfRedeem";
        settings["SevenStamp:Wallet:Google:IssuerId"] = "3388000000012345678";
        settings["SevenStamp:Wallet:Google:ServiceAccountKeyFile"] = _account.KeyFile;
        settings["SevenStamp:Wallet:Google:ApiBaseUrl"] = _google.ApiBaseUrl.ToString();
        settings["SevenStamp:Wallet:Google:IssuerName"] = "Log Café";
        settings["SevenStamp:Wallet:Google:LogoUrl"] = "https://cafe.example/logo.png";

        // Every category at Trace for every provider, as an operator chasing a problem might set it.
        settings["Logging:LogLevel:Default"] = "Trace";
        settings["Logging:LogLevel:Microsoft"] = "Trace";
        settings["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace";
        settings["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Trace";
        settings["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Trace";
        settings["Logging:LogLevel:System.Net.Http"] = "Trace";
        _host = await RunningHost.StartAsync(
            $$"""{ "connectors": [ { "id": "shop", "plugin": "generic-webhook", "merchantId": "{{MerchantId}}", "settings": { "signingSecret": "{{Secret}}" } } ] }""",
            settings,
            logs: _logs);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_hostStopped)
        {
            await _host.DisposeAsync();
        }

        await _apns.DisposeAsync();
        await _google.DisposeAsync();
        _account.Dispose();
        _kit.Dispose();
    }

    [Fact]
    public async Task WalletJourney_AllLogsAtTrace_CarryNoLinkTokenJwtPassTokenDeviceIdOrKey()
    {
        // Arrange: a first sale makes the card.
        Assert.Equal(HttpStatusCode.OK, (await _host.PostWebhookAsync("shop", RunningHost.SaleJson("evt-log-1", "S-LOG-1", "cust-log"), Secret)).StatusCode);
        Assert.True(await Eventually.HoldsAsync(async () => await _host.StampsOfAsync("shop", "cust-log") == 1, TimeSpan.FromSeconds(30)), "The first sale was not stamped.");
        var cardId = await _host.QueryAsync(db => db.Cards
            .Where(c => db.CustomerLinks.Any(l => l.CustomerId == c.CustomerId && l.Value == "shop:cust-log"))
            .Select(c => c.Id).SingleAsync());
        var cardLinks = new CardLinks(LinkSecret);
        var cardPath = cardLinks.PathFor(cardId);
        var cardToken = cardLinks.TokenFor(cardId);

        // Act: the customer's card page and Apple pass, the phone registering it.
        Assert.Equal(HttpStatusCode.OK, (await _host.Client.GetAsync(cardPath)).StatusCode);
        using var download = await _host.Client.GetAsync($"{cardPath}/apple.pkpass");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        var passToken = AppleTestKit.PassJson(await download.Content.ReadAsByteArrayAsync()).GetProperty("authenticationToken").GetString()!;
        using var register = new HttpRequestMessage(HttpMethod.Post, $"/passkit/v1/devices/{DeviceId}/registrations/{AppleTestKit.PassTypeId}/{cardId:N}")
        {
            Content = new StringContent($$"""{"pushToken":"{{PushToken}}"}""", Encoding.UTF8, "application/json"),
        };
        register.Headers.Authorization = new AuthenticationHeaderValue("ApplePass", passToken);
        Assert.Equal(HttpStatusCode.Created, (await _host.Client.SendAsync(register)).StatusCode);

        // The second sale reaches the goal: a voucher, and a push to the phone.
        Assert.Equal(HttpStatusCode.OK, (await _host.PostWebhookAsync("shop", RunningHost.SaleJson("evt-log-2", "S-LOG-2", "cust-log"), Secret)).StatusCode);
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(_apns.PushesTo(PushToken) >= 1), TimeSpan.FromSeconds(30)), "No push reached the fake APNs.");
        using (var serials = await _host.Client.GetAsync($"/passkit/v1/devices/{DeviceId}/registrations/{AppleTestKit.PassTypeId}?passesUpdatedSince=0"))
        {
            Assert.Equal(HttpStatusCode.OK, serials.StatusCode);
        }

        using var latest = new HttpRequestMessage(HttpMethod.Get, $"/passkit/v1/passes/{AppleTestKit.PassTypeId}/{cardId:N}");
        latest.Headers.Authorization = new AuthenticationHeaderValue("ApplePass", passToken);
        Assert.Equal(HttpStatusCode.OK, (await _host.Client.SendAsync(latest)).StatusCode);

        // The Google Save link, the voucher link (shown and self-redeemed), a wrong token and a malformed card link.
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _host.Client.BaseAddress };
        using var save = await noRedirect.GetAsync(new Uri(cardPath + "/google", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, save.StatusCode);
        var jwt = save.Headers.Location!.ToString()["https://pay.google.com/gp/v/save/".Length..];
        _host.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        using var card = JsonDocument.Parse(await _host.Client.GetStringAsync($"/api/merchants/{MerchantId}/cards/{cardId}"));
        var voucherPath = card.RootElement.GetProperty("vouchers")[0].GetProperty("link").GetString()!;
        var voucherToken = voucherPath[(voucherPath.LastIndexOf('/') + 1)..];
        _host.Client.DefaultRequestHeaders.Authorization = null;
        Assert.Equal(HttpStatusCode.OK, (await _host.Client.GetAsync(voucherPath)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _host.Client.PostAsync(voucherPath + "/redeem", JsonContent.Create(new { }))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _host.Client.GetAsync($"/wallet/cards/{cardId:N}/{cardToken}x")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _host.Client.GetAsync($"/wallet/cards/not-a-card/{cardToken}/google")).StatusCode);
        await _host.DisposeAsync();
        _hostStopped = true;

        // Assert: none of the secrets, in any line or scope; the JWT neither whole nor by its signature.
        var all = string.Join("\n", _logs.Lines);
        Assert.Contains("{token}/apple.pkpass", all, StringComparison.Ordinal);
        Assert.DoesNotContain(cardToken, all, StringComparison.Ordinal);
        Assert.DoesNotContain(voucherToken, all, StringComparison.Ordinal);
        Assert.DoesNotContain(jwt, all, StringComparison.Ordinal);
        Assert.DoesNotContain(jwt.Split('.')[2], all, StringComparison.Ordinal);
        Assert.DoesNotContain("pay.google.com/gp/v/save", all, StringComparison.Ordinal);
        Assert.DoesNotContain(passToken, all, StringComparison.Ordinal);
        Assert.DoesNotContain(DeviceId, all, StringComparison.Ordinal);
        Assert.DoesNotContain(PushToken, all, StringComparison.Ordinal);
        Assert.DoesNotContain(AdminKey, all, StringComparison.Ordinal);
        Assert.DoesNotContain("ApplePass ", all, StringComparison.Ordinal);
        Assert.DoesNotContain("Bearer ", all, StringComparison.Ordinal);
        Assert.DoesNotContain(LinkSecret, all, StringComparison.Ordinal);
    }
}
