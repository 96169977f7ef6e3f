using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SevenStamp.Contracts;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Messaging;
using SevenStamp.Testing;
using SevenStamp.Testing.Fakes.Webhooks;
using SevenStamp.Webhooks;
using SevenStamp.Webhooks.Data;

namespace SevenStamp.IntegrationTests;

/// <summary>
/// Outbound webhooks end to end through RabbitMQ, on SQLite and on PostgreSQL: sales through a signed POS webhook
/// become loyalty events, which reach a merchant's receiver on loopback signed per Standard Webhooks (checked with the
/// package's own verifier) and valid against each event's published JSON Schema; a receiver down for two minutes, with
/// a host restart in between, gets everything afterwards, each card's events in order and each with its first id.
/// </summary>
public abstract class OutboundWebhooksTests(RabbitMqFixture rabbit, LoyaltyStoreProvider provider) : IAsyncLifetime
{
    private const string PosSecret = "outbound-webhooks-pos-secret-0123456789";
    private const string AdminKey = "outbound-webhooks-admin-key-0123456789abcdef";
    private const string Connectors = """
        { "connectors": [
            { "id": "shop", "plugin": "generic-webhook", "merchantId": "cafe-1", "settings": { "signingSecret": "outbound-webhooks-pos-secret-0123456789" } },
            { "id": "other-shop", "plugin": "generic-webhook", "merchantId": "cafe-2", "settings": { "signingSecret": "outbound-webhooks-pos-secret-0123456789" } }
        ] }
        """;

