using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SevenStamp.Connectors.Host.Connectors;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>The json-webhook plugin loaded from disk by the real host, fed a Shopify orders/paid webhook over HTTP.</summary>
public sealed class JsonWebhookHostTests : IAsyncLifetime
{
    private const string ShopifySecret = "shpss_host_test_client_secret_0123456789";

    private const string Connectors = """
        { "connectors": [
            { "id": "shopify", "plugin": "json-webhook", "merchantId": "cafe-1",
              "settings": { "preset": "shopify", "secret": "shpss_host_test_client_secret_0123456789", "mapping": { "locationId": { "value": "web" } } } }
        ] }
        """;

    private const string Order = """
        { "id": 450789469, "name": "#1001", "created_at": "2026-11-23T04:30:00-05:00", "currency": "EUR", "total_price": "7.60",
          "email": "jane.doe@example.com", "customer": { "id": 207119551, "email": "jane.doe@example.com", "phone": null },
          "line_items": [ { "id": 466157049, "name": "Flat white", "price": "3.80", "quantity": 2, "sku": "FW-01", "variant_id": 39072856 } ],
          "discount_codes": [] }
        """;

    private RunningHost _host = null!;

    public async ValueTask InitializeAsync() =>
        _host = await RunningHost.StartAsync(Connectors, new Dictionary<string, string?> { ["SevenStamp:Bus:Transport"] = "InMemory" });

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private Task<HttpResponseMessage> PostAsync(string body, string webhookId, string secret = ShopifySecret, bool expectContinue = false, HttpClient? client = null)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/shopify") { Content = content };
        request.Headers.ExpectContinue = expectContinue;
        request.Headers.Add("X-Shopify-Hmac-Sha256", Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), bytes)));
        request.Headers.Add("X-Shopify-Topic", "orders/paid");
        request.Headers.Add("X-Shopify-Webhook-Id", webhookId);
        return (client ?? _host.Client).SendAsync(request);
    }

    [Fact]
    public async Task JsonWebhook_ShopifyOrderPostedToTheHost_IsPublishedAndStampedOnce()
    {
        // Act
        var first = await PostAsync(Order, "wh-host-1");
        var again = await PostAsync(Order, "wh-host-1");
        var forged = await PostAsync(Order, "wh-host-2", secret: "shpss_not_the_shops_secret_000000000");
        var broken = await PostAsync("{ \"id\": 1, ", "wh-host-3");

        // Assert
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Contains("\"outcome\":\"duplicate\"", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.DoesNotContain("   at ", await broken.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(
            await Eventually.HoldsAsync(() => _host.QueryAsync(db => db.StampAwards.AnyAsync(a => a.ExternalSaleId == "450789469")), TimeSpan.FromSeconds(30)),
            "The sale was not published to the loyalty engine.");
        Assert.True(await Eventually.HoldsAsync(async () => await _host.StampsOfAsync("shopify", "207119551") == 1, TimeSpan.FromSeconds(30)));
        Assert.Equal(1, await _host.QueryAsync(db => db.StampAwards.CountAsync(a => a.ExternalSaleId == "450789469")));
    }

    [Fact]
    public async Task JsonWebhook_TenMegabyteOrder_IsAnswered413AndNothingIsPublished()
    {
        // Arrange: a correctly signed order padded to 10 MB. The client waits for 100-continue, as curl does for
        // large bodies, so it reads the host's answer instead of pushing the rest of the body at a closed connection.
        var padded = Order.Replace("450789469", "450789470", StringComparison.Ordinal).TrimEnd().TrimEnd('}') + ", \"note\": \"" + new string('x', 10 * 1024 * 1024) + "\" }";
        Assert.True(Encoding.UTF8.GetByteCount(padded) > 10 * 1024 * 1024);
        Assert.True(_host.Services.GetRequiredService<ConnectorSupervisor>().TryGet("shopify", out var runtime));

        // The client's wait for 100-continue is long: by default it sends the body anyway after 1 s, and on a busy
        // machine the host's early 413 then meets a body still being written to a connection it closed.
        using var patient = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) }) { BaseAddress = _host.Client.BaseAddress };

        // Act
        var oversized = await PostAsync(padded, "wh-host-big", expectContinue: true, client: patient);
        var normal = await PostAsync(Order, "wh-host-after");

        // Assert: refused before the connector saw it; the order after it goes through as usual.
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);
        Assert.Contains("\"outcome\":\"too_large\"", await oversized.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, normal.StatusCode);
        Assert.Equal(1, runtime.RecordsOut);
        Assert.Equal(1, runtime.EventsIn);
        Assert.True(await Eventually.HoldsAsync(async () => await _host.StampsOfAsync("shopify", "207119551") == 1, TimeSpan.FromSeconds(30)));
        Assert.False(await _host.QueryAsync(db => db.StampAwards.AnyAsync(a => a.ExternalSaleId == "450789470")));
    }
}
