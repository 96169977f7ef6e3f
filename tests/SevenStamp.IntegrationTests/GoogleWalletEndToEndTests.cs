using System.Net;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SevenStamp.Loyalty;
using SevenStamp.Testing;
using SevenStamp.Wallet;

namespace SevenStamp.IntegrationTests;

/// <summary>
/// Google Wallet as a merchant runs it: sales over the webhook, through RabbitMQ to the loyalty engine, the
/// loyalty events through the outbox to the Google Wallet consumer, and a fake Google (token endpoint and
/// walletobjects API) holding the card's object. A goal of two stamps mints a voucher on the second sale.
/// </summary>
public abstract class GoogleWalletEndToEndTests(RabbitMqFixture rabbit) : IAsyncLifetime
{
    private const string Secret = "google-e2e-secret-0123456789";
    private const string MerchantId = "google-cafe";
    private const string IssuerId = "3388000000099999999";

    private FakeGoogleWalletServer _google = null!;
    private TestServiceAccount _account = null!;
    private RunningHost _host = null!;

    protected abstract LoyaltyStoreProvider Provider { get; }

    public async ValueTask InitializeAsync()
    {
        _google = await FakeGoogleWalletServer.StartAsync();
        _account = TestServiceAccount.Create(_google.TokenUrl);
        _google.AccountKey = _account.Key;
        _host = await RunningHost.StartAsync(
            $$"""{ "connectors": [ { "id": "shop", "plugin": "generic-webhook", "merchantId": "{{MerchantId}}", "settings": { "signingSecret": "{{Secret}}" } } ] }""",
            new Dictionary<string, string?>
            {
                ["SevenStamp:Bus:Transport"] = "RabbitMq",
                ["SevenStamp:Bus:RabbitMqUri"] = rabbit.Uri,
                ["SevenStamp:Bus:NamePrefix"] = rabbit.NamePrefix,
                ["SevenStamp:Programs:1:MerchantId"] = MerchantId,
                ["SevenStamp:Programs:1:Name"] = "Google coffee card",
                ["SevenStamp:Programs:1:Reward"] = "A free flat white",
                ["SevenStamp:Programs:1:StampGoal"] = "2",
                ["SevenStamp:Wallet:Google:IssuerId"] = IssuerId,
                ["SevenStamp:Wallet:Google:ServiceAccountKeyFile"] = _account.KeyFile,
                ["SevenStamp:Wallet:Google:ApiBaseUrl"] = _google.ApiBaseUrl.ToString(),
                ["SevenStamp:Wallet:Google:IssuerName"] = "Google Café",
                ["SevenStamp:Wallet:Google:LogoUrl"] = "https://cafe.example/logo.png",
                ["SevenStamp:Wallet:Google:RetryDelay"] = "00:00:00.100",
            },
            Provider);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _google.DisposeAsync();
        _account.Dispose();
    }

    [Fact]
    public async Task Sale_ThroughRabbitMq_StampShowsOnTheGoogleObjectAndTheGoalPutsTheVoucherCodeInTheBarcode()
    {
        // Arrange
        var run = Guid.NewGuid().ToString("N")[..8];

        // Act: the first sale stamps the card.
        var first = await _host.PostWebhookAsync("shop", RunningHost.SaleJson($"evt-{run}-1", $"S-{run}-1", $"cust-{run}"), Secret);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var cardId = await CardIdAsync($"cust-{run}");

        // Assert: Google holds the card's object with one stamp.
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(Balance(cardId) == 1), TimeSpan.FromSeconds(60)), "The Google object never showed 1 stamp.");

        // Act: the second sale reaches the goal of two and mints a voucher.
        var second = await _host.PostWebhookAsync("shop", RunningHost.SaleJson($"evt-{run}-2", $"S-{run}-2", $"cust-{run}"), Secret);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.True(await Eventually.HoldsAsync(() => _host.QueryAsync(db => db.Vouchers.AnyAsync(v => v.CardId == cardId)), TimeSpan.FromSeconds(60)), "No voucher was minted.");
        var code = await _host.QueryAsync(db => db.Vouchers.Where(v => v.CardId == cardId).Select(v => v.Code).SingleAsync());

        // Assert: the barcode carries the voucher's Redeem Code and the count starts again.
        Assert.True(
            await Eventually.HoldsAsync(() => Task.FromResult(Object(cardId)?["barcode"]?["value"]?.GetValue<string>() == code && Balance(cardId) == 0), TimeSpan.FromSeconds(60)),
            $"The Google object never showed the voucher code: {Object(cardId)?.ToJsonString()}");
        Assert.Equal("QR_CODE", Object(cardId)!["barcode"]!["type"]!.GetValue<string>());
        Assert.Single(_google.CallsTo("POST", "loyaltyClass"), c => c.Status == 200);
        Assert.DoesNotContain(_google.Calls, c => c.Method == "PUT");

        // And the customer's card link hands out the Save link for that object.
        var links = _host.Services.GetRequiredService<CardLinks>();
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _host.Client.BaseAddress };
        var save = await noRedirect.GetAsync(new Uri(links.PathFor(cardId) + "/google", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, save.StatusCode);
        var (_, claims) = _account.Verify(save.Headers.Location!.ToString()["https://pay.google.com/gp/v/save/".Length..])!.Value;
        Assert.Equal($"{IssuerId}.{cardId:N}", claims["payload"]!["loyaltyObjects"]![0]!["id"]!.GetValue<string>());
    }

    private Task<Guid> CardIdAsync(string posCustomerId) => _host.QueryAsync(async db =>
    {
        Guid? id = null;
        await Eventually.HoldsAsync(
            async () => (id = await db.Cards
                .Where(c => db.CustomerLinks.Any(l => l.CustomerId == c.CustomerId && l.Kind == "pos" && l.Value == "shop:" + posCustomerId))
                .Select(c => (Guid?)c.Id)
                .SingleOrDefaultAsync()) is not null,
            TimeSpan.FromSeconds(60));
        return id ?? throw new InvalidOperationException("The sale never made a card.");
    });

    private JsonObject? Object(Guid cardId) => _google.Find("loyaltyObject", $"{IssuerId}.{cardId:N}");

    private int? Balance(Guid cardId) => Object(cardId)?["loyaltyPoints"]?["balance"]?["int"]?.GetValue<int>();
}

public sealed class GoogleWalletEndToEndSqliteTests(RabbitMqFixture rabbit) : GoogleWalletEndToEndTests(rabbit), IClassFixture<RabbitMqFixture>
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.Sqlite;
}

public sealed class GoogleWalletEndToEndPostgresTests(RabbitMqFixture rabbit) : GoogleWalletEndToEndTests(rabbit), IClassFixture<RabbitMqFixture>
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.PostgreSql;
}
