using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>
/// <c>POST /api/merchants/{merchantId}/connectors/{id}/dry-run</c> on a real host: a Shopify order is checked and
/// mapped by the connector's own plugin as a live delivery would be, and nothing is published, stamped or marked seen.
/// </summary>
public sealed class ConnectorDryRunApiTests
{
    private const string AdminKey = "dry-run-test-admin-key-0123456789abcdef";
    private const string ShopifySecret = "shpss_dry_run_client_secret_0123456789";

    private const string Connectors = """
        { "connectors": [
            { "id": "shopify", "plugin": "json-webhook", "merchantId": "cafe-1",
              "settings": { "preset": "shopify", "secret": "shpss_dry_run_client_secret_0123456789", "mapping": { "locationId": { "value": "web" } } } }
        ] }
        """;

    private const string Order = """
        { "id": 450789469, "name": "#1001", "created_at": "2026-11-23T04:30:00-05:00", "currency": "EUR", "total_price": "7.60",
          "email": "jane.doe@example.com", "customer": { "id": 207119551, "email": "jane.doe@example.com", "phone": null },
          "line_items": [ { "id": 466157049, "name": "Flat white", "price": "3.80", "quantity": 2, "sku": "FW-01", "variant_id": 39072856 } ],
          "discount_codes": [] }
        """;

