using System.Net;
using System.Net.Http.Headers;
using System.Runtime.Loader;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Data;
using SevenStamp.Testing;

namespace SevenStamp.IntegrationTests;

/// <summary>
/// The Square plugin as a merchant runs it: loaded from disk by the host, Square's signed webhooks over HTTP, the
/// orders read from a fake Square API, sales through RabbitMQ to the loyalty engine. A card goal of one stamp mints a
/// voucher with the first sale; a second order carrying its Redeem Code as a discount redeems it.
/// </summary>
public abstract class SquareEndToEndTests(RabbitMqFixture rabbit) : IAsyncLifetime
{
    private const string ConnectorId = "square-main";
    private const string MerchantId = "square-cafe";
    private const string SignatureKey = "sqwh-e2e-signature-key-5Tz";
    private const string NotificationUrl = "https://loyalty.example.com/webhooks/square-main";

    private FakeSquareServer _square = null!;
    private RunningHost _host = null!;

    protected abstract LoyaltyStoreProvider Provider { get; }

    public async ValueTask InitializeAsync()
    {
        _square = await FakeSquareServer.StartAsync();
        _host = await RunningHost.StartAsync(
            $$"""
            { "connectors": [ { "id": "{{ConnectorId}}", "plugin": "square", "merchantId": "{{MerchantId}}",
                "settings": { "accessToken": "{{FakeSquareServer.AccessToken}}", "signatureKey": "{{SignatureKey}}",
                              "notificationUrl": "{{NotificationUrl}}", "locationIds": ["{{SquarePayloads.Location}}"],
                              "baseUrl": "{{_square.BaseUrl}}" } } ] }
            """,
            new Dictionary<string, string?>
            {
                ["SevenStamp:Bus:Transport"] = "RabbitMq",
                ["SevenStamp:Bus:RabbitMqUri"] = rabbit.Uri,
                ["SevenStamp:Bus:NamePrefix"] = rabbit.NamePrefix,
                ["SevenStamp:Programs:1:MerchantId"] = MerchantId,
                ["SevenStamp:Programs:1:Name"] = "Square coffee card",
                ["SevenStamp:Programs:1:Reward"] = "A free latte",
                ["SevenStamp:Programs:1:StampGoal"] = "1",
                ["SevenStamp:Programs:1:CodePrefix"] = "SQ-",
            },
            Provider);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _square.DisposeAsync();
    }

