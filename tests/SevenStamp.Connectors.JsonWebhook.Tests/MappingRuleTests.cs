using System.Text;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.JsonWebhook.Tests;

/// <summary>
/// The mapping language's rules for any POS: records to ignore (with a reason), mappings per event type, several
/// discount sources, a field's fallbacks, and amounts added up over the matching elements of an array.
/// </summary>
public sealed class MappingRuleTests
{
    private const string Secret = "till-shared-secret-0123456789";

    /// <summary>A till that posts orders and returns, with its event type in the body and a status that says whether an order is paid.</summary>
    private const string Mapping = """
        {
          "saleId": "$.order.id",
          "occurredAt": "$.order.at",
          "total": "$.order.total",
          "currency": { "value": "EUR" },
          "customerId": "$.order.customer",
          "ignore": [
            { "when": { "path": "$.order.training", "equals": true }, "reason": "a training order" },
            { "when": { "path": "$.order.voided_at", "exists": true }, "reason": "the order was voided" },
            { "when": { "path": "$.order.status", "notEquals": ["paid", "closed"] }, "reason": "the order is not paid" }
          ],
          "discounts": [
            { "path": "$.order.coupons[*]", "code": "$.code", "amount": "$.value" },
            { "path": "$.order.adjustments[*]", "name": "$.label" }
          ],
          "eventTypes": {
            "order.returned": {
              "ignore": [],
              "refund": {
                "when": "always",
                "refundId": { "path": "$.return.id", "convert": "prefix:ret-" },
                "saleId": "$.order.id",
                "occurredAt": ["$.return.at", "$.order.at"],
                "amount": [
                  { "from": "$.return.payments[*]", "where": { "path": "$.state", "equals": "done" }, "path": "$.amount" },
                  { "value": "0" }
                ]
              }
            }
          }
        }
        """;

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["mapping"] = Mapping,
        ["secret"] = Secret,
        ["eventTypePath"] = "$.event",
        ["acceptEventTypes"] = "order.paid,order.returned",
    };

    private static WebhookRequest Signed(string body, string? delivery = null)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var headers = new Dictionary<string, string> { ["X-Signature"] = WebhookSignatures.ComputeHmacSha256(bytes, Encoding.UTF8.GetBytes(Secret), SignatureEncoding.Hex) };
        if (delivery is not null)
        {
            headers["X-Delivery"] = delivery;
        }

        return new WebhookRequest("POST", headers, bytes, DateTimeOffset.UnixEpoch);
    }

    private static string Paid(string extra = "", string status = "paid") =>
        $$"""{ "event": "order.paid", "order": { "id": "T-1", "at": "2026-11-23T09:30:00Z", "total": 12.5, "customer": "c-1", "status": "{{status}}" {{extra}} } }""";

    private static void AssertOutcome(WebhookOutcome expected, WebhookResponse response) =>
        Assert.True(response.Outcome == expected, $"Expected {expected}, got {response.StatusCode} {response.Outcome}: {response.Message}");

    [Theory]
    [InlineData(", \"training\": true", "a training order")]
    [InlineData(", \"voided_at\": \"2026-11-23T10:00:00Z\"", "the order was voided")]
    public async Task HandleWebhook_RecordMatchingAnIgnoreRule_IsIgnoredWithItsReason(string extra, string reason)
    {
        // Arrange
        await using var harness = Harness.Create(Settings);

        // Act
        var response = await harness.SendAsync(Signed(Paid(extra)));

        // Assert
        AssertOutcome(WebhookOutcome.Ignored, response);
        Assert.Equal(200, response.StatusCode);
        Assert.Contains(reason, response.Message, StringComparison.Ordinal);
        Assert.Contains("T-1", response.Message, StringComparison.Ordinal);
        Assert.Empty(harness.Sink.Records);
    }

    [Theory]
    [InlineData("pending", WebhookOutcome.Ignored)]
    [InlineData("PAID", WebhookOutcome.Accepted)]
    [InlineData("closed", WebhookOutcome.Accepted)]
    public async Task HandleWebhook_NotEqualsRule_IgnoresEveryOtherValue(string status, WebhookOutcome expected)
    {
        // Arrange
        await using var harness = Harness.Create(Settings);

        // Act
        var response = await harness.SendAsync(Signed(Paid(status: status)));

        // Assert
        AssertOutcome(expected, response);
    }

    [Fact]
    public async Task HandleWebhook_NotEqualsRuleAndTheFieldMissing_IsIgnored()
    {
        // Arrange: without a status nothing says the order is paid.
        await using var harness = Harness.Create(Settings);
        var body = """{ "event": "order.paid", "order": { "id": "T-1", "at": "2026-11-23T09:30:00Z", "total": 12.5 } }""";

        // Act
        var response = await harness.SendAsync(Signed(body));

        // Assert
        AssertOutcome(WebhookOutcome.Ignored, response);
    }

    [Fact]
    public async Task HandleWebhook_IgnoredRecordWithBrokenFields_IsIgnoredNotRefused()
    {
        // Arrange: a training order whose total is not a number: the rule answers first.
        await using var harness = Harness.Create(Settings);
        var body = """{ "event": "order.paid", "order": { "id": "T-1", "at": "yesterday", "total": "lots", "training": true } }""";

        // Act
        var response = await harness.SendAsync(Signed(body));

        // Assert
        AssertOutcome(WebhookOutcome.Ignored, response);
    }

    [Fact]
    public async Task HandleWebhook_SeveralDiscountSources_AllReachTheSale()
    {
        // Arrange
        await using var harness = Harness.Create(Settings);
        var body = Paid(", \"coupons\": [ { \"code\": \"FREE-7K2P\", \"value\": 2.5 } ], \"adjustments\": [ { \"label\": \"GIFT-9Q3M\" }, { \"label\": \"free-7k2p\" } ]");

        // Act
        var response = await harness.SendAsync(Signed(body));

        // Assert
        AssertOutcome(WebhookOutcome.Accepted, response);
        var discounts = Assert.Single(harness.Sink.Sales).Discounts;
        Assert.Equal(3, discounts.Count);
        Assert.Equal(("FREE-7K2P", (string?)null, 2.5m), (discounts[0].Code, discounts[0].Name, discounts[0].Amount));
        Assert.Equal(((string?)null, "GIFT-9Q3M"), (discounts[1].Code, discounts[1].Name));
        Assert.Equal(((string?)null, "free-7k2p"), (discounts[2].Code, discounts[2].Name));
    }

    [Fact]
    public async Task HandleWebhook_EventTypeWithItsOwnMapping_UsesItAndAddsUpTheMatchingElements()
    {
        // Arrange: two payments given back, one still pending.
        await using var harness = Harness.Create(Settings);
        var body = """
            { "event": "order.returned", "order": { "id": "T-1", "at": "2026-11-23T09:30:00Z", "total": 12.5, "status": "refunded" },
              "return": { "id": "R-7", "at": "2026-11-24T08:00:00Z",
                          "payments": [ { "state": "done", "amount": 2.5 }, { "state": "done", "amount": "1.25" }, { "state": "pending", "amount": 9 } ] } }
            """;

        // Act
        var response = await harness.SendAsync(Signed(body));

        // Assert
        AssertOutcome(WebhookOutcome.Accepted, response);
        var refund = Assert.Single(harness.Sink.Refunds);
        Assert.Equal(("ret-R-7", "T-1", 3.75m, false), (refund.ExternalRefundId, refund.ExternalSaleId, refund.Amount, refund.IsFullRefund));
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero), refund.OccurredAt);
    }

    [Fact]
    public async Task HandleWebhook_FieldWithFallbacks_TakesTheFirstThatIsThere()
    {
        // Arrange: the return has no time of its own.
        await using var harness = Harness.Create(Settings);
        var body = """
            { "event": "order.returned", "order": { "id": "T-1", "at": "2026-11-23T09:30:00Z", "total": 12.5 },
              "return": { "id": "R-8", "payments": [ { "state": "done", "amount": 1 } ] } }
            """;

        // Act
        var response = await harness.SendAsync(Signed(body));

        // Assert
        AssertOutcome(WebhookOutcome.Accepted, response);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero), Assert.Single(harness.Sink.Refunds).OccurredAt);
    }

    [Fact]
    public async Task HandleWebhook_PartialRefundOfNothing_IsIgnoredNotRefused()
    {
        // Arrange: every payment of the return is still pending, so nothing was given back yet.
        await using var harness = Harness.Create(Settings);
        var body = """
            { "event": "order.returned", "order": { "id": "T-1", "at": "2026-11-23T09:30:00Z", "total": 12.5 },
              "return": { "id": "R-9", "payments": [ { "state": "pending", "amount": 9 } ] } }
            """;

        // Act
        var response = await harness.SendAsync(Signed(body));

        // Assert
        AssertOutcome(WebhookOutcome.Ignored, response);
        Assert.Contains("R-9", response.Message, StringComparison.Ordinal);
        Assert.Empty(harness.Sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_BatchWithAnIgnoredRecord_PublishesTheOthersAndSaysWhichWasIgnored()
    {
        // Arrange
        var mapping = """
            { "records": "$.receipts[*]", "saleId": "$.no", "occurredAt": "$.at", "total": "$.total", "currency": { "value": "EUR" },
              "ignore": [ { "when": { "path": "$.cancelled", "equals": true }, "reason": "a cancelled receipt" } ] }
            """;
        await using var harness = Harness.Create(new Dictionary<string, string?> { ["mapping"] = mapping, ["secret"] = Secret });
        var body = """
            { "receipts": [ { "no": "1", "at": "2026-11-23T09:30:00Z", "total": 3 }, { "no": "2", "at": "2026-11-23T09:31:00Z", "total": 4, "cancelled": true } ] }
            """;

        // Act
        var response = await harness.SendAsync(Signed(body));

        // Assert
        AssertOutcome(WebhookOutcome.Accepted, response);
        Assert.Contains("a cancelled receipt", response.Message, StringComparison.Ordinal);
        Assert.Equal("1", Assert.Single(harness.Sink.Sales).ExternalSaleId);
    }

    [Theory]
    [InlineData("""{ "ignore": { "when": { "path": "$.x", "equals": true }, "reason": "r" } }""", "mapping.ignore", "list")]
    [InlineData("""{ "ignore": [ { "when": { "path": "$.x", "equals": true } } ] }""", "mapping.ignore[0].reason", "required")]
    [InlineData("""{ "ignore": [ { "reason": "r" } ] }""", "mapping.ignore[0].when", "required")]
    [InlineData("""{ "ignore": [ { "when": { "path": "$.x", "matches": "y" }, "reason": "r" } ] }""", "mapping.ignore[0].when", "notEquals")]
    [InlineData("""{ "ignore": [ { "when": { "path": "$.x", "exists": "yes" }, "reason": "r" } ] }""", "mapping.ignore[0].when", "exists")]
    [InlineData("""{ "ignore": [ { "when": { "path": "x", "equals": 1 }, "reason": "r" } ] }""", "mapping.ignore[0].when", "must start with '$'")]
    [InlineData("""{ "eventTypes": { "order.returned": { "saleId": 5 } } }""", "mapping.eventTypes['order.returned'].saleId", "path")]
    [InlineData("""{ "eventTypes": { "order.returned": { "eventTypes": {} } } }""", "mapping.eventTypes['order.returned'].eventTypes", "cannot")]
    [InlineData("""{ "eventTypes": [] }""", "mapping.eventTypes", "object")]
    [InlineData("""{ "discounts": [] }""", "mapping.discounts", "at least one")]
    [InlineData("""{ "discounts": [ { "path": "$.a[*]", "code": "$.c" }, { "code": "$.c" } ] }""", "mapping.discounts[1].path", "required")]
    [InlineData("""{ "total": { "from": "$.a[*]", "where": { "path": "$.b", "equals": 1 } } }""", "mapping.total", "path")]
    [InlineData("""{ "total": { "path": "$.a", "where": { "path": "$.b", "equals": 1 } } }""", "mapping.total", "from")]
    [InlineData("""{ "total": [] }""", "mapping.total", "at least one")]
    [InlineData("""{ "total": [ "$.a", [ "$.b" ] ] }""", "mapping.total[1]", "list")]
    [InlineData("""{ "refund": { "when": "sometimes", "saleId": "$.s" } }""", "mapping.refund.when", "always")]
    [InlineData("""{ "customerId": { "path": "$.c", "convert": "prefix:" } }""", "mapping.customerId", "prefix")]
    public void Validate_MalformedRule_NamesTheFieldAndTheFix(string change, string field, string hint)
    {
        // Arrange
        var baseMapping = System.Text.Json.JsonDocument.Parse(Mapping).RootElement;
        var merged = new Dictionary<string, System.Text.Json.JsonElement>(StringComparer.Ordinal);
        foreach (var property in baseMapping.EnumerateObject())
        {
            merged[property.Name] = property.Value;
        }

        foreach (var property in System.Text.Json.JsonDocument.Parse(change).RootElement.EnumerateObject())
        {
            merged[property.Name] = property.Value;
        }

        var settings = Harness.With(Settings, ("mapping", System.Text.Json.JsonSerializer.Serialize(merged)));

        // Act
        var errors = Harness.Errors(settings);

        // Assert
        Assert.Contains(errors, e => e.Field == field && e.Message.Contains(hint, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_MappingHoldingTextThatIsNotText_IsAnErrorNotAnException()
    {
        // Arrange: a lone surrogate escape in a path of the merchant's mapping.
        var settings = Harness.With(Settings, ("mapping", Mapping.Replace("\"$.order.customer\"", "\"$.order.\\ud800\"", StringComparison.Ordinal)));

        // Act
        var errors = Harness.Errors(settings);

        // Assert
        Assert.Contains(errors, e => e.Field == "mapping" && e.Message.Contains("$.customerId is not valid text", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_EventTypesWithoutAnEventTypeSource_IsAnError()
    {
        // Arrange
        var settings = new Dictionary<string, string?> { ["mapping"] = Mapping, ["secret"] = Secret };

        // Act
        var errors = Harness.Errors(settings);

        // Assert
        Assert.Contains(errors, e => e.Field == "mapping.eventTypes" && e.Message.Contains("eventTypeHeader", StringComparison.Ordinal));
    }
}
