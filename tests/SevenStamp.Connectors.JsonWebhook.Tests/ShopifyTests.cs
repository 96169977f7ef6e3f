using System.Text.Json.Nodes;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Connectors.TestKit.Compliance;

namespace SevenStamp.Connectors.JsonWebhook.Tests;

/// <summary>
/// The Shopify preset against Shopify's documented order and refund payloads: which orders earn (paid, not a test,
/// not cancelled), refunds and cancellations, and every place a Redeem Code can sit in an order's discounts.
/// </summary>
public sealed class ShopifyTests
{
    private const string Order = "shopify-orders-paid.json";
    private const string Refund = "shopify-refunds-create.json";

    private static void AssertOutcome(WebhookOutcome expected, WebhookResponse response) =>
        Assert.True(response.Outcome == expected, $"Expected {expected}, got {response.StatusCode} {response.Outcome}: {response.Message}");

    [Fact]
    public async Task HandleWebhook_TestOrder_IsIgnoredWithTheReason()
    {
        // Arrange
        await using var harness = Harness.Create(Samples.ShopifySettings);
        var body = Samples.Edit(Order, o => o["test"] = true);

        // Act
        var response = await harness.SendAsync(Samples.Shopify(body));

        // Assert
        AssertOutcome(WebhookOutcome.Ignored, response);
        Assert.Equal(200, response.StatusCode);
        Assert.Contains("test order", response.Message, StringComparison.Ordinal);
        Assert.Contains("820982911946154508", response.Message, StringComparison.Ordinal);
        Assert.Empty(harness.Sink.Records);
    }

    [Theory]
    [InlineData("pending")]
    [InlineData("authorized")]
    [InlineData("partially_paid")]
    [InlineData("voided")]
    [InlineData("refunded")]
    [InlineData("expired")]
    public async Task HandleWebhook_OrderNotPaid_IsIgnoredWithTheReason(string financialStatus)
    {
        // Arrange
        await using var harness = Harness.Create(Samples.ShopifySettings);
        var body = Samples.Edit(Order, o => o["financial_status"] = financialStatus);

        // Act
        var paid = await harness.SendAsync(Samples.Shopify(body, "orders/paid", "wh-1"));
        var created = await harness.SendAsync(Samples.Shopify(body, "orders/create", "wh-2"));

        // Assert
        AssertOutcome(WebhookOutcome.Ignored, paid);
        AssertOutcome(WebhookOutcome.Ignored, created);
        Assert.Contains("financial_status", paid.Message, StringComparison.Ordinal);
        Assert.Empty(harness.Sink.Records);
    }

    [Theory]
    [InlineData("something_new")]
    [InlineData(null)]
    public async Task HandleWebhook_OrdersCreateWithoutAPaidStatus_IsIgnoredButOrdersPaidEarns(string? financialStatus)
    {
        // Arrange: orders/paid is itself word of the payment; orders/create is not, so it needs a paid status.
        await using var harness = Harness.Create(Samples.ShopifySettings);
        var body = Samples.Edit(Order, o =>
        {
            if (financialStatus is null)
            {
                o.Remove("financial_status");
            }
            else
            {
                o["financial_status"] = financialStatus;
            }
        });

        // Act
        var created = await harness.SendAsync(Samples.Shopify(body, "orders/create", "wh-1"));
        var paid = await harness.SendAsync(Samples.Shopify(body, "orders/paid", "wh-2"));

        // Assert
        AssertOutcome(WebhookOutcome.Ignored, created);
        Assert.Contains("financial_status", created.Message, StringComparison.Ordinal);
        AssertOutcome(WebhookOutcome.Accepted, paid);
        Assert.Single(harness.Sink.Sales);
    }

    [Fact]
    public async Task HandleWebhook_PartiallyRefundedOrder_Earns()
    {
        // Arrange: a partly refunded order was paid; the refund itself arrives as refunds/create.
        await using var harness = Harness.Create(Samples.ShopifySettings);
        var body = Samples.Edit(Order, o => o["financial_status"] = "partially_refunded");

        // Act
        var response = await harness.SendAsync(Samples.Shopify(body));

        // Assert
        AssertOutcome(WebhookOutcome.Accepted, response);
        Assert.Single(harness.Sink.Sales);
    }