    /// <summary>Posts a webhook the way Square does: x-square-hmacsha256-signature = base64(HMAC-SHA256(key, notification URL + body)).</summary>
    private Task<HttpResponseMessage> PostSquareWebhookAsync(string body, string key = SignatureKey)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(NotificationUrl).Concat(bytes).ToArray()));
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, $"/webhooks/{ConnectorId}") { Content = content };
        request.Headers.Add("x-square-hmacsha256-signature", signature);
        return _host.Client.SendAsync(request);
    }

    [Fact]
    public async Task SquarePayment_SignedThenALaterOrderWithTheRedeemCode_AwardsAStampThenRedeemsTheVoucher()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var customer = $"CUST-{run}";
        var firstOrder = $"ORD-{run}-1";
        var secondOrder = $"ORD-{run}-2";
        _square.PutOrder(SquarePayloads.Order(firstOrder, customerId: customer, total: 450));

        var forged = await PostSquareWebhookAsync(SquarePayloads.PaymentEvent($"evt-{run}-0", "payment.updated", $"PAY{run}0", "COMPLETED", firstOrder), key: "sqwh-not-the-key");
        var sale = await PostSquareWebhookAsync(SquarePayloads.PaymentEvent($"evt-{run}-1", "payment.updated", $"PAY{run}1", "COMPLETED", firstOrder));
        var repeat = await PostSquareWebhookAsync(SquarePayloads.PaymentEvent($"evt-{run}-1", "payment.updated", $"PAY{run}1", "COMPLETED", firstOrder));

        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, sale.StatusCode);
        // Accepted, or already published by the connector's catch-up pass, which runs in the background from the
        // start and may have found the order first: either way the sale is durable, and stamped once (below).
        Assert.Matches("\"outcome\":\"(accepted|duplicate)\"", await sale.Content.ReadAsStringAsync());
        Assert.Contains("\"outcome\":\"duplicate\"", await repeat.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(await Eventually.HoldsAsync(async () => await _host.StampsOfAsync(ConnectorId, customer) == 1, TimeSpan.FromSeconds(30)), "The Square sale did not put a stamp on the card.");
        string? code = null;
        Assert.True(
            await Eventually.HoldsAsync(async () => (code = await VoucherCodeAsync(customer, VoucherState.Issued)) is not null, TimeSpan.FromSeconds(30)),
            "No voucher was minted for the one-stamp card.");

        // At the till: the cashier applies the voucher as a discount whose name is the Redeem Code.
        _square.PutOrder(SquarePayloads.Order(secondOrder, customerId: customer, total: 0, discountName: code, discount: 450));
        var redeeming = await PostSquareWebhookAsync(SquarePayloads.OrderEvent($"evt-{run}-2", "order.updated", secondOrder, "COMPLETED", version: 3));

        Assert.Equal(HttpStatusCode.OK, redeeming.StatusCode);
        Assert.True(
            await Eventually.HoldsAsync(async () => await VoucherCodeAsync(customer, VoucherState.Redeemed) == code, TimeSpan.FromSeconds(30)),
            "The order carrying the Redeem Code did not redeem the voucher.");
        var redeemedBy = await _host.QueryAsync(db => db.Vouchers.Where(v => v.MerchantId == MerchantId && v.Code == code).Select(v => new { v.RedeemedBySaleId, v.RedeemedByConnectorId }).SingleAsync());
        Assert.Equal((secondOrder, ConnectorId), (redeemedBy.RedeemedBySaleId, redeemedBy.RedeemedByConnectorId));
        Assert.All(_square.RequestsTo("/v2/orders/"), r => Assert.Equal("Bearer " + FakeSquareServer.AccessToken, r.Authorization));
    }

    [Fact]
    public void SquarePlugin_WithItsHttpResilienceLibraries_RunsInThePluginsOwnLoadContext()
    {
        var square = AppDomain.CurrentDomain.GetAssemblies().Where(a => a.GetName().Name == "SevenStamp.Connectors.Square").ToList();
        var polly = AppDomain.CurrentDomain.GetAssemblies().Where(a => a.GetName().Name == "Microsoft.Extensions.Http.Resilience").ToList();

        Assert.NotEmpty(square);
        Assert.All(square, a => Assert.NotSame(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(a)));
        Assert.All(square, a => Assert.StartsWith(Path.Combine(AppContext.BaseDirectory, "plugins", "SevenStamp.Connectors.Square"), a.Location, StringComparison.Ordinal));
        // Each host of the test run loads the plugin into a context of its own, and the plugin uses the resilience
        // library from there; the host's own copy (its wallet clients use it) is the only one in the default context.
        var pluginContexts = square.Select(AssemblyLoadContext.GetLoadContext).ToList();
        Assert.Contains(polly, a => pluginContexts.Contains(AssemblyLoadContext.GetLoadContext(a)));
        Assert.All(polly, a => Assert.True(
            pluginContexts.Contains(AssemblyLoadContext.GetLoadContext(a)) || AssemblyLoadContext.GetLoadContext(a) == AssemblyLoadContext.Default,
            $"{a.FullName} was loaded by {AssemblyLoadContext.GetLoadContext(a)}"));
        Assert.True(polly.Count(a => AssemblyLoadContext.GetLoadContext(a) == AssemblyLoadContext.Default) <= 1);
    }

    private Task<string?> VoucherCodeAsync(string posCustomerId, VoucherState state) => _host.QueryAsync(db =>
        db.Vouchers
            .Where(v => v.MerchantId == MerchantId && v.State == state
                && db.Cards.Any(c => c.Id == v.CardId && db.CustomerLinks.Any(l => l.CustomerId == c.CustomerId && l.Kind == "pos" && l.Value == ConnectorId + ":" + posCustomerId)))
            .Select(v => v.Code)
            .SingleOrDefaultAsync());
}

public sealed class SquareEndToEndSqliteTests(RabbitMqFixture rabbit) : SquareEndToEndTests(rabbit), IClassFixture<RabbitMqFixture>
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.Sqlite;
}

public sealed class SquareEndToEndPostgresTests(RabbitMqFixture rabbit) : SquareEndToEndTests(rabbit), IClassFixture<RabbitMqFixture>
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.PostgreSql;
}