    private WebhookReceiver _receiver = null!;
    private TestDatabase _database = null!;
    private RunningHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _database = await TestDatabase.CreateAsync(provider);
        _host = await StartHostAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _receiver.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Webhooks_EveryEventKind_ArrivesOnceSignedAndValidAgainstItsSchema()
    {
        // Arrange: an endpoint that hears everything of cafe-1.
        var secret = await SubscribeAsync("cafe-1", _receiver.UrlOf("all"));
        var run = Guid.NewGuid().ToString("N")[..8];

        // Act: sales make the card, stamp it to its goal (2) and mint a voucher; a third sale redeems the code, a fourth
        // brings it again; the redeeming sale is refunded (the voucher comes back, the stamps go); the merchant voids it.
        await SaleAsync("shop", $"{run}-1", $"c-{run}");
        await SaleAsync("shop", $"{run}-2", $"c-{run}");
        var voucher = await EventuallyAsync(() => _host.QueryAsync(db => db.Vouchers.Where(v => v.MerchantId == "cafe-1").Select(v => new { v.Id, v.Code, v.CardId }).FirstOrDefaultAsync()), "the voucher was not minted");
        await SaleAsync("shop", $"{run}-3", $"c-{run}", voucher.Code);
        await Eventually.AssertAsync(async () => await _host.QueryAsync(db => db.Vouchers.AnyAsync(v => v.Id == voucher.Id && v.ClosedAt != null)), TimeSpan.FromSeconds(60), "the voucher was not redeemed");
        await SaleAsync("shop", $"{run}-4", $"c-{run}", voucher.Code);
        await RefundAsync("shop", $"{run}-3");
        await Eventually.AssertAsync(async () => await _host.QueryAsync(db => db.Vouchers.AnyAsync(v => v.Id == voucher.Id && v.ClosedAt == null)), TimeSpan.FromSeconds(60), "the voucher was not reinstated");
        using (var voided = await _host.Client.PostAsJsonAsync($"/api/merchants/cafe-1/vouchers/{voucher.Id}/void", new { reason = "Test of the void event" }))
        {
            Assert.Equal(HttpStatusCode.OK, voided.StatusCode);
        }

        // A campaign to every card, now: its voucher's voucher_issued says "campaign", then campaign_sent.
        using (var campaign = await _host.Client.PostAsJsonAsync("/api/merchants/cafe-1/campaigns", new { name = "Thank-you", reward = "A free cookie", segment = "AllCards" }))
        {
            Assert.Equal(HttpStatusCode.Created, campaign.StatusCode);
        }

        // The expiry sweep's and the Apple registration's events, written to loyalty's outbox as those write them (their
        // own tests cover when they are written; here, that the webhooks carry them).
        await _host.QueryAsync(async db =>
        {
            var now = DateTimeOffset.UtcNow;
            Outbox.Enqueue(db, new CardSaved { MerchantId = "cafe-1", CardId = voucher.CardId, Wallet = "apple", SavedAt = now }, now);
            Outbox.Enqueue(db, new VoucherExpired { MerchantId = "cafe-1", CardId = voucher.CardId, VoucherId = voucher.Id, ExpiredAt = now }, now);
            return await db.SaveChangesAsync();
        });

        // Assert: one of each kind at least, every one signed and valid, each webhook-id once.
        await Eventually.AssertAsync(
            () => Task.FromResult(WebhookEvents.Names.All(name => _receiver.To("all").Any(r => EventOf(r) == name))
                // campaign_sent names no card, so it may overtake the campaign voucher's voucher_issued.
                && _receiver.To("all").Any(r => EventOf(r) == WebhookEvents.VoucherIssued && Json(r).GetProperty("voucher").GetProperty("type").GetString() == "campaign")),
            TimeSpan.FromSeconds(90),
            "not every event kind arrived; got: " + string.Join(", ", _receiver.To("all").Select(EventOf).Distinct()));
        var received = _receiver.To("all");
        Assert.All(received, r => Assert.Null(WebhookChecks.SignatureProblem(r, secret)));
        Assert.All(received, r => Assert.Null(WebhookChecks.SchemaProblem(r.Body)));
        Assert.Equal(received.Count, received.Select(r => r.MessageId).Distinct().Count());
        Assert.All(received, r => Assert.Equal("cafe-1", Json(r).GetProperty("business_id").GetString()));
        var redeemed = Json(received.First(r => EventOf(r) == WebhookEvents.VoucherRedeemed)).GetProperty("voucher");
        Assert.Equal(voucher.Code, redeemed.GetProperty("redeem_code").GetString());
        Assert.Equal("pos_sale", redeemed.GetProperty("redeemed_via").GetString());
        var rejected = Json(received.First(r => EventOf(r) == WebhookEvents.RedeemCodeRejected)).GetProperty("details");
        Assert.Equal("already_redeemed", rejected.GetProperty("reason").GetString());
        var sent = Json(received.First(r => EventOf(r) == WebhookEvents.CampaignSent)).GetProperty("details");
        Assert.Equal(1, sent.GetProperty("vouchers_issued").GetInt32());
        Assert.Contains(received, r => EventOf(r) == WebhookEvents.VoucherIssued && Json(r).GetProperty("voucher").GetProperty("type").GetString() == "campaign");
    }