    [Fact]
    public async Task HandleWebhook_CancelledOrder_IsIgnoredWithTheReason()
    {
        // Arrange
        await using var harness = Harness.Create(Samples.ShopifySettings);
        var body = Samples.Edit(Order, o =>
        {
            o["cancelled_at"] = "2026-11-23T05:00:00-05:00";
            o["cancel_reason"] = "customer";
        });

        // Act
        var response = await harness.SendAsync(Samples.Shopify(body));

        // Assert
        AssertOutcome(WebhookOutcome.Ignored, response);
        Assert.Contains("cancelled", response.Message, StringComparison.Ordinal);
        Assert.Empty(harness.Sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_OrdersCreatePendingThenOrdersPaid_EarnsOnceWhenPaid()
    {
        // Arrange: a manual payment method: the order is created pending and marked paid later.
        await using var harness = Harness.Create(Samples.ShopifySettings);
        var pending = Samples.Edit(Order, o => o["financial_status"] = "pending");

        // Act
        var created = await harness.SendAsync(Samples.Shopify(pending, "orders/create", "wh-create"));
        var paid = await harness.SendAsync(Samples.Shopify(Samples.Read(Order), "orders/paid", "wh-paid"));

        // Assert
        AssertOutcome(WebhookOutcome.Ignored, created);
        AssertOutcome(WebhookOutcome.Accepted, paid);
        SaleAssert.Equivalent(ShopifyExpected.Sale with { SourceEventId = "wh-paid" }, Assert.Single(harness.Sink.Sales));
    }

    [Fact]
    public async Task HandleWebhook_RefundsCreate_PublishesAPartialRefundOfItsRefundTransactions()
    {
        // Arrange: a second transaction that failed and a capture must not count.
        await using var harness = Harness.Create(Samples.ShopifySettings);
        var body = Samples.Edit(Refund, r =>
        {
            var transactions = r["transactions"]!.AsArray();
            var failed = transactions[0]!.DeepClone();
            failed["id"] = 179259970;
            failed["status"] = "failure";
            failed["amount"] = "50.00";
            var capture = transactions[0]!.DeepClone();
            capture["id"] = 179259971;
            capture["kind"] = "capture";
            capture["amount"] = "7.00";
            transactions.Add(failed);
            transactions.Add(capture);
        });

        // Act
        var response = await harness.SendAsync(Samples.Shopify(body, "refunds/create", "wh-refund-1"));

        // Assert
        AssertOutcome(WebhookOutcome.Accepted, response);
        var refund = Assert.Single(harness.Sink.Refunds);
        Assert.Equal(("929361462", "820982911946154508", "wh-refund-1"), (refund.ExternalRefundId, refund.ExternalSaleId, refund.SourceEventId));
        Assert.Equal(("USD", 199.00m, false), (refund.Currency, refund.Amount, refund.IsFullRefund));
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 14, 5, 16, TimeSpan.Zero), refund.OccurredAt);
        Assert.Empty(harness.Sink.Sales);
    }

    [Fact]
    public async Task HandleWebhook_RefundsCreateWithoutTransactions_RefundsTheLineItemSubtotals()
    {
        // Arrange
        await using var harness = Harness.Create(Samples.ShopifySettings);
        var body = Samples.Edit(Refund, r => r["transactions"] = new JsonArray());

        // Act
        var response = await harness.SendAsync(Samples.Shopify(body, "refunds/create", "wh-refund-2"));

        // Assert
        AssertOutcome(WebhookOutcome.Accepted, response);
        var refund = Assert.Single(harness.Sink.Refunds);
        Assert.Equal(("USD", 199.0m, false), (refund.Currency, refund.Amount, refund.IsFullRefund));
    }

    [Fact]
    public async Task HandleWebhook_RefundsCreateGivingNoMoneyBack_IsIgnoredWithTheReason()
    {
        // Arrange: a restock-only refund: no transactions, nothing refunded on the lines.
        await using var harness = Harness.Create(Samples.ShopifySettings);
        var body = Samples.Edit(Refund, r =>
        {
            r["transactions"] = new JsonArray();
            r["refund_line_items"] = new JsonArray();
        });

        // Act
        var response = await harness.SendAsync(Samples.Shopify(body, "refunds/create", "wh-refund-3"));

        // Assert
        AssertOutcome(WebhookOutcome.Ignored, response);
        Assert.Contains("929361462", response.Message, StringComparison.Ordinal);
        Assert.Empty(harness.Sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_RefundOfATestOrder_IsIgnored()
    {
        // Arrange
        await using var harness = Harness.Create(Samples.ShopifySettings);
        var body = Samples.Edit(Refund, r => r["transactions"]![0]!["test"] = true);

        // Act
        var response = await harness.SendAsync(Samples.Shopify(body, "refunds/create", "wh-refund-4"));

        // Assert
        AssertOutcome(WebhookOutcome.Ignored, response);
        Assert.Empty(harness.Sink.Records);
    }

    [Theory]
    [InlineData("paid")]
    [InlineData("partially_refunded")]
    [InlineData("refunded")]
    public async Task HandleWebhook_OrdersCancelledOfAPaidOrder_PublishesAFullRefund(string financialStatus)
    {
        // Arrange
        await using var harness = Harness.Create(Samples.ShopifySettings);
        var body = Samples.Edit(Order, o =>
        {
            o["cancelled_at"] = "2026-11-23T06:00:00-05:00";
            o["cancel_reason"] = "customer";
            o["financial_status"] = financialStatus;
        });

        // Act
        var response = await harness.SendAsync(Samples.Shopify(body, "orders/cancelled", "wh-cancel-1"));

        // Assert
        AssertOutcome(WebhookOutcome.Accepted, response);
        var refund = Assert.Single(harness.Sink.Refunds);
        Assert.Equal("820982911946154508", refund.ExternalSaleId);
        Assert.NotEqual(refund.ExternalSaleId, refund.ExternalRefundId);
        Assert.Equal(("USD", 403.00m, true), (refund.Currency, refund.Amount, refund.IsFullRefund));
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 11, 0, 0, TimeSpan.Zero), refund.OccurredAt);
        Assert.Empty(harness.Sink.Sales);
    }

