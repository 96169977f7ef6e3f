using System.Text;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Connectors.TestKit.Compliance;

namespace SevenStamp.Connectors.JsonWebhook.Tests;

public sealed class PresetTests
{
    [Fact]
    public async Task Shopify_orders_create_then_orders_paid_of_one_order_publish_one_sale()
    {
        // Arrange
        await using var harness = Harness.Create(Samples.ShopifySettings);
        var body = Samples.Read("shopify-orders-paid.json");

        // Act
        var created = await harness.SendAsync(Samples.Shopify(body, "orders/create", "wh-create-1"));
        var paid = await harness.SendAsync(Samples.Shopify(body, "orders/paid", "wh-paid-1"));

        // Assert
        Assert.Equal(WebhookOutcome.Accepted, created.Outcome);
        Assert.Equal((200, WebhookOutcome.Duplicate), (paid.StatusCode, paid.Outcome));
        var sale = Assert.Single(harness.Sink.Sales);
        SaleAssert.Equivalent(ShopifyExpected.Sale with { SourceEventId = "wh-create-1" }, sale);
    }

    [Fact]
    public async Task Shopify_webhook_id_alone_dedupes_a_redelivery_even_of_another_order()
    {
        // Arrange: two bodies of different orders that arrive under one X-Shopify-Webhook-Id.
        await using var harness = Harness.Create(Samples.ShopifySettings);
        var first = Samples.Read("shopify-orders-paid.json");
        var text = Encoding.UTF8.GetString(first);
        Assert.Contains("\"id\": 820982911946154508,", text, StringComparison.Ordinal);
        var second = Encoding.UTF8.GetBytes(text.Replace("\"id\": 820982911946154508,", "\"id\": 820982911946154999,", StringComparison.Ordinal));

        // Act
        var delivered = await harness.SendAsync(Samples.Shopify(first, webhookId: "wh-same-1"));
        var again = await harness.SendAsync(Samples.Shopify(second, webhookId: "wh-same-1"));

        // Assert: the second is answered as a duplicate on its webhook id; its order is not published.
        Assert.Equal(WebhookOutcome.Accepted, delivered.Outcome);
        Assert.Equal((200, WebhookOutcome.Duplicate), (again.StatusCode, again.Outcome));
        Assert.Contains("wh-same-1", again.Message, StringComparison.Ordinal);
        Assert.Equal("820982911946154508", Assert.Single(harness.Sink.Sales).ExternalSaleId);
        Assert.Single(harness.Sink.Records);
    }

    [Fact]
    public async Task Zettle_message_id_alone_dedupes_a_redelivery_even_of_another_purchase()
    {
        // Arrange: two purchases that arrive under one messageId.
        await using var harness = Harness.Create(Samples.ZettleSettings);
        var first = Samples.Read("zettle-purchase-created.json");
        var text = Encoding.UTF8.GetString(first);
        Assert.Contains("7cdf4ae2-a110-11eb-a7f9-24cfef8c2970", text, StringComparison.Ordinal);
        var second = Encoding.UTF8.GetBytes(text.Replace("7cdf4ae2-a110-11eb-a7f9-24cfef8c2970", "11111111-a110-11eb-a7f9-24cfef8c2970", StringComparison.Ordinal));

        // Act
        var delivered = await harness.SendAsync(Samples.Zettle(first));
        var again = await harness.SendAsync(Samples.Zettle(second));

        // Assert
        Assert.Equal(WebhookOutcome.Accepted, delivered.Outcome);
        Assert.Equal((200, WebhookOutcome.Duplicate), (again.StatusCode, again.Outcome));
        Assert.Contains("2895af2a-faba-5f51-a1cd-f7dd79ee0866", again.Message, StringComparison.Ordinal);
        Assert.Equal("7cdf4ae2-a110-11eb-a7f9-24cfef8c2970", Assert.Single(harness.Sink.Sales).ExternalSaleId);
        Assert.Single(harness.Sink.Records);
    }

