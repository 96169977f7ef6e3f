using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.JsonWebhook.Tests;

/// <summary>The vendors' documented payload shapes (Samples/*.json, no real customer data) and how each vendor signs them.</summary>
internal static class Samples
{
    public const string ShopifySecret = "shpss_test_client_secret_0123456789abcdef";
    public const string ZettleSigningKey = "wgTestSigningKey0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL";
    public const string LoyverseSecret = "loyverse-test-client-secret-0123456789";
    public const string CustomSecret = "custom-pos-shared-secret-0123456789";

    public static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Samples", name));

    /// <summary>A sample with some of its fields changed, e.g. a Shopify order with <c>"test": true</c>.</summary>
    public static byte[] Edit(string name, Action<JsonObject> edit)
    {
        ArgumentNullException.ThrowIfNull(edit);
        var root = JsonNode.Parse(Read(name))!.AsObject();
        edit(root);
        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    public static WebhookRequest Request(ReadOnlyMemory<byte> body, Dictionary<string, string> headers) =>
        new("POST", headers, body, new DateTimeOffset(2026, 11, 23, 9, 30, 2, TimeSpan.Zero));

    /// <summary>Shopify: base64 HMAC-SHA256 of the raw body under the client secret, with topic and webhook id headers.</summary>
    public static WebhookRequest Shopify(ReadOnlyMemory<byte> body, string topic = "orders/paid", string webhookId = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", string secret = ShopifySecret) =>
        Request(body, new Dictionary<string, string>
        {
            ["X-Shopify-Hmac-Sha256"] = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body.Span)),
            ["X-Shopify-Topic"] = topic,
            ["X-Shopify-Webhook-Id"] = webhookId,
            ["X-Shopify-Shop-Domain"] = "example-shop.myshopify.com",
            ["X-Shopify-API-Version"] = "2025-10",
        });

    /// <summary>Zettle: hex HMAC-SHA256 of timestamp + "." + payload (both fields of the body) under the signing key.</summary>
    public static WebhookRequest Zettle(ReadOnlyMemory<byte> body, string key = ZettleSigningKey)
    {
        string signed;
        try
        {
            using var document = JsonDocument.Parse(body);
            signed = document.RootElement.GetProperty("timestamp").GetString() + "." + document.RootElement.GetProperty("payload").GetString();
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            // Not a Zettle envelope: sign the raw body, which the connector cannot match (it signs fields of the body).
            signed = Encoding.UTF8.GetString(body.Span);
        }

        return Request(body, new Dictionary<string, string>
        {
            ["X-iZettle-Signature"] = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(signed))),
        });
    }

    /// <summary>Loyverse: base64 HMAC-SHA1 of the raw body under the app's client secret.</summary>
    public static WebhookRequest Loyverse(ReadOnlyMemory<byte> body, string secret = LoyverseSecret) =>
        Request(body, new Dictionary<string, string>
        {
            ["X-Loyverse-Signature"] = Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), body.Span)),
        });

    /// <summary>A custom POS: "sha256=" + hex HMAC-SHA256 of the timestamp header, a dot and the body.</summary>
    public static WebhookRequest Custom(ReadOnlyMemory<byte> body, string timestamp = "1795426202", string secret = CustomSecret, string deliveryId = "dlv-0001")
    {
        var signed = Encoding.UTF8.GetBytes(timestamp + ".").Concat(body.ToArray()).ToArray();
        return Request(body, new Dictionary<string, string>
        {
            ["X-Pos-Signature"] = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed)),
            ["X-Pos-Timestamp"] = timestamp,
            ["X-Pos-Delivery"] = deliveryId,
        });
    }

    public static readonly Dictionary<string, string?> ShopifySettings = new() { ["preset"] = "shopify", ["secret"] = ShopifySecret };

    public static readonly Dictionary<string, string?> ZettleSettings = new() { ["preset"] = "zettle", ["secret"] = ZettleSigningKey };

    public static readonly Dictionary<string, string?> LoyverseSettings = new() { ["preset"] = "loyverse", ["secret"] = LoyverseSecret, ["mapping"] = """{ "currency": { "value": "EUR" } }""" };

    public const string CustomMapping = """
        {
          "saleId": "$.order.number",
          "saleVersion": "$.order.revision",
          "occurredAt": { "path": "$.order.closed", "convert": "date:yyyy-MM-dd HH:mm:ss" },
          "total": { "path": "$.order.totals.paid_cents", "convert": "minor-units" },
          "currency": { "path": "$.order.totals.currency", "convert": ["trim", "upper"] },
          "locationId": "$.order.shop",
          "customerId": "$.order.client.ref",
          "customerEmail": "$.order.client['e-mail']",
          "customerPhone": "$.order.client.mobile",
          "loyaltyCardId": "$.order.client.card",
          "lineItems": { "path": "$.order.positions[*]", "name": "$.label", "sku": "$.article", "category": "$.group", "quantity": "$.qty", "unitPrice": { "path": "$.price_cents", "convert": "minor-units" } },
          "discounts": { "path": "$.order.vouchers[*]", "code": { "path": "$.code", "convert": "upper" }, "amount": { "path": "$.value_cents", "convert": "minor-units" } },
          "refund": { "when": { "path": "$.order.kind", "equals": ["return", "refund"] }, "saleId": "$.order.original", "full": { "path": "$.order.complete", "equals": true } }
        }
        """;

    public static readonly Dictionary<string, string?> CustomSettings = new()
    {
        ["mapping"] = CustomMapping,
        ["secret"] = CustomSecret,
        ["signatureHeader"] = "X-Pos-Signature",
        ["signaturePrefix"] = "sha256=",
        ["signedContent"] = "{header:X-Pos-Timestamp}.{body}",
        ["eventIdHeader"] = "X-Pos-Delivery",
    };

    public const string CustomSale = """
        { "order": { "number": "K-77", "revision": 2, "closed": "2026-11-23 09:30:00", "shop": "north",
            "kind": "sale",
            "totals": { "paid_cents": 560, "currency": " eur " },
            "client": { "ref": "c-42", "e-mail": "ana@example.com", "mobile": "+49 151 1234 5678", "card": "CARD-9" },
            "positions": [ { "label": "Espresso", "article": "ESP-01", "group": "Coffee", "qty": "2", "price_cents": 280 } ],
            "vouchers": [ { "code": "free-7k2p", "value_cents": 0 } ] } }
        """;
}