    [Fact]
    public async Task Webhooks_ReceiverDownTwoMinutesWithAHostRestart_GetsEverythingPerCardInOrderWithTheFirstIds()
    {
        // Arrange: the endpoint is down before the first event.
        var secret = await SubscribeAsync("cafe-1", _receiver.UrlOf("down"));
        await _receiver.DownAsync();
        var downAt = DateTimeOffset.UtcNow;
        var run = Guid.NewGuid().ToString("N")[..8];

        // Act: three customers' sales interleaved (each card reaches its goal and gets a voucher on the way)...
        for (var i = 1; i <= 4; i++)
        {
            foreach (var customer in new[] { "a", "b", "c" })
            {
                await SaleAsync("shop", $"{run}-{customer}-{i}", $"{run}-{customer}");
            }
        }

        await Eventually.AssertAsync(async () => await WebhooksAsync(db => db.Deliveries.CountAsync(d => d.Attempts > 0)) >= 3, TimeSpan.FromSeconds(60), "no delivery was attempted while the receiver was down");
        var stored = await WebhooksAsync(db => db.Deliveries.CountAsync());

        // ...the host restarts with deliveries pending, and the receiver comes back two minutes after it went down.
        await _host.DisposeAsync();
        _host = await StartHostAsync();
        var back = downAt + TimeSpan.FromMinutes(2) - DateTimeOffset.UtcNow;
        if (back > TimeSpan.Zero)
        {
            await Task.Delay(back);
        }

        await _receiver.UpAsync();

        // Assert: every stored delivery arrives, with the id it was stored with, none twice, each card's in sequence.
        await Eventually.AssertAsync(async () => await WebhooksAsync(db => db.Deliveries.CountAsync(d => d.Status != DeliveryStatus.Delivered)) == 0, TimeSpan.FromSeconds(120), "not every delivery was delivered after the receiver came back");
        var deliveries = await WebhooksAsync(db => db.Deliveries.AsNoTracking().ToListAsync());
        Assert.True(deliveries.Count >= stored, "deliveries were lost across the restart");
        var received = _receiver.To("down");
        Assert.Equal(deliveries.Select(d => d.MessageId).Order(), received.Select(r => r.MessageId).Order());
        Assert.All(received, r => Assert.Null(WebhookChecks.SignatureProblem(r, secret)));
        foreach (var card in deliveries.Where(d => d.CardId != null).GroupBy(d => d.CardId))
        {
            var sequenceOf = card.ToDictionary(d => d.MessageId, d => d.Sequence);
            var arrived = received.Where(r => sequenceOf.ContainsKey(r.MessageId)).Select(r => sequenceOf[r.MessageId]).ToList();
            Assert.Equal(arrived.Order(), arrived);
        }
    }

    [Fact]
    public async Task Webhooks_TwoMerchants_EachEndpointHearsOnlyItsOwnMerchant()
    {
        // Arrange
        await SubscribeAsync("cafe-1", _receiver.UrlOf("first"));
        await SubscribeAsync("cafe-2", _receiver.UrlOf("second"));
        var run = Guid.NewGuid().ToString("N")[..8];

        // Act
        await SaleAsync("shop", $"{run}-1", $"one-{run}");
        await SaleAsync("other-shop", $"{run}-2", $"two-{run}");

        // Assert
        await Eventually.AssertAsync(() => Task.FromResult(_receiver.To("first").Count > 0 && _receiver.To("second").Count > 0), TimeSpan.FromSeconds(60), "each endpoint hears its merchant's events");
        Assert.All(_receiver.To("first"), r => Assert.Equal("cafe-1", Json(r).GetProperty("business_id").GetString()));
        Assert.All(_receiver.To("second"), r => Assert.Equal("cafe-2", Json(r).GetProperty("business_id").GetString()));
    }