    [Theory]
    [InlineData("orders/updated")]
    [InlineData("orders/fulfilled")]
    [InlineData("customers/create")]
    public async Task Shopify_topics_that_are_not_sales_are_acknowledged_and_ignored(string topic)
    {
        await using var harness = Harness.Create(Samples.ShopifySettings);

        var response = await harness.SendAsync(Samples.Shopify(Samples.Read("shopify-orders-paid.json"), topic));

        Assert.Equal((200, WebhookOutcome.Ignored), (response.StatusCode, response.Outcome));
        Assert.Empty(harness.Sink.Records);
    }

    [Fact]
    public async Task Shopify_signature_under_the_previous_secret_is_accepted_during_a_rotation()
    {
        var settings = Harness.With(Samples.ShopifySettings, ("secret", "shpss_new_client_secret_9876543210fedcba"), ("previousSecret", Samples.ShopifySecret));
        await using var harness = Harness.Create(settings);

        var old = await harness.SendAsync(Samples.Shopify(Samples.Read("shopify-orders-paid.json")));
        var stranger = await harness.SendAsync(Samples.Shopify(Samples.Read("shopify-orders-paid.json"), webhookId: "wh-2", secret: "shpss_someone_elses_secret_000000000"));

        Assert.Equal(WebhookOutcome.Accepted, old.Outcome);
        Assert.Equal(401, stranger.StatusCode);
        Assert.Single(harness.Sink.Sales);
    }

    [Fact]
    public async Task A_merchant_setting_overrides_the_preset()
    {
        // The shop sits behind a proxy that renames the signature header.
        await using var harness = Harness.Create(Harness.With(Samples.ShopifySettings, ("signatureHeader", "X-Proxy-Hmac")));
        var body = Samples.Read("shopify-orders-paid.json");
        var shopify = Samples.Shopify(body);
        var headers = new Dictionary<string, string>(shopify.Headers);
        var signature = headers["X-Shopify-Hmac-Sha256"];
        headers.Remove("X-Shopify-Hmac-Sha256");
        headers["X-Proxy-Hmac"] = signature;

        var viaPresetHeader = await harness.SendAsync(shopify);
        var viaOverride = await harness.SendAsync(Samples.Request(body, headers));

        Assert.Equal(401, viaPresetHeader.StatusCode);
        Assert.Equal(WebhookOutcome.Accepted, viaOverride.Outcome);
    }

    [Fact]
    public async Task A_mapping_given_with_a_preset_replaces_only_its_own_fields()
    {
        var settings = Harness.With(Samples.ShopifySettings, ("mapping", """{ "locationId": { "value": "web-shop" }, "saleId": "$.name" }"""));
        await using var harness = Harness.Create(settings);

        await harness.SendAsync(Samples.Shopify(Samples.Read("shopify-orders-paid.json")));

        var sale = Assert.Single(harness.Sink.Sales);
        Assert.Equal(("#9999", "web-shop", 403.00m, 2), (sale.ExternalSaleId, sale.LocationId, sale.Total, sale.LineItems.Count));
    }

