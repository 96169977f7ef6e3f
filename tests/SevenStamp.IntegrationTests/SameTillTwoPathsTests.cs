using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty;
using SevenStamp.Testing;

namespace SevenStamp.IntegrationTests;

/// <summary>
/// A merchant who takes Square's webhooks and also drops Square's transactions export into a folder: both connectors
/// name the source system <c>square</c>, and every sale is stamped once, whichever path brings it first, or both at
/// the same moment. Both plugins are loaded from disk by the real host; sales go through RabbitMQ.
/// </summary>
public abstract class SameTillTwoPathsTests(RabbitMqFixture rabbit) : IAsyncLifetime
{
    private const string MerchantId = "two-path-cafe";
    private const string SignatureKey = "sqwh-two-paths-signature-key-9Qx";
    private const string NotificationUrl = "https://loyalty.example.com/webhooks/square-main";
    private const string Customer = "CUST-TWO-PATHS";
    private const string Header = "Date,Time,Time Zone,Gross Sales,Net Sales,Transaction ID,Payment ID,Customer ID,Location\n";

    private readonly DirectoryInfo _inbox = Directory.CreateTempSubdirectory("sevenstamp-two-paths-");
    private FakeSquareServer _square = null!;
    private RunningHost _host = null!;
    private int _files;

    protected abstract LoyaltyStoreProvider Provider { get; }

    public async ValueTask InitializeAsync()
    {
        _square = await FakeSquareServer.StartAsync();
        var connectors = JsonSerializer.Serialize(new
        {
            connectors = new object[]
            {
                new
                {
                    id = "square-main",
                    plugin = "square",
                    merchantId = MerchantId,
                    sourceSystem = "square",
                    settings = new Dictionary<string, object>
                    {
                        ["accessToken"] = FakeSquareServer.AccessToken,
                        ["signatureKey"] = SignatureKey,
                        ["notificationUrl"] = NotificationUrl,
                        ["locationIds"] = new[] { SquarePayloads.Location },
                        ["baseUrl"] = _square.BaseUrl,
                    },
                },
                new
                {
                    id = "square-export",
                    plugin = "csv-drop",
                    merchantId = MerchantId,
                    sourceSystem = "square",
                    settings = new Dictionary<string, object>
                    {
                        ["folder"] = _inbox.FullName,
                        ["currency"] = "EUR",
                        ["pollInterval"] = "200ms",
                        ["quietPeriod"] = "100ms",
                        ["columns"] = new { saleId = "Transaction ID", occurredAt = "Date", total = "Net Sales", customerId = "Customer ID" },
                    },
                },
            },
        });
        _host = await RunningHost.StartAsync(
            connectors,
            new Dictionary<string, string?>
            {
                ["SevenStamp:Bus:Transport"] = "RabbitMq",
                ["SevenStamp:Bus:RabbitMqUri"] = rabbit.Uri,
                ["SevenStamp:Bus:NamePrefix"] = rabbit.NamePrefix,
                ["SevenStamp:Programs:1:MerchantId"] = MerchantId,
                ["SevenStamp:Programs:1:Name"] = "Two paths card",
                ["SevenStamp:Programs:1:Reward"] = "A free flat white",
                ["SevenStamp:Programs:1:StampGoal"] = "10",
            },
            Provider);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _square.DisposeAsync();
        _inbox.Delete(recursive: true);
    }

