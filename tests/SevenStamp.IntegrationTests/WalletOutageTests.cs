using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Testing;
using SevenStamp.Testing.Apple;
using SevenStamp.Wallet;

namespace SevenStamp.IntegrationTests;

/// <summary>
/// A wallet provider that is slow or down never blocks or loses a stamp: with the local APNs answering 503 and the
/// fake Google holding every call unanswered, sales through the webhook and RabbitMQ are still stamped; the wallet
/// updates outlast their in-process retries, wait in their queues' delay queues and come back; once the providers
/// are back the device gets its push and the Google object shows the right count, and nothing reaches an error queue.
/// </summary>
public sealed class WalletOutageTests(RabbitMqFixture rabbit) : IAsyncLifetime, IClassFixture<RabbitMqFixture>
{
    private const string Secret = "outage-secret-0123456789abcdef";
    private const string LinkSecret = "outage-link-secret-0123456789abcdefghij";
    private const string IssuerId = "3388000000077777777";
    private const string PushToken = "0badc0de0badc0de";

    private readonly AppleTestKit _kit = AppleTestKit.Create();
    private readonly CapturingLoggerProvider _logs = new();
    private FakeApns _apns = null!;
    private FakeGoogleWalletServer _google = null!;
    private TestServiceAccount _account = null!;
    private RunningHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _apns = await FakeApns.StartAsync(_kit.ApnsPublicKey, AppleTestKit.KeyId, AppleTestKit.TeamId, AppleTestKit.PassTypeId);
        _google = await FakeGoogleWalletServer.StartAsync();
        _account = TestServiceAccount.Create(_google.TokenUrl);
        _google.AccountKey = _account.Key;
        var settings = _kit.Settings(_apns.Url);
        settings["SevenStamp:Bus:Transport"] = "RabbitMq";
        settings["SevenStamp:Bus:RabbitMqUri"] = rabbit.Uri;
        settings["SevenStamp:Bus:NamePrefix"] = rabbit.NamePrefix;
        settings["SevenStamp:Vouchers:LinkSecret"] = LinkSecret;