    private async Task<RunningHost> StartHostAsync()
    {
        var host = await RunningHost.StartAsync(
            Connectors,
            new Dictionary<string, string?>
            {
                ["SevenStamp:Bus:Transport"] = "RabbitMq",
                ["SevenStamp:Bus:RabbitMqUri"] = rabbit.Uri,
                ["SevenStamp:Bus:NamePrefix"] = rabbit.NamePrefix,
                ["SevenStamp:Api:AdminKey"] = AdminKey,
                ["SevenStamp:Programs:0:StampGoal"] = "2",
                ["SevenStamp:Programs:1:MerchantId"] = "cafe-2",
                ["SevenStamp:Programs:1:Name"] = "Tea card",
                ["SevenStamp:Programs:1:Reward"] = "A free tea",
                ["SevenStamp:Programs:1:StampGoal"] = "3",
                ["SevenStamp:OutboundWebhooks:AllowPrivateAddresses"] = "true",
                ["SevenStamp:OutboundWebhooks:AllowHttp"] = "true",
                ["SevenStamp:OutboundWebhooks:SettleTime"] = "00:00:00.200",
                // Retries over about three minutes instead of three days.
                ["SevenStamp:OutboundWebhooks:RetrySchedule:0"] = "00:00:01",
                ["SevenStamp:OutboundWebhooks:RetrySchedule:1"] = "00:00:02",
                ["SevenStamp:OutboundWebhooks:RetrySchedule:2"] = "00:00:05",
                ["SevenStamp:OutboundWebhooks:RetrySchedule:3"] = "00:00:10",
                ["SevenStamp:OutboundWebhooks:RetrySchedule:4"] = "00:00:20",
                ["SevenStamp:OutboundWebhooks:RetrySchedule:5"] = "00:00:20",
                ["SevenStamp:OutboundWebhooks:RetrySchedule:6"] = "00:00:20",
                ["SevenStamp:OutboundWebhooks:RetrySchedule:7"] = "00:00:20",
                ["SevenStamp:OutboundWebhooks:RetrySchedule:8"] = "00:00:20",
                ["SevenStamp:OutboundWebhooks:RetrySchedule:9"] = "00:00:20",
                ["SevenStamp:OutboundWebhooks:RetrySchedule:10"] = "00:00:20",
            },
            sharedDatabase: _database);
        host.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return host;
    }

    private async Task<string> SubscribeAsync(string merchantId, string url)
    {
        using var response = await _host.Client.PostAsJsonAsync($"/api/merchants/{merchantId}/webhooks", new { url, events = new[] { "*" }, description = "Test receiver" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("secret").GetString()!;
    }

    private async Task SaleAsync(string connectorId, string saleId, string customerId, string? code = null)
    {
        var body = $$"""
            { "eventId": "evt-{{saleId}}", "type": "sale.completed",
              "sale": { "id": "S-{{saleId}}", "occurredAt": "2026-12-06T09:30:00Z", "locationId": "till-1", "customer": { "id": "{{customerId}}" },
                        "currency": "EUR", "total": 4.20,
                        "lineItems": [ { "sku": "ESP-01", "name": "Espresso", "quantity": 1, "unitPrice": 4.20 } ]{{(code is null ? "" : $$""", "discounts": [ { "code": "{{code}}", "name": "Reward", "amount": 4.20 } ]""")}} } }
            """;
        using var response = await _host.PostWebhookAsync(connectorId, body, PosSecret);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task RefundAsync(string connectorId, string saleId)
    {
        var body = $$"""
            { "eventId": "evt-refund-{{saleId}}", "type": "sale.refunded",
              "refund": { "id": "R-{{saleId}}", "saleId": "S-{{saleId}}", "occurredAt": "2026-12-06T10:00:00Z", "currency": "EUR", "amount": 4.20, "full": true } }
            """;
        using var response = await _host.PostWebhookAsync(connectorId, body, PosSecret);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<T> WebhooksAsync<T>(Func<WebhooksDbContext, Task<T>> query)
    {
        await using var scope = _host.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<WebhooksDbContext>());
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> read, string what)
        where T : class
    {
        T? value = default;
        await Eventually.AssertAsync(async () => (value = await read()) is not null, TimeSpan.FromSeconds(60), what);
        return value!;
    }

    private static JsonElement Json(WebhookReceiver.Received request) => JsonDocument.Parse(request.Body).RootElement;

    private static string? EventOf(WebhookReceiver.Received request) => Json(request).GetProperty("event").GetString();
}

public sealed class OutboundWebhooksSqliteTests(RabbitMqFixture rabbit) : OutboundWebhooksTests(rabbit, LoyaltyStoreProvider.Sqlite), IClassFixture<RabbitMqFixture>;

public sealed class OutboundWebhooksPostgresTests(RabbitMqFixture rabbit) : OutboundWebhooksTests(rabbit, LoyaltyStoreProvider.PostgreSql), IClassFixture<RabbitMqFixture>;
