using SevenStamp.Connectors.Sdk;
using SevenStamp.Connectors.TestKit;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Square.Tests;

public sealed class WebhookTests : IAsyncLifetime
{
    private FakeSquareServer _square = null!;
    private SquareHarness _harness = null!;

    public async ValueTask InitializeAsync()
    {
        _square = await FakeSquareServer.StartAsync();
        _harness = SquareHarness.Create(_square);
    }

    public async ValueTask DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _square.DisposeAsync();
    }

    private static void AssertOutcome(WebhookOutcome expected, WebhookResponse response) =>
        Assert.True(response.Outcome == expected, $"Expected {expected}, got {response.Outcome} ({response.StatusCode}): {response.Message}");

    [Fact]
    public async Task HandleWebhook_CompletedPayment_FetchesItsOrderAndPublishesTheSaleInFull()
    {
        _square.PutOrder(SquarePayloads.Order("ORD-1001", customerId: "CUST-ANA-01", total: 380, discountName: "FREE-7K2P", discount: 70, version: 5));

        var response = await _harness.SendAsync(SquarePayloads.PaymentEvent("evt-1", "payment.created", "PAY1001", "COMPLETED", "ORD-1001"));

        AssertOutcome(WebhookOutcome.Accepted, response);
        var sale = Assert.Single(_harness.Sink.Sales);
        Assert.Equal(("ORD-1001", 5L, "evt-1", SquarePayloads.Location), (sale.ExternalSaleId, sale.ExternalSaleVersion, sale.SourceEventId, sale.LocationId));
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 9, 30, 5, TimeSpan.Zero), sale.OccurredAt);
        Assert.Equal("CUST-ANA-01", sale.Customer.PosCustomerId);
        Assert.Equal(("EUR", 3.80m), (sale.Currency, sale.Total));
        var line = Assert.Single(sale.LineItems);
        Assert.Equal(("CATVAR-LATTE-L", "Latte (Large)", 1m, 4.50m), (line.CatalogObjectId, line.Name, line.Quantity, line.UnitPrice));
        var discount = Assert.Single(sale.Discounts);
        Assert.Equal(((string?)null, "FREE-7K2P", 0.70m), (discount.Code, discount.Name, discount.Amount));
        Assert.Equal(ConnectorHarness.MerchantId, sale.MerchantId);
        Assert.True(await _harness.Store.IsSeenAsync("evt-1", CancellationToken.None));
    }

    [Fact]
    public async Task HandleWebhook_EveryApiCall_CarriesTheBearerTokenAndTheSquareVersion()
    {
        _square.PutOrder(SquarePayloads.Order("ORD-H"));
        await using var pinned = SquareHarness.Create(_square, v => v["squareVersion"] = "2025-09-24");

        await _harness.SendAsync(SquarePayloads.PaymentEvent("evt-h1", "payment.updated", "PAYH1", "COMPLETED", "ORD-H"));
        await pinned.SendAsync(SquarePayloads.PaymentEvent("evt-h2", "payment.updated", "PAYH2", "COMPLETED", "ORD-H"));

        var requests = _square.RequestsTo("/v2/orders/ORD-H");
        Assert.Equal(2, requests.Count);
        Assert.All(requests, r => Assert.Equal("Bearer " + FakeSquareServer.AccessToken, r.Authorization));
        Assert.Equal([SquareConnector.DefaultSquareVersion, "2025-09-24"], requests.Select(r => r.SquareVersion));
    }

    [Theory]
    [InlineData("APPROVED")]
    [InlineData("PENDING")]
    [InlineData("CANCELED")]
    [InlineData("FAILED")]
    public async Task HandleWebhook_PaymentNotCompleted_MakesNoSaleAndCallsNoApi(string status)
    {
        _square.PutOrder(SquarePayloads.Order("ORD-2"));

        var response = await _harness.SendAsync(SquarePayloads.PaymentEvent("evt-2", "payment.updated", "PAY2000", status, "ORD-2"));

        AssertOutcome(WebhookOutcome.Ignored, response);
        Assert.Equal(200, response.StatusCode);
        Assert.Contains(status, response.Message, StringComparison.Ordinal);
        Assert.Empty(_harness.Sink.Records);
        Assert.Empty(_square.Requests);
    }

    [Fact]
    public async Task HandleWebhook_PaymentApprovedThenCompleted_MakesTheSaleOnce()
    {
        _square.PutOrder(SquarePayloads.Order("ORD-3"));

        var created = await _harness.SendAsync(SquarePayloads.PaymentEvent("evt-3a", "payment.created", "PAY3000", "APPROVED", "ORD-3"));
        var completed = await _harness.SendAsync(SquarePayloads.PaymentEvent("evt-3b", "payment.updated", "PAY3000", "COMPLETED", "ORD-3"));
        var laterUpdate = await _harness.SendAsync(SquarePayloads.PaymentEvent("evt-3c", "payment.updated", "PAY3000", "COMPLETED", "ORD-3"));
        var orderUpdated = await _harness.SendAsync(SquarePayloads.OrderEvent("evt-3d", "order.updated", "ORD-3", "COMPLETED"));
        var redelivered = await _harness.SendAsync(SquarePayloads.PaymentEvent("evt-3b", "payment.updated", "PAY3000", "COMPLETED", "ORD-3"));

        AssertOutcome(WebhookOutcome.Ignored, created);
        AssertOutcome(WebhookOutcome.Accepted, completed);
        AssertOutcome(WebhookOutcome.Duplicate, laterUpdate);
        AssertOutcome(WebhookOutcome.Duplicate, orderUpdated);
        AssertOutcome(WebhookOutcome.Duplicate, redelivered);
        Assert.Equal(200, redelivered.StatusCode);
        Assert.Equal("ORD-3", Assert.Single(_harness.Sink.Sales).ExternalSaleId);
        // The order was read once: the later events of the checkout stopped at the store.
        Assert.Single(_square.RequestsTo("/v2/orders/ORD-3"));
    }

    [Fact]
    public async Task HandleWebhook_PaymentAtALocationNotWatched_IsIgnoredWithoutAnApiCall()
    {
        var response = await _harness.SendAsync(SquarePayloads.PaymentEvent("evt-4", "payment.updated", "PAY4000", "COMPLETED", "ORD-4", location: "LOTHERSHOP01"));

        AssertOutcome(WebhookOutcome.Ignored, response);
        Assert.Contains("LOTHERSHOP01", response.Message, StringComparison.Ordinal);
        Assert.Empty(_square.Requests);
    }

    [Fact]
    public async Task HandleWebhook_CompletedPaymentWithoutAnOrder_IsIgnored()
    {
        var response = await _harness.SendAsync(SquarePayloads.PaymentEvent("evt-5", "payment.updated", "PAY5000", "COMPLETED", orderId: null));

        AssertOutcome(WebhookOutcome.Ignored, response);
        Assert.Empty(_square.Requests);
    }

    [Fact]
    public async Task HandleWebhook_SplitOrderPayments_FirstWaitsAndTheLastMakesTheSale()
    {
        _square.PutOrder(SquarePayloads.Order("ORD-6", state: "OPEN", netAmountDue: "200"));
        var first = await _harness.SendAsync(SquarePayloads.PaymentEvent("evt-6a", "payment.updated", "PAY6001", "COMPLETED", "ORD-6", amount: 250));
        _square.PutOrder(SquarePayloads.Order("ORD-6", state: "COMPLETED", version: 6));
        var second = await _harness.SendAsync(SquarePayloads.PaymentEvent("evt-6b", "payment.updated", "PAY6002", "COMPLETED", "ORD-6", amount: 200));

        AssertOutcome(WebhookOutcome.Ignored, first);
        AssertOutcome(WebhookOutcome.Accepted, second);
        Assert.Equal(6, Assert.Single(_harness.Sink.Sales).ExternalSaleVersion);
    }

    [Fact]
    public async Task HandleWebhook_PaidOrderStillOpenForPickup_MakesTheSale()
    {
        _square.PutOrder(SquarePayloads.Order("ORD-7", state: "OPEN", netAmountDue: "0"));

        var response = await _harness.SendAsync(SquarePayloads.PaymentEvent("evt-7", "payment.updated", "PAY7000", "COMPLETED", "ORD-7"));

        AssertOutcome(WebhookOutcome.Accepted, response);
    }

    [Fact]
    public async Task HandleWebhook_OrderNamesNoCustomer_UsesThePaymentCustomer()
    {
        _square.PutOrder(SquarePayloads.Order("ORD-8", customerId: null));

        await _harness.SendAsync(SquarePayloads.PaymentEvent("evt-8", "payment.updated", "PAY8000", "COMPLETED", "ORD-8", customerId: "CUST-FROM-PAYMENT"));

        Assert.Equal("CUST-FROM-PAYMENT", Assert.Single(_harness.Sink.Sales).Customer.PosCustomerId);
    }

    [Fact]
    public async Task HandleWebhook_AnonymousSale_IsPublishedWithoutACustomer()
    {
        _square.PutOrder(SquarePayloads.Order("ORD-9", customerId: null));

        await _harness.SendAsync(SquarePayloads.PaymentEvent("evt-9", "payment.updated", "PAY9000", "COMPLETED", "ORD-9"));

        Assert.Null(Assert.Single(_harness.Sink.Sales).Customer.PosCustomerId);
    }

    [Theory]
    [InlineData("order.updated")]
    [InlineData("order.created")]
    public async Task HandleWebhook_CompletedApiOrderEvent_MakesTheSale(string type)
    {
        _square.PutOrder(SquarePayloads.Order("ORD-10", version: 2));

        var response = await _harness.SendAsync(SquarePayloads.OrderEvent("evt-10", type, "ORD-10", "COMPLETED"));

        AssertOutcome(WebhookOutcome.Accepted, response);
        Assert.Equal(("ORD-10", "evt-10"), (Assert.Single(_harness.Sink.Sales).ExternalSaleId, _harness.Sink.Sales[0].SourceEventId));
    }

    [Theory]
    [InlineData("OPEN")]
    [InlineData("DRAFT")]
    [InlineData("CANCELED")]
    public async Task HandleWebhook_OrderEventNotCompleted_IsIgnoredWithoutAnApiCall(string state)
    {
        var response = await _harness.SendAsync(SquarePayloads.OrderEvent("evt-11", "order.updated", "ORD-11", state));

        AssertOutcome(WebhookOutcome.Ignored, response);
        Assert.Empty(_square.Requests);
    }

    [Fact]
    public async Task HandleWebhook_PendingThenCompletedRefund_IgnoresThePendingAndPublishesTheCompletedOnce()
    {
        _square.PutOrder(SquarePayloads.Order("ORD-12", total: 900));

        var created = await _harness.SendAsync(SquarePayloads.RefundEvent("evt-12a", "refund.created", "RF12_ab", "PENDING", "ORD-12", 300));
        var updated = await _harness.SendAsync(SquarePayloads.RefundEvent("evt-12b", "refund.updated", "RF12_ab", "COMPLETED", "ORD-12", 300));
        var again = await _harness.SendAsync(SquarePayloads.RefundEvent("evt-12c", "refund.updated", "RF12_ab", "COMPLETED", "ORD-12", 300));

        AssertOutcome(WebhookOutcome.Ignored, created);
        AssertOutcome(WebhookOutcome.Accepted, updated);
        AssertOutcome(WebhookOutcome.Duplicate, again);
        var refund = Assert.Single(_harness.Sink.Refunds);
        Assert.Equal(("RF12_ab", "ORD-12", "evt-12b", "EUR", 3.00m, false), (refund.ExternalRefundId, refund.ExternalSaleId, refund.SourceEventId, refund.Currency, refund.Amount, refund.IsFullRefund));
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 14, 5, 16, 381, TimeSpan.Zero), refund.OccurredAt);
    }

    [Fact]
    public async Task HandleWebhook_RefundOfTheWholeTotal_IsAFullRefund()
    {
        _square.PutOrder(SquarePayloads.Order("ORD-13", total: 900));

        await _harness.SendAsync(SquarePayloads.RefundEvent("evt-13", "refund.created", "RF13_cd", "COMPLETED", "ORD-13", 900));

        Assert.True(Assert.Single(_harness.Sink.Refunds).IsFullRefund);
    }

    [Fact]
    public async Task HandleWebhook_RefundWhoseOrderIsAReturnOrder_RefundsTheSourceSale()
    {
        _square.PutOrder(SquarePayloads.Order("ORD-14", total: 1200));
        _square.PutOrder("""
            { "id": "RET-14", "location_id": "L8GH2TQ4V1K9B", "state": "COMPLETED", "version": 1,
              "returns": [ { "uid": "ret-1", "source_order_id": "ORD-14",
                             "return_line_items": [ { "uid": "rli-1", "quantity": "1", "name": "Latte", "base_price_money": { "amount": 1200, "currency": "EUR" } } ] } ],
              "return_amounts": { "total_money": { "amount": 1200, "currency": "EUR" } },
              "total_money": { "amount": 0, "currency": "EUR" },
              "created_at": "2026-11-24T14:02:41.000Z", "updated_at": "2026-11-24T14:05:16.000Z", "closed_at": "2026-11-24T14:05:16.000Z" }
            """);

        var response = await _harness.SendAsync(SquarePayloads.RefundEvent("evt-14", "refund.updated", "RF14_ef", "COMPLETED", "RET-14", 1200));

        AssertOutcome(WebhookOutcome.Accepted, response);
        var refund = Assert.Single(_harness.Sink.Refunds);
        Assert.Equal(("ORD-14", true), (refund.ExternalSaleId, refund.IsFullRefund));
    }

    [Fact]
    public async Task HandleWebhook_RefundInYen_KeepsWholeUnits()
    {
        _square.PutOrder(SquarePayloads.Order("ORD-15", total: 1500, currency: "JPY"));

        await _harness.SendAsync(SquarePayloads.RefundEvent("evt-15", "refund.updated", "RF15_gh", "COMPLETED", "ORD-15", 500, currency: "JPY"));

        var refund = Assert.Single(_harness.Sink.Refunds);
        Assert.Equal(("JPY", 500m, false), (refund.Currency, refund.Amount, refund.IsFullRefund));
    }

    [Fact]
    public async Task HandleWebhook_AnotherEventType_IsAcknowledgedAndIgnored()
    {
        var response = await _harness.SendAsync("""{"merchant_id":"MLQW8ZK2E4R7T","type":"customer.created","event_id":"evt-16","created_at":"2026-11-23T09:30:00Z","data":{"type":"customer","id":"C1","object":{"customer":{"id":"C1"}}}}""");

        AssertOutcome(WebhookOutcome.Ignored, response);
        Assert.True(await _harness.Store.IsSeenAsync("evt-16", CancellationToken.None));
    }

    [Theory]
    [InlineData("""{ "type": "payment.updated", "event_id": "evt-17", "data": { "object": { "payment": { "id": "P1", "status" """, "not valid JSON")]
    [InlineData("""{ "type": "payment.updated", "event_id": "evt-17", "data": { "object": { "payment": { "id": "P1" } } } }""", "data.object.payment.status is required")]
    [InlineData("""{ "type": "payment.updated", "event_id": "evt-17", "data": { "object": { "payment": { "id": 7, "status": "COMPLETED" } } } }""", "data.object.payment.id must be a string")]
    [InlineData("""{ "type": "order.updated", "event_id": "evt-17", "data": { "object": { "order_updated": { "state": "COMPLETED" } } } }""", "data.object.order_updated.order_id is required")]
    [InlineData("""{ "type": "refund.updated", "event_id": "evt-17", "data": { "object": { "refund": { "id": "R1", "status": "COMPLETED", "updated_at": "2026-11-24T14:05:16Z" } } } }""", "data.object.refund.amount_money is required")]
    [InlineData("""{ "type": "refund.updated", "event_id": "evt-17", "data": { "object": { "refund": { "id": "R1", "status": "COMPLETED", "updated_at": "yesterday", "amount_money": { "amount": 1, "currency": "EUR" } } } } }""", "data.object.refund.updated_at must be an RFC 3339 timestamp")]
    [InlineData("""{ "type": "refund.updated", "event_id": "evt-17", "data": { "object": { "refund": { "id": "R1", "status": "COMPLETED", "updated_at": "2026-11-24T14:05:16Z", "amount_money": { "amount": "5", "currency": "EUR" } } } } }""", "data.object.refund.amount_money.amount must be a whole number")]
    public async Task HandleWebhook_SignedButMalformedEvent_Gets400NamingTheField(string body, string expected)
    {
        var response = await _harness.SendAsync(body);

        AssertOutcome(WebhookOutcome.Invalid, response);
        Assert.Equal(400, response.StatusCode);
        Assert.Contains(expected, response.Message, StringComparison.Ordinal);
        Assert.Empty(_harness.Sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_Api429ThenSuccess_IsRetriedInsideOneWebhook()
    {
        _square.PutOrder(SquarePayloads.Order("ORD-18"));
        _square.FailNext(429);

        var response = await _harness.SendAsync(SquarePayloads.PaymentEvent("evt-18", "payment.updated", "PAY1800", "COMPLETED", "ORD-18"));

        AssertOutcome(WebhookOutcome.Accepted, response);
        Assert.Equal(2, _square.RequestsTo("/v2/orders/ORD-18").Count);
    }

    [Fact]
    public async Task HandleWebhook_Api500ThenSuccess_IsRetriedInsideOneWebhook()
    {
        _square.PutOrder(SquarePayloads.Order("ORD-19"));
        _square.FailNext(500, 503);

        var response = await _harness.SendAsync(SquarePayloads.PaymentEvent("evt-19", "payment.updated", "PAY1900", "COMPLETED", "ORD-19"));

        AssertOutcome(WebhookOutcome.Accepted, response);
        Assert.Equal(3, _square.RequestsTo("/v2/orders/ORD-19").Count);
    }

    [Fact]
    public async Task HandleWebhook_SquareKeepsFailing_Gets503AndItsRedeliveryGoesThrough()
    {
        _square.PutOrder(SquarePayloads.Order("ORD-20"));
        _square.FailNext(500, 500, 500, 500);
        var body = SquarePayloads.PaymentEvent("evt-20", "payment.updated", "PAY2000", "COMPLETED", "ORD-20");

        var failed = await _harness.SendAsync(body);
        var redelivery = await _harness.SendAsync(body);

        AssertOutcome(WebhookOutcome.Unavailable, failed);
        Assert.Equal(503, failed.StatusCode);
        AssertOutcome(WebhookOutcome.Accepted, redelivery);
        Assert.Single(_harness.Sink.Sales);
        // One try and three retries, then the redelivery's one.
        Assert.Equal(5, _square.RequestsTo("/v2/orders/ORD-20").Count);
    }

    [Fact]
    public async Task HandleWebhook_RefusedAccessToken_Gets503SoSquareRetriesOnceItIsFixed()
    {
        await using var wrongToken = SquareHarness.Create(_square, v => v["accessToken"] = "EAAAl-revoked-token");
        _square.PutOrder(SquarePayloads.Order("ORD-21"));

        var response = await wrongToken.SendAsync(SquarePayloads.PaymentEvent("evt-21", "payment.updated", "PAY2100", "COMPLETED", "ORD-21"));

        AssertOutcome(WebhookOutcome.Unavailable, response);
        Assert.Single(_square.RequestsTo("/v2/orders/ORD-21"));
        Assert.Contains(wrongToken.Logger.Lines, l => l.Contains("401", StringComparison.Ordinal) && l.Contains("accessToken", StringComparison.Ordinal));
        Assert.False(await wrongToken.Store.IsSeenAsync("evt-21", CancellationToken.None));
    }

    [Fact]
    public async Task HandleWebhook_SaleTheSinkCannotMakeDurable_IsNotMarkedSeenSoItsRetryGoesThrough()
    {
        _square.PutOrder(SquarePayloads.Order("ORD-23"));
        var body = SquarePayloads.PaymentEvent("evt-23", "payment.updated", "PAY2300", "COMPLETED", "ORD-23");
        _harness.Sink.Unavailable = true;

        await Assert.ThrowsAsync<CheckoutSinkUnavailableException>(() => _harness.SendAsync(body));
        _harness.Sink.Unavailable = false;
        var retry = await _harness.SendAsync(body);

        AssertOutcome(WebhookOutcome.Accepted, retry);
        Assert.Single(_harness.Sink.Sales);
    }

    [Fact]
    public async Task HandleWebhook_AnyTraffic_LogsNeitherSecretsNorCustomerIdsNorPayloads()
    {
        _square.PutOrder(SquarePayloads.Order("ORD-24", customerId: "CUST-SECRETIVE-99"));
        _square.FailNext(500, 500, 500, 500);
        var body = SquarePayloads.PaymentEvent("evt-24", "payment.updated", "PAY2400", "COMPLETED", "ORD-24");

        await _harness.SendAsync(body);
        await _harness.Receiver.HandleWebhookAsync(SquareHarness.Signed(body, "sqwh-wrong-key"), CancellationToken.None);
        await _harness.SendAsync("""{ "type": "payment.updated", "event_id": "evt-25" """);
        await _harness.SendAsync(body);

        Assert.NotEmpty(_harness.Logger.Lines);
        Assert.All(_harness.Logger.Lines, line =>
        {
            Assert.DoesNotContain(FakeSquareServer.AccessToken, line, StringComparison.Ordinal);
            Assert.DoesNotContain(SquareHarness.SignatureKey, line, StringComparison.Ordinal);
            Assert.DoesNotContain("CUST-SECRETIVE-99", line, StringComparison.Ordinal);
            Assert.DoesNotContain("card_details", line, StringComparison.Ordinal);
            Assert.DoesNotContain("Bearer", line, StringComparison.Ordinal);
        });
    }
}
