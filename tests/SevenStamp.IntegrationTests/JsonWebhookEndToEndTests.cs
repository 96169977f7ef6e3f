using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Testing;

namespace SevenStamp.IntegrationTests;

/// <summary>
/// The json-webhook plugin (Zettle preset; Zettle purchases name no customer, so the mapping adds the POS's own
/// customer reference, as a merchant would) loaded from disk by the host, a purchase posted over HTTP, through RabbitMQ to the database.
/// </summary>
public sealed class JsonWebhookEndToEndTests(RabbitMqFixture rabbit) : IAsyncLifetime, IClassFixture<RabbitMqFixture>
{
    private const string SigningKey = "zettle-integration-signing-key-0123456789abcdef";

    private RunningHost _host = null!;

    public async ValueTask InitializeAsync() =>
        _host = await RunningHost.StartAsync(
            """{ "connectors": [ { "id": "zettle", "plugin": "json-webhook", "merchantId": "cafe-1", "settings": { "preset": "zettle", "secret": "zettle-integration-signing-key-0123456789abcdef", "mapping": { "customerId": "$.customerRef" } } } ] }""",
            new Dictionary<string, string?>
            {
                ["SevenStamp:Bus:Transport"] = "RabbitMq",
                ["SevenStamp:Bus:RabbitMqUri"] = rabbit.Uri,
                ["SevenStamp:Bus:NamePrefix"] = rabbit.NamePrefix,
            });

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private static string Envelope(string messageId, string purchaseUuid)
    {
        var payload = JsonSerializer.Serialize(new
        {
            purchaseUuid,
            customerRef = "zettle-cust-1",
            source = "POS",
            currency = "EUR",
            amount = 760,
            timestamp = 1795426200000L,
            products = new[] { new { quantity = "2", name = "Flat white", sku = "FW-01", unitPrice = 380 } },
            discounts = Array.Empty<object>(),
            refund = false,
        });
        return JsonSerializer.Serialize(new { organizationUuid = "d3f03ffa-4a18-4282-bbfa-efd5f642ffb7", messageUuid = Guid.NewGuid(), eventName = "PurchaseCreated", messageId, payload, timestamp = "2026-11-23T09:30:01.585Z" });
    }

    private Task<HttpResponseMessage> PostAsync(string body)
    {
        using var document = JsonDocument.Parse(body);
        var signed = document.RootElement.GetProperty("timestamp").GetString() + "." + document.RootElement.GetProperty("payload").GetString();
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/zettle") { Content = content };
        request.Headers.Add("X-iZettle-Signature", Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(SigningKey), Encoding.UTF8.GetBytes(signed))));
        return _host.Client.SendAsync(request);
    }

    [Fact]
    public async Task ZettlePurchase_ThroughRabbitMq_ReachesTheDatabaseOnce()
    {
        // Arrange
        var purchase = Guid.NewGuid().ToString();
        var body = Envelope("msg-" + purchase, purchase);

        // Act
        var first = await PostAsync(body);
        var repeat = await PostAsync(body);

        // Assert
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        Assert.Contains("\"outcome\":\"duplicate\"", await repeat.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(
            await Eventually.HoldsAsync(() => _host.QueryAsync(db => db.StampAwards.AnyAsync(a => a.ExternalSaleId == purchase)), TimeSpan.FromSeconds(60)),
            "The purchase did not reach the loyalty engine through RabbitMQ.");
        Assert.Equal(1, await _host.QueryAsync(db => db.StampAwards.CountAsync(a => a.ExternalSaleId == purchase)));
    }
}