    [Fact]
    public async Task Zettle_refund_purchase_becomes_a_refund_of_the_original_sale()
    {
        await using var harness = Harness.Create(Samples.ZettleSettings);

        var response = await harness.SendAsync(Samples.Zettle(Samples.Read("zettle-purchase-refund.json")));

        Assert.Equal(WebhookOutcome.Accepted, response.Outcome);
        var refund = Assert.Single(harness.Sink.Refunds);
        Assert.Equal(("9a8b7c6d-a111-11eb-a7f9-24cfef8c2970", "7cdf4ae2-a110-11eb-a7f9-24cfef8c2970", "GBP", 63.00m, false),
            (refund.ExternalRefundId, refund.ExternalSaleId, refund.Currency, refund.Amount, refund.IsFullRefund));
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 10, 30, 0, TimeSpan.Zero), refund.OccurredAt);
        Assert.Empty(harness.Sink.Sales);
    }

    [Fact]
    public async Task Zettle_signature_covers_the_payload_so_a_changed_payload_is_refused()
    {
        await using var harness = Harness.Create(Samples.ZettleSettings);
        var body = Encoding.UTF8.GetString(Samples.Read("zettle-purchase-created.json"));
        var signed = Samples.Zettle(Encoding.UTF8.GetBytes(body));
        var tampered = Encoding.UTF8.GetBytes(body.Replace("35300", "99900", StringComparison.Ordinal));

        var response = await harness.SendAsync(Samples.Request(tampered, new Dictionary<string, string>(signed.Headers)));

        Assert.Equal(401, response.StatusCode);
        Assert.Empty(harness.Sink.Records);
    }

    [Fact]
    public async Task Zettle_events_other_than_purchase_created_are_acknowledged_and_ignored()
    {
        await using var harness = Harness.Create(Samples.ZettleSettings);
        var body = Encoding.UTF8.GetString(Samples.Read("zettle-purchase-created.json")).Replace("\"PurchaseCreated\"", "\"ProductCreated\"", StringComparison.Ordinal);

        var response = await harness.SendAsync(Samples.Zettle(Encoding.UTF8.GetBytes(body)));

        Assert.Equal((200, WebhookOutcome.Ignored), (response.StatusCode, response.Outcome));
        Assert.Empty(harness.Sink.Records);
    }

    [Fact]
    public async Task Zettle_payload_that_is_not_json_text_is_refused_naming_unwrap()
    {
        await using var harness = Harness.Create(Samples.ZettleSettings);
        const string body = """{ "eventName": "PurchaseCreated", "messageId": "m-1", "timestamp": "2026-11-23T09:30:01Z", "payload": "{ not json" }""";

        var response = await harness.SendAsync(Samples.Zettle(Encoding.UTF8.GetBytes(body)));

        Assert.Equal(400, response.StatusCode);
        Assert.Contains("unwrap", response.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Loyverse_batch_publishes_one_record_per_receipt_and_a_refund_receipt_as_a_refund()
    {
        await using var harness = Harness.Create(Samples.LoyverseSettings);

        var response = await harness.SendAsync(Samples.Loyverse(Samples.Read("loyverse-receipts-batch.json")));
        var again = await harness.SendAsync(Samples.Loyverse(Samples.Read("loyverse-receipts-batch.json")));

        Assert.Equal(WebhookOutcome.Accepted, response.Outcome);
        var refund = Assert.Single(harness.Sink.Refunds);
        Assert.Equal(("2-1007", "2-1006", "EUR", 1.3m), (refund.ExternalRefundId, refund.ExternalSaleId, refund.Currency, refund.Amount));
        var sale = Assert.Single(harness.Sink.Sales);
        Assert.Equal(("2-1008", 3.5m), (sale.ExternalSaleId, sale.Total));
        Assert.Equal(WebhookOutcome.Duplicate, again.Outcome);
        Assert.Equal(2, harness.Sink.Records.Count);
    }

    [Fact]
    public async Task Loyverse_signature_is_accepted_in_base64_as_documented_and_in_hex_as_delivered_but_not_forged()
    {
        await using var harness = Harness.Create(Samples.LoyverseSettings);
        var body = Samples.Read("loyverse-receipts-batch.json");
        var mac = System.Security.Cryptography.HMACSHA1.HashData(System.Text.Encoding.UTF8.GetBytes(Samples.LoyverseSecret), body);
        WebhookRequest Signed(string signature) => Samples.Request(body, new Dictionary<string, string> { ["X-Loyverse-Signature"] = signature });

        var hex = await harness.SendAsync(Signed(Convert.ToHexStringLower(mac)));
        var base64 = await harness.SendAsync(Signed(Convert.ToBase64String(mac)));
        mac[0] ^= 1;
        var forgedHex = await harness.SendAsync(Signed(Convert.ToHexString(mac)));
        var forgedBase64 = await harness.SendAsync(Signed(Convert.ToBase64String(mac)));

        Assert.Equal(WebhookOutcome.Accepted, hex.Outcome);
        Assert.Equal(WebhookOutcome.Duplicate, base64.Outcome);
        Assert.Equal((401, 401), (forgedHex.StatusCode, forgedBase64.StatusCode));
        Assert.Equal(2, harness.Sink.Records.Count);
    }

    [Fact]
    public async Task Loyverse_batch_with_one_bad_receipt_publishes_the_good_ones_names_the_bad_one_and_a_retry_publishes_nothing_twice()
    {
        // Arrange: receipt 0 (a refund) is good, receipt 1 (a sale) has a date Loyverse never sends.
        await using var harness = Harness.Create(Samples.LoyverseSettings);
        var good = Samples.Read("loyverse-receipts-batch.json");
        var bad = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(good).Replace("\"receipt_date\": \"2026-11-23T10:05:00.000Z\"", "\"receipt_date\": \"yesterday\"", StringComparison.Ordinal));

        // Act
        var partly = await harness.SendAsync(Samples.Loyverse(bad));
        var retried = await harness.SendAsync(Samples.Loyverse(bad));

        // Assert: the good receipt is durable; the answer is a 4xx naming the bad receipt by index and field only.
        Assert.Equal((400, WebhookOutcome.Invalid), (partly.StatusCode, partly.Outcome));
        Assert.Contains("1 of 2 records accepted", partly.Message, StringComparison.Ordinal);
        Assert.Contains("records[1]: occurredAt", partly.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("records[0]", partly.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("yesterday", partly.Message, StringComparison.Ordinal);
        var refund = Assert.Single(harness.Sink.Refunds);
        Assert.Equal(("2-1007", "2-1006"), (refund.ExternalRefundId, refund.ExternalSaleId));
        Assert.Empty(harness.Sink.Sales);

        // The POS retries the same delivery: refused the same way, the refund not published again.
        Assert.Equal(400, retried.StatusCode);
        Assert.Contains("records[1]: occurredAt", retried.Message, StringComparison.Ordinal);
        Assert.Single(harness.Sink.Records);

        // Once the receipt is fixed at the POS, only the sale is new.
        var fixedDelivery = await harness.SendAsync(Samples.Loyverse(good));
        Assert.Equal(WebhookOutcome.Accepted, fixedDelivery.Outcome);
        Assert.Equal("2-1008", Assert.Single(harness.Sink.Sales).ExternalSaleId);
        Assert.Equal(2, harness.Sink.Records.Count);
    }

    [Fact]
    public async Task Loyverse_batch_whose_every_receipt_is_bad_publishes_nothing_and_names_each_receipt()
    {
        await using var harness = Harness.Create(Samples.LoyverseSettings);
        var body = Encoding.UTF8.GetString(Samples.Read("loyverse-receipts-batch.json"))
            .Replace("\"receipt_date\": \"2026-11-23T10:05:00.000Z\"", "\"receipt_date\": \"yesterday\"", StringComparison.Ordinal)
            .Replace("\"refund_for\": \"2-1006\"", "\"refund_for\": null", StringComparison.Ordinal);

        var response = await harness.SendAsync(Samples.Loyverse(Encoding.UTF8.GetBytes(body)));

        Assert.Equal((400, WebhookOutcome.Invalid), (response.StatusCode, response.Outcome));
        Assert.Contains("records[0]: refund.saleId", response.Message, StringComparison.Ordinal);
        Assert.Contains("records[1]: occurredAt", response.Message, StringComparison.Ordinal);
        Assert.Empty(harness.Sink.Records);
    }

    [Fact]
    public void Loyverse_preset_without_a_currency_is_refused_naming_mapping_currency()
    {
        var errors = Harness.Errors(new Dictionary<string, string?> { ["preset"] = "loyverse", ["secret"] = Samples.LoyverseSecret });

        var error = Assert.Single(errors);
        Assert.Equal("mapping.currency", error.Field);
        Assert.Contains("\"value\"", error.Message, StringComparison.Ordinal);
    }
}