    public static TheoryData<LoyaltyStoreProvider> Providers => [LoyaltyStoreProvider.Sqlite, LoyaltyStoreProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task DryRun_SignedShopifyOrder_ReturnsTheMappedSaleAndPublishesStampsAndMarksNothing(LoyaltyStoreProvider provider)
    {
        // Arrange
        await using var host = await StartAsync(provider);

        // Act: a dry run of a signed order, then the same order delivered live, then the dry run again.
        var dryRun = await host.Client.PostAsJsonAsync("/api/merchants/cafe-1/connectors/shopify/dry-run", Sample(Order, "wh-dry-1", ShopifySecret));
        var dryRunBody = await dryRun.Content.ReadAsStringAsync();
        await Task.Delay(TimeSpan.FromSeconds(1));
        var awardsAfterDryRun = await host.QueryAsync(db => db.StampAwards.CountAsync(a => a.ExternalSaleId == "450789469"));
        var seenAfterDryRun = await host.QueryConnectorStoreAsync(db => db.SeenEvents.CountAsync(e => e.ConnectorId == "shopify"));
        using var statusAfterDryRun = JsonDocument.Parse(await host.Client.GetStringAsync("/api/connectors/shopify/status"));
        var live = await PostLiveAsync(host, Order, "wh-dry-1");
        var liveBody = await live.Content.ReadAsStringAsync();
        var stamped = await Eventually.HoldsAsync(async () => await host.StampsOfAsync("shopify", "207119551") == 1, TimeSpan.FromSeconds(30));
        var dryRunAfterLive = await host.Client.PostAsJsonAsync("/api/merchants/cafe-1/connectors/shopify/dry-run", Sample(Order, "wh-dry-1", ShopifySecret));

        // Assert: the sale as it would be published.
        Assert.True(dryRun.StatusCode == HttpStatusCode.OK, dryRunBody);
        using var result = JsonDocument.Parse(dryRunBody);
        Assert.Equal("accepted", result.RootElement.GetProperty("outcome").GetString());
        Assert.Empty(result.RootElement.GetProperty("errors").EnumerateArray());
        var sale = Assert.Single(result.RootElement.GetProperty("sales").EnumerateArray());
        Assert.Equal("450789469", sale.GetProperty("externalSaleId").GetString());
        Assert.Equal("cafe-1", sale.GetProperty("merchantId").GetString());
        Assert.Equal("shopify", sale.GetProperty("connectorId").GetString());
        Assert.Equal("web", sale.GetProperty("locationId").GetString());
        Assert.Equal(7.60m, sale.GetProperty("total").GetDecimal());
        Assert.Equal("207119551", sale.GetProperty("customer").GetProperty("posCustomerId").GetString());
        Assert.Equal("Flat white", Assert.Single(sale.GetProperty("lineItems").EnumerateArray()).GetProperty("name").GetString());
        Assert.DoesNotContain("jane.doe@example.com", dryRunBody, StringComparison.Ordinal);

        // Assert: nothing published, stamped or seen; the live delivery afterwards is the first and is stamped once.
        Assert.Equal(0, awardsAfterDryRun);
        Assert.Equal(0, seenAfterDryRun);
        Assert.Equal(0, statusAfterDryRun.RootElement.GetProperty("eventsIn").GetInt64());
        Assert.True(live.StatusCode == HttpStatusCode.OK, liveBody);
        Assert.Contains("\"outcome\":\"accepted\"", liveBody, StringComparison.Ordinal);
        Assert.True(stamped, "The live delivery after the dry run was not stamped.");
        Assert.Equal(1, await host.QueryAsync(db => db.StampAwards.CountAsync(a => a.ExternalSaleId == "450789469")));
        using var again = JsonDocument.Parse(await dryRunAfterLive.Content.ReadAsStringAsync());
        Assert.Equal("duplicate", again.RootElement.GetProperty("outcome").GetString());
        Assert.Empty(again.RootElement.GetProperty("sales").EnumerateArray());
    }

    [Fact]
    public async Task DryRun_WrongSignatureOrBadRequest_NamesTheFieldAtFault()
    {
        // Arrange
        await using var host = await StartAsync(LoyaltyStoreProvider.Sqlite);

        // Act
        var forged = await host.Client.PostAsJsonAsync("/api/merchants/cafe-1/connectors/shopify/dry-run", Sample(Order, "wh-forged", "shpss_not_the_shops_secret_000000000"));
        var unsigned = await host.Client.PostAsJsonAsync("/api/merchants/cafe-1/connectors/shopify/dry-run", new { body = Order });
        var broken = await host.Client.PostAsJsonAsync("/api/merchants/cafe-1/connectors/shopify/dry-run", Sample("{ \"id\": 1, ", "wh-broken", ShopifySecret));
        var noBody = await host.Client.PostAsJsonAsync("/api/merchants/cafe-1/connectors/shopify/dry-run", new { headers = new { a = 1 }, colour = "red" });
        var otherMerchant = await host.Client.PostAsJsonAsync("/api/merchants/cafe-2/connectors/shopify/dry-run", Sample(Order, "wh-other", ShopifySecret));
        var unknown = await host.Client.PostAsJsonAsync("/api/merchants/cafe-1/connectors/no-such-till/dry-run", Sample(Order, "wh-unknown", ShopifySecret));

        // Assert
        Assert.Equal(["signature"], await FieldsAsync(forged));
        Assert.Equal(["signature"], await FieldsAsync(unsigned));
        Assert.Equal(["body"], await FieldsAsync(broken));
        Assert.Equal(HttpStatusCode.BadRequest, noBody.StatusCode);
        var problem = await noBody.Content.ReadAsStringAsync();
        Assert.Contains("\"colour\"", problem, StringComparison.Ordinal);
        Assert.Contains("\"headers.a\"", problem, StringComparison.Ordinal);
        Assert.Contains("\"body\"", problem, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, otherMerchant.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var status = JsonDocument.Parse(await host.Client.GetStringAsync("/api/connectors/shopify/status"));
        Assert.Equal(0, status.RootElement.GetProperty("signatureFailures").GetInt64());
    }

    private static async Task<RunningHost> StartAsync(LoyaltyStoreProvider provider)
    {
        var host = await RunningHost.StartAsync(Connectors, new Dictionary<string, string?> { ["SevenStamp:Bus:Transport"] = "InMemory", ["SevenStamp:Api:AdminKey"] = AdminKey }, provider);
        host.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return host;
    }

    /// <summary>A dry run's request: the order and the headers Shopify sends with it, signed with <paramref name="secret"/>.</summary>
    private static object Sample(string body, string webhookId, string secret) => new
    {
        body,
        headers = new Dictionary<string, string>
        {
            ["X-Shopify-Hmac-Sha256"] = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body))),
            ["X-Shopify-Topic"] = "orders/paid",
            ["X-Shopify-Webhook-Id"] = webhookId,
        },
    };

    private static Task<HttpResponseMessage> PostLiveAsync(RunningHost host, string body, string webhookId)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/shopify") { Content = content };
        request.Headers.Add("X-Shopify-Hmac-Sha256", Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(ShopifySecret), bytes)));
        request.Headers.Add("X-Shopify-Topic", "orders/paid");
        request.Headers.Add("X-Shopify-Webhook-Id", webhookId);
        return host.Client.SendAsync(request);
    }

    private static async Task<string[]> FieldsAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var result = JsonDocument.Parse(text);
        Assert.Empty(result.RootElement.GetProperty("sales").EnumerateArray());
        return [.. result.RootElement.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()!)];
    }
}