    [Fact]
    public async Task SameSale_ByWebhookAndByCsvExportInEitherOrderOrAtOnce_IsStampedOnce()
    {
        // Arrange: three orders of one customer, each paid at the till.
        var run = Guid.NewGuid().ToString("N")[..8];
        string[] orders = [$"ORD-{run}-A", $"ORD-{run}-B", $"ORD-{run}-C"];
        foreach (var order in orders)
        {
            _square.PutOrder(SquarePayloads.Order(order, customerId: Customer, total: 450));
        }

        // Act 1: the webhook first, then the export row of the same order.
        Assert.Equal(HttpStatusCode.OK, (await PostPaymentAsync(orders[0], $"evt-{run}-a")).StatusCode);
        Assert.True(await AwardedAsync(orders[0]), "The webhook's sale was not stamped.");
        await DropRowAsync(orders[0]);
        Assert.True(await RepeatedAsync(orders[0]), "The export row of the same sale never reached the engine.");

        // Act 2: the export row first, then the webhook.
        await DropRowAsync(orders[1]);
        Assert.True(await AwardedAsync(orders[1]), "The export row's sale was not stamped.");
        Assert.Equal(HttpStatusCode.OK, (await PostPaymentAsync(orders[1], $"evt-{run}-b")).StatusCode);
        Assert.True(await RepeatedAsync(orders[1]), "The webhook of the same sale never reached the engine.");

        // Act 3: both at the same moment.
        await Task.WhenAll(DropRowAsync(orders[2]), PostPaymentAsync(orders[2], $"evt-{run}-c"));
        Assert.True(await RepeatedAsync(orders[2]), "Both copies of the sale did not reach the engine.");

        // Assert: one award per order, one card, three stamps.
        var awards = await _host.QueryAsync(db => db.StampAwards.Where(a => orders.Contains(a.ExternalSaleId)).Select(a => new { a.ExternalSaleId, a.SourceSystem }).ToListAsync());
        Assert.Equal(orders, awards.Select(a => a.ExternalSaleId).Order(StringComparer.Ordinal));
        Assert.All(awards, a => Assert.Equal("square", a.SourceSystem));
        Assert.Equal(3, await _host.StampsOfAsync("square", Customer));
    }

    private Task<bool> AwardedAsync(string order) => Eventually.HoldsAsync(
        async () => await _host.QueryAsync(db => db.StampAwards.AnyAsync(a => a.MerchantId == MerchantId && a.ExternalSaleId == order)),
        TimeSpan.FromSeconds(60));

    /// <summary>Both copies reached the engine: the sale's inbox row counts two deliveries.</summary>
    private Task<bool> RepeatedAsync(string order) => Eventually.HoldsAsync(
        async () => await _host.QueryAsync(db => db.ProcessedEvents.Where(p => p.MerchantId == MerchantId && p.ExternalId == order).Select(p => p.Deliveries).SingleOrDefaultAsync()) >= 2,
        TimeSpan.FromSeconds(60));

    /// <summary>Drops an export of one row, written as .part and renamed into place as the README tells POS scripts to.</summary>
    private async Task DropRowAsync(string order)
    {
        var name = $"transactions-{Interlocked.Increment(ref _files)}.csv";
        var part = Path.Combine(_inbox.FullName, name + ".part");
        await File.WriteAllTextAsync(part, Header + $"2026-11-23T09:30:05Z,09:30:05,UTC,4.50,4.50,{order},PAY-{order},{Customer},{SquarePayloads.Location}\n");
        File.Move(part, Path.Combine(_inbox.FullName, name));
    }

    /// <summary>A payment.updated webhook as Square signs it: base64(HMAC-SHA256(key, notification URL + body)).</summary>
    private Task<HttpResponseMessage> PostPaymentAsync(string order, string eventId)
    {
        var bytes = Encoding.UTF8.GetBytes(SquarePayloads.PaymentEvent(eventId, "payment.updated", "PAY-" + order, "COMPLETED", order));
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(SignatureKey), Encoding.UTF8.GetBytes(NotificationUrl).Concat(bytes).ToArray()));
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/square-main") { Content = content };
        request.Headers.Add("x-square-hmacsha256-signature", signature);
        return _host.Client.SendAsync(request);
    }
}

public sealed class SameTillTwoPathsSqliteTests(RabbitMqFixture rabbit) : SameTillTwoPathsTests(rabbit), IClassFixture<RabbitMqFixture>
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.Sqlite;
}

public sealed class SameTillTwoPathsPostgresTests(RabbitMqFixture rabbit) : SameTillTwoPathsTests(rabbit), IClassFixture<RabbitMqFixture>
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.PostgreSql;
}