    [Theory]
    [InlineData("pending")]
    [InlineData("authorized")]
    [InlineData("voided")]
    [InlineData("expired")]
    public async Task HandleWebhook_OrdersCancelledOfAnUnpaidOrder_IsIgnored(string financialStatus)
    {
        // Arrange
        await using var harness = Harness.Create(Samples.ShopifySettings);
        var body = Samples.Edit(Order, o =>
        {
            o["cancelled_at"] = "2026-11-23T06:00:00-05:00";
            o["financial_status"] = financialStatus;
        });

        // Act
        var response = await harness.SendAsync(Samples.Shopify(body, "orders/cancelled", "wh-cancel-2"));

        // Assert
        AssertOutcome(WebhookOutcome.Ignored, response);
        Assert.Empty(harness.Sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_ManualDiscountTitledWithACode_ReachesTheSaleDiscounts()
    {
        // Arrange: a cashier typed the Redeem Code as the title of a manual discount; no discount code was used.
        await using var harness = Harness.Create(Samples.ShopifySettings);
        var body = Samples.Edit(Order, o =>
        {
            o["discount_codes"] = new JsonArray();
            o["discount_applications"] = JsonNode.Parse("""
                [ { "target_type": "line_item", "type": "manual", "value": "10.0", "value_type": "fixed_amount", "allocation_method": "across",
                    "target_selection": "all", "title": " free-7k2p ", "description": "Loyalty voucher" } ]
                """);
        });

        // Act
        var response = await harness.SendAsync(Samples.Shopify(body));

        // Assert
        AssertOutcome(WebhookOutcome.Accepted, response);
        var discount = Assert.Single(Assert.Single(harness.Sink.Sales).Discounts);
        Assert.Equal(((string?)null, "free-7k2p"), (discount.Code, discount.Name));
    }

    [Fact]
    public async Task HandleWebhook_DiscountApplicationWithOnlyACode_ReachesTheSaleDiscounts()
    {
        // Arrange: the code sits in discount_applications alone (discount_codes empty, as on some POS orders).
        await using var harness = Harness.Create(Samples.ShopifySettings);
        var body = Samples.Edit(Order, o => o["discount_codes"] = new JsonArray());

        // Act
        var response = await harness.SendAsync(Samples.Shopify(body));

        // Assert
        AssertOutcome(WebhookOutcome.Accepted, response);
        var discount = Assert.Single(Assert.Single(harness.Sink.Sales).Discounts);
        Assert.Equal("FREE-7K2P", discount.Code);
    }

    [Fact]
    public async Task HandleWebhook_CodeManualTitleAndApplicationCode_AllReachTheSaleOnceEach()
    {
        // Arrange: a discount code (in both lists, as Shopify writes it) and a manual discount titled with another code.
        await using var harness = Harness.Create(Samples.ShopifySettings);
        var body = Samples.Edit(Order, o => o["discount_applications"]!.AsArray().Add(JsonNode.Parse("""
            { "target_type": "line_item", "type": "manual", "value": "5.0", "value_type": "fixed_amount", "allocation_method": "across", "target_selection": "all", "title": "GIFT-9Q3M", "description": "" }
            """)));

        // Act
        var response = await harness.SendAsync(Samples.Shopify(body));

        // Assert
        AssertOutcome(WebhookOutcome.Accepted, response);
        var discounts = Assert.Single(harness.Sink.Sales).Discounts;
        Assert.Equal(2, discounts.Count);
        Assert.Equal(("FREE-7K2P", (string?)null, 10.00m), (discounts[0].Code, discounts[0].Name, discounts[0].Amount));
        Assert.Equal(((string?)null, "GIFT-9Q3M"), (discounts[1].Code, discounts[1].Name));
    }
}
