using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty;
using SevenStamp.Testing;
using SevenStamp.Testing.Fakes.Webhooks;
using SevenStamp.Webhooks;
using Knobs = SevenStamp.Testing.GoogleCallbackSigner.CallbackKnobs;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>
/// A customer saves their card to Google Wallet: the host (Google Wallet on, against a fake Google) put its callback
/// URL on the card's class; the fake Google posts the signed save callback to the host, twice as Google may; the
/// merchant's outbound webhook receiver gets exactly one <c>card_saved</c> with <c>details.wallet</c> "google", valid
/// against its schema and signed. SQLite and PostgreSQL.
/// </summary>
public abstract class GoogleWalletCallbackTests : IAsyncLifetime
{
    private const string AdminKey = "google-callback-admin-key-0123456789abcdef";
    private const string PosSecret = "google-callback-pos-secret-0123456789";
    private const string IssuerId = "3388000000077777777";
    private const string CallbackUrl = "https://cards.example.com/wallet/google/callbacks";

    private FakeGoogleWalletServer _google = null!;
    private TestServiceAccount _account = null!;
    private WebhookReceiver _receiver = null!;
    private RunningHost _host = null!;

    protected abstract LoyaltyStoreProvider Provider { get; }

    public async ValueTask InitializeAsync()
    {
        _google = await FakeGoogleWalletServer.StartAsync();
        _account = TestServiceAccount.Create(_google.TokenUrl);
        _google.AccountKey = _account.Key;
        _receiver = await WebhookReceiver.StartAsync();
        _host = await RunningHost.StartAsync(
            $$"""{ "connectors": [ { "id": "shop", "plugin": "generic-webhook", "merchantId": "cafe-1", "settings": { "signingSecret": "{{PosSecret}}" } } ] }""",
            new Dictionary<string, string?>
            {
                ["SevenStamp:Bus:Transport"] = "InMemory",
                ["SevenStamp:Api:AdminKey"] = AdminKey,
                ["SevenStamp:OutboundWebhooks:AllowPrivateAddresses"] = "true",
                ["SevenStamp:OutboundWebhooks:AllowHttp"] = "true",
                ["SevenStamp:OutboundWebhooks:SettleTime"] = "00:00:00",
                ["SevenStamp:Wallet:Google:IssuerId"] = IssuerId,
                ["SevenStamp:Wallet:Google:ServiceAccountKeyFile"] = _account.KeyFile,
                ["SevenStamp:Wallet:Google:ApiBaseUrl"] = _google.ApiBaseUrl.ToString(),
                ["SevenStamp:Wallet:Google:IssuerName"] = "Google Café",
                ["SevenStamp:Wallet:Google:LogoUrl"] = "https://cafe.example/logo.png",
                ["SevenStamp:Wallet:Google:RetryDelay"] = "00:00:00.100",
                ["SevenStamp:Wallet:Google:CallbackUrl"] = CallbackUrl,
                ["SevenStamp:Wallet:Google:CallbackKeysUrl"] = _google.CallbackKeysUrl.ToString(),
            },
            Provider);
        _host.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _receiver.DisposeAsync();
        await _google.DisposeAsync();
        _account.Dispose();
    }

    [Fact]
    public async Task SaveCallback_PostedTwiceByGoogle_MerchantReceivesOneCardSavedFromGoogle()
    {
        // Arrange: the merchant's subscription, then a sale that gives the customer a card whose object Google holds.
        var path = "google-" + Guid.NewGuid().ToString("N")[..8];
        using var subscribed = await _host.Client.PostAsJsonAsync("/api/merchants/cafe-1/webhooks", new { url = _receiver.UrlOf(path), events = new[] { WebhookEvents.CardSaved, WebhookEvents.StampAdded } });
        Assert.Equal(HttpStatusCode.Created, subscribed.StatusCode);
        var secret = JsonDocument.Parse(await subscribed.Content.ReadAsStringAsync()).RootElement.GetProperty("secret").GetString()!;
        await SaleAsync("cust-g");
        await Eventually.AssertAsync(() => _host.QueryAsync(db => db.Cards.AnyAsync(c => c.MerchantId == "cafe-1")), TimeSpan.FromSeconds(60), "the sale gave no card");
        var cardId = await _host.QueryAsync(db => db.Cards.Where(c => c.MerchantId == "cafe-1").Select(c => c.Id).SingleAsync());
        var objectId = $"{IssuerId}.{cardId:N}";
        await Eventually.AssertAsync(() => Task.FromResult(_google.Find("loyaltyObject", objectId) is not null), TimeSpan.FromSeconds(60), "Google never got the card's object");
        var knobs = new Knobs { Nonce = "nonce-" + Guid.NewGuid().ToString("N") };

        // Act: Google delivers the save twice (the class's callback URL, reached on the test host's port).
        using var first = await _google.SendCallbackAsync(objectId, _host.Client.BaseAddress!, knobs);
        using var again = await _google.SendCallbackAsync(objectId, _host.Client.BaseAddress!, knobs);

        // A later sale of the same card: its stamp_added comes after anything the saves queued (one card's events in order).
        await SaleAsync("cust-g");
        await Eventually.AssertAsync(() => Task.FromResult(Events(path, WebhookEvents.StampAdded).Count >= 2), TimeSpan.FromSeconds(60), "the second stamp_added never arrived");

        // Assert
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, again.StatusCode));
        Assert.Equal(CallbackUrl, _google.Find("loyaltyClass", _google.Find("loyaltyObject", objectId)!["classId"]!.GetValue<string>())!["callbackOptions"]!["url"]!.GetValue<string>());
        var saved = Assert.Single(Events(path, WebhookEvents.CardSaved));
        var payload = JsonDocument.Parse(saved.Body).RootElement;
        Assert.Equal("google", payload.GetProperty("details").GetProperty("wallet").GetString());
        Assert.Equal(cardId.ToString(), payload.GetProperty("card").GetProperty("id").GetString());
        Assert.Null(WebhookChecks.SchemaProblem(saved.Body));
        Assert.Null(WebhookChecks.SignatureProblem(saved, secret));
    }

    private List<WebhookReceiver.Received> Events(string path, string name) =>
        [.. _receiver.To(path).Where(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("event").GetString() == name)];

    private async Task SaleAsync(string customer)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        using var response = await _host.PostWebhookAsync("shop", RunningHost.SaleJson($"evt-{id}", $"S-{id}", customer), PosSecret);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

public sealed class GoogleWalletCallbackSqliteTests : GoogleWalletCallbackTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.Sqlite;
}

public sealed class GoogleWalletCallbackPostgresTests : GoogleWalletCallbackTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.PostgreSql;
}