        // Short pauses everywhere, so an outage of a few seconds outlasts every in-process retry.
        settings["SevenStamp:Bus:RedeliveryLimit"] = "50";
        settings["SevenStamp:Bus:RedeliveryDelay"] = "00:00:01";
        settings["SevenStamp:Wallet:UpdateRetries:Limit"] = "1";
        settings["SevenStamp:Wallet:UpdateRetries:FirstDelay"] = "00:00:00.100";
        settings["SevenStamp:Wallet:Apple:Apns:MaxAttempts"] = "1";
        settings["SevenStamp:Wallet:Google:IssuerId"] = IssuerId;
        settings["SevenStamp:Wallet:Google:ServiceAccountKeyFile"] = _account.KeyFile;
        settings["SevenStamp:Wallet:Google:ApiBaseUrl"] = _google.ApiBaseUrl.ToString();
        settings["SevenStamp:Wallet:Google:IssuerName"] = "Outage Café";
        settings["SevenStamp:Wallet:Google:LogoUrl"] = "https://cafe.example/logo.png";
        settings["SevenStamp:Wallet:Google:MaxRetries"] = "0";
        settings["SevenStamp:Wallet:Google:RetryDelay"] = "00:00:00.100";
        settings["SevenStamp:Wallet:Google:RequestTimeout"] = "00:00:01";
        _host = await RunningHost.StartAsync(
            $$"""{ "connectors": [ { "id": "shop", "plugin": "generic-webhook", "merchantId": "cafe-1", "settings": { "signingSecret": "{{Secret}}" } } ] }""",
            settings,
            logs: _logs);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _google.DisposeAsync();
        await _apns.DisposeAsync();
        _account.Dispose();
        _kit.Dispose();
    }

    [Fact]
    public async Task Sales_WhileApnsAndGoogleAreDown_AreStampedAndReachBothWalletsOnceTheyAreBack()
    {
        // Arrange: a first sale makes the card, shown on Google; the customer adds the Apple pass and the phone registers it.
        var run = Guid.NewGuid().ToString("N")[..8];
        var customer = $"cust-{run}";
        await SellAsync($"{run}-1", customer);
        Assert.True(await Eventually.HoldsAsync(async () => await _host.StampsOfAsync("shop", customer) == 1, TimeSpan.FromSeconds(60)), "The first sale was not stamped.");
        var cardId = await _host.QueryAsync(db => db.Cards
            .Where(c => db.CustomerLinks.Any(l => l.CustomerId == c.CustomerId && l.Value == "shop:" + customer))
            .Select(c => c.Id).SingleAsync());
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(Balance(cardId) == 1), TimeSpan.FromSeconds(60)), "The Google object never showed 1 stamp.");
        var token = await RegisterPhoneAsync(cardId, $"phone-{run}");

        // Act: both providers go down (APNs answers 503, Google never answers) and two more sales come in.
        _apns.AnswerFor(PushToken, [.. Enumerable.Repeat((503, (string?)"ServiceUnavailable"), 100_000)]);
        var deliveredBefore = _apns.DeliveredTo(PushToken);
        _google.Outage = FakeGoogleWalletServer.GoogleOutage.Hanging;
        await SellAsync($"{run}-2", customer);
        await SellAsync($"{run}-3", customer);

        // Assert: both stamps are committed while the providers are down.
        Assert.True(await Eventually.HoldsAsync(async () => await _host.StampsOfAsync("shop", customer) == 3, TimeSpan.FromSeconds(60)), "The sales were not stamped while the wallets were down.");
        Assert.Equal(1, Balance(cardId));

        // The wallet updates ran out of their in-process retries and were handed to the delay queues, not dropped.
        Assert.True(
            await Eventually.HoldsAsync(() => Task.FromResult(Redelivered("apple-pass-updates") && Redelivered("google-wallet-updates")), TimeSpan.FromSeconds(90)),
            "The wallet updates were never redelivered after their retries.");
        Assert.True(_apns.PushesTo(PushToken) >= 2, "APNs was not tried during the outage.");
        Assert.Equal(deliveredBefore, _apns.DeliveredTo(PushToken));
        Assert.Contains(_google.Calls, c => c.Status == 0 && c.Resource == "loyaltyObject");

        // Act: the providers come back.
        _apns.AnswerFor(PushToken);
        _google.Outage = FakeGoogleWalletServer.GoogleOutage.None;

        // Assert: the phone gets its push, the pass it fetches shows 3/10, Google's object shows 3, and no error queue holds anything.
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(_apns.DeliveredTo(PushToken) > deliveredBefore), TimeSpan.FromSeconds(90)), "No push was delivered after APNs came back.");
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(Balance(cardId) == 3), TimeSpan.FromSeconds(90)), $"The Google object never showed 3 stamps: {Object(cardId)?.ToJsonString()}");
        using var latest = new HttpRequestMessage(HttpMethod.Get, $"/passkit/v1/passes/{AppleTestKit.PassTypeId}/{cardId:N}");
        latest.Headers.Authorization = new AuthenticationHeaderValue("ApplePass", token);
        using var served = await _host.Client.SendAsync(latest, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        var pass = AppleTestKit.PassJson(await served.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Equal("3/10", pass.GetProperty("storeCard").GetProperty("primaryFields")[0].GetProperty("value").GetString());
        Assert.Equal(0u, await DepthAsync("apple-pass-updates_error"));
        Assert.Equal(0u, await DepthAsync("google-wallet-updates_error"));
        Assert.Equal(0u, await DepthAsync("sale-completed_error"));
    }

    private async Task SellAsync(string run, string customer)
    {
        using var response = await _host.PostWebhookAsync("shop", RunningHost.SaleJson($"evt-{run}", $"S-{run}", customer), Secret);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<string> RegisterPhoneAsync(Guid cardId, string device)
    {
        var links = new CardLinks(LinkSecret);
        using var download = await _host.Client.GetAsync(new Uri($"{links.PathFor(cardId)}/apple.pkpass", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        var token = AppleTestKit.PassJson(await download.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).GetProperty("authenticationToken").GetString()!;
        using var register = new HttpRequestMessage(HttpMethod.Post, $"/passkit/v1/devices/{device}/registrations/{AppleTestKit.PassTypeId}/{cardId:N}")
        {
            Content = new StringContent($$"""{"pushToken":"{{PushToken}}"}""", Encoding.UTF8, "application/json"),
        };
        register.Headers.Authorization = new AuthenticationHeaderValue("ApplePass", token);
        using var registered = await _host.Client.SendAsync(register, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        return token;
    }

    /// <summary>Whether the host logged a delayed redelivery of a message of the queue (event 1502).</summary>
    private bool Redelivered(string queue) =>
        _logs.Lines.Any(l => l.Contains($"on {rabbit.NamePrefix}{queue} failed after its retries", StringComparison.Ordinal));

    private async Task<uint> DepthAsync(string queue)
    {
        await using var channel = await rabbit.Connection.CreateChannelAsync(cancellationToken: TestContext.Current.CancellationToken);
        try
        {
            return (await channel.QueueDeclarePassiveAsync(rabbit.NamePrefix + queue, TestContext.Current.CancellationToken)).MessageCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            // Never declared: nothing ever failed there.
            return 0;
        }
    }

    private JsonObject? Object(Guid cardId) => _google.Find("loyaltyObject", $"{IssuerId}.{cardId:N}");

    private int? Balance(Guid cardId) => Object(cardId)?["loyaltyPoints"]?["balance"]?["int"]?.GetValue<int>();
}
