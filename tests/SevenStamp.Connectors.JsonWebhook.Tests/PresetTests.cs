using System.Text;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Connectors.TestKit.Compliance;

namespace SevenStamp.Connectors.JsonWebhook.Tests;

public sealed class PresetTests
{
    [Fact]
    public async Task Shopify_OrdersCreateThenOrdersPaidOfOneOrder_PublishOneSale()
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
    public async Task Shopify_WebhookIdAlone_DedupesARedeliveryEvenOfAnotherOrder()
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
    public async Task Zettle_MessageIdAlone_DedupesARedeliveryEvenOfAnotherPurchase()
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
    public async Task Shopify_TopicsThatAreNotSales_AreAcknowledgedAndIgnored(string topic)
    {
        await using var harness = Harness.Create(Samples.ShopifySettings);

        var response = await harness.SendAsync(Samples.Shopify(Samples.Read("shopify-orders-paid.json"), topic));

        Assert.Equal((200, WebhookOutcome.Ignored), (response.StatusCode, response.Outcome));
        Assert.Empty(harness.Sink.Records);
    }

    [Fact]
    public async Task Shopify_SignatureUnderThePreviousSecret_IsAcceptedDuringARotation()
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
    public async Task Preset_MerchantSetting_OverridesThePreset()
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
    public async Task Preset_MappingGivenWithIt_ReplacesOnlyItsOwnFields()
    {
        var settings = Harness.With(Samples.ShopifySettings, ("mapping", """{ "locationId": { "value": "web-shop" }, "saleId": "$.name" }"""));
        await using var harness = Harness.Create(settings);

        await harness.SendAsync(Samples.Shopify(Samples.Read("shopify-orders-paid.json")));

        var sale = Assert.Single(harness.Sink.Sales);
        Assert.Equal(("#9999", "web-shop", 403.00m, 2), (sale.ExternalSaleId, sale.LocationId, sale.Total, sale.LineItems.Count));
    }

    [Fact]
    public async Task Zettle_RefundPurchase_BecomesARefundOfTheOriginalSale()
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
    public async Task Zettle_ChangedPayload_IsRefusedAsTheSignatureCoversIt()
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
    public async Task Zettle_EventsOtherThanPurchaseCreated_AreAcknowledgedAndIgnored()
    {
        await using var harness = Harness.Create(Samples.ZettleSettings);
        var body = Encoding.UTF8.GetString(Samples.Read("zettle-purchase-created.json")).Replace("\"PurchaseCreated\"", "\"ProductCreated\"", StringComparison.Ordinal);

        var response = await harness.SendAsync(Samples.Zettle(Encoding.UTF8.GetBytes(body)));

        Assert.Equal((200, WebhookOutcome.Ignored), (response.StatusCode, response.Outcome));
        Assert.Empty(harness.Sink.Records);
    }

    [Fact]
    public async Task Zettle_PayloadThatIsNotJsonText_IsRefusedNamingUnwrap()
    {
        await using var harness = Harness.Create(Samples.ZettleSettings);
        const string body = """{ "eventName": "PurchaseCreated", "messageId": "m-1", "timestamp": "2026-11-23T09:30:01Z", "payload": "{ not json" }""";

        var response = await harness.SendAsync(Samples.Zettle(Encoding.UTF8.GetBytes(body)));

        Assert.Equal(400, response.StatusCode);
        Assert.Contains("unwrap", response.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Loyverse_Batch_PublishesOneRecordPerReceiptAndARefundReceiptAsARefund()
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
    public async Task Loyverse_Signature_IsAcceptedInBase64AsDocumentedAndInHexAsDeliveredButNotForged()
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
    public async Task Loyverse_BatchWithOneBadReceipt_PublishesTheGoodOnesNamesTheBadOneAndARetryPublishesNothingTwice()
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
    public async Task Loyverse_BatchWhoseEveryReceiptIsBad_PublishesNothingAndNamesEachReceipt()
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
    public void Loyverse_PresetWithoutACurrency_IsRefusedNamingMappingCurrency()
    {
        var errors = Harness.Errors(new Dictionary<string, string?> { ["preset"] = "loyverse", ["secret"] = Samples.LoyverseSecret });

        var error = Assert.Single(errors);
        Assert.Equal("mapping.currency", error.Field);
        Assert.Contains("\"value\"", error.Message, StringComparison.Ordinal);
    }
}
