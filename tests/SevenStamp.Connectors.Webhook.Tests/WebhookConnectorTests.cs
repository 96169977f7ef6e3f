using System.Text;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Connectors.TestKit;

namespace SevenStamp.Connectors.Webhook.Tests;

public class WebhookConnectorTests
{
    private const string Secret = "0123456789abcdef-test-secret";
    private const string OldSecret = "fedcba9876543210-old-secret";

    private static readonly Dictionary<string, string?> Settings = new() { ["signingSecret"] = Secret };

    private const string SaleJson = """
        {
          "eventId": "evt-1",
          "type": "sale.completed",
          "sale": {
            "id": "S-1001", "version": 3, "occurredAt": "2026-11-23T09:30:00+01:00", "locationId": "store-1",
            "customer": { "id": "c-42", "email": " Ana@Example.com ", "phone": "+49 151 1234 5678" },
            "currency": "EUR", "total": "5.60",
            "lineItems": [ { "sku": "ESP-01", "name": "Espresso", "category": "Coffee", "quantity": 2, "unitPrice": 2.80 } ],
            "discounts": [ { "code": "FREE-7K2P", "name": "Free coffee", "amount": 2.80 } ]
          }
        }
        """;

    private static WebhookRequest Signed(string body, string secret = Secret, string header = "X-SevenStamp-Signature", string prefix = "")
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var signature = prefix + WebhookSignatures.ComputeHmacSha256(bytes, Encoding.UTF8.GetBytes(secret), SignatureEncoding.Hex);
        return new WebhookRequest("POST", new Dictionary<string, string> { [header] = signature }, bytes, DateTimeOffset.UnixEpoch);
    }

    private static async Task<(WebhookResponse Response, RecordingSink Sink)> Send(WebhookRequest request, Dictionary<string, string?>? settings = null)
    {
        var (task, sink) = ConnectorHarness.Create(new WebhookConnector(), settings ?? Settings);
        await task.StartAsync(CancellationToken.None);
        var response = await ((IWebhookReceiver)task).HandleWebhookAsync(request, CancellationToken.None);
        await task.DisposeAsync();
        return (response, sink);
    }

    [Fact]
    public async Task HandleWebhook_SignedSale_IsMappedInFull()
    {
        var (response, sink) = await Send(Signed(SaleJson));

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(WebhookOutcome.Accepted, response.Outcome);
        var sale = Assert.Single(sink.Sales);
        Assert.Equal("S-1001", sale.ExternalSaleId);
        Assert.Equal(3, sale.ExternalSaleVersion);
        Assert.Equal("evt-1", sale.SourceEventId);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 8, 30, 0, TimeSpan.Zero), sale.OccurredAt);
        Assert.Equal("store-1", sale.LocationId);
        Assert.Equal("c-42", sale.Customer.PosCustomerId);
        Assert.Equal(CustomerHash.Email("ana@example.com"), sale.Customer.EmailHash);
        Assert.Equal(CustomerHash.Phone("+4915112345678"), sale.Customer.PhoneHash);
        Assert.Equal("EUR", sale.Currency);
        Assert.Equal(5.60m, sale.Total);
        var line = Assert.Single(sale.LineItems);
        Assert.Equal(("ESP-01", "Espresso", "Coffee", 2m, 2.80m), (line.Sku, line.Name, line.Category, line.Quantity, line.UnitPrice));
        var discount = Assert.Single(sale.Discounts);
        Assert.Equal(("FREE-7K2P", "Free coffee", 2.80m), (discount.Code, discount.Name, discount.Amount));
        Assert.Equal(ConnectorHarness.MerchantId, sale.MerchantId);
    }

    [Fact]
    public async Task HandleWebhook_ContactData_NeverLeavesTheConnectorInClearText()
    {
        var (_, sink) = await Send(Signed(SaleJson));

        var sale = Assert.Single(sink.Sales);
        Assert.DoesNotContain("example.com", sale.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("1234", sale.Customer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleWebhook_RepeatedEvent_IsAcknowledgedAsADuplicateAndPublishesNothingMore()
    {
        var (task, sink) = ConnectorHarness.Create(new WebhookConnector(), Settings);
        var receiver = (IWebhookReceiver)task;

        var first = await receiver.HandleWebhookAsync(Signed(SaleJson), CancellationToken.None);
        var second = await receiver.HandleWebhookAsync(Signed(SaleJson), CancellationToken.None);

        Assert.Equal((200, WebhookOutcome.Accepted), (first.StatusCode, first.Outcome));
        Assert.Equal((200, WebhookOutcome.Duplicate), (second.StatusCode, second.Outcome));
        Assert.Single(sink.Sales);
    }

    [Fact]
    public async Task HandleWebhook_EventNotMadeDurable_IsNotMarkedSeenSoItsRetryGoesThrough()
    {
        var (task, sink) = ConnectorHarness.Create(new WebhookConnector(), Settings);
        var receiver = (IWebhookReceiver)task;
        sink.Unavailable = true;
        await Assert.ThrowsAsync<CheckoutSinkUnavailableException>(() => receiver.HandleWebhookAsync(Signed(SaleJson), CancellationToken.None));

        sink.Unavailable = false;
        var retry = await receiver.HandleWebhookAsync(Signed(SaleJson), CancellationToken.None);

        Assert.Equal(WebhookOutcome.Accepted, retry.Outcome);
        Assert.Single(sink.Sales);
    }

    [Fact]
    public async Task HandleWebhook_Refund_IsMapped()
    {
        const string body = """{ "eventId": "evt-2", "type": "sale.refunded", "refund": { "id": "R-1", "saleId": "S-1001", "occurredAt": "2026-11-23T10:00:00Z", "currency": "EUR", "amount": 2.8, "full": false } }""";

        var (response, sink) = await Send(Signed(body));

        Assert.Equal(200, response.StatusCode);
        var refund = Assert.Single(sink.Refunds);
        Assert.Equal(("R-1", "S-1001", 2.8m, false), (refund.ExternalRefundId, refund.ExternalSaleId, refund.Amount, refund.IsFullRefund));
    }

    [Fact]
    public async Task HandleWebhook_EventOfAnotherType_IsAcknowledgedAndIgnored()
    {
        var (response, sink) = await Send(Signed("""{ "eventId": "evt-3", "type": "customer.created" }"""));

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(WebhookOutcome.Ignored, response.Outcome);
        Assert.Empty(sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_MissingSignature_IsRefusedBeforeParsing()
    {
        var request = new WebhookRequest("POST", new Dictionary<string, string>(), Encoding.UTF8.GetBytes("not even json"), DateTimeOffset.UnixEpoch);

        var (response, sink) = await Send(request);

        Assert.Equal(401, response.StatusCode);
        Assert.Contains("missing X-SevenStamp-Signature", response.Message, StringComparison.Ordinal);
        Assert.Empty(sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_SignatureWithTheWrongSecretOrOverAnotherBody_IsRefused()
    {
        var (wrongKey, sink1) = await Send(Signed(SaleJson, secret: "another-secret-0123456789"));
        var tampered = Signed(SaleJson);
        var (tamperedResponse, sink2) = await Send(new WebhookRequest("POST", tampered.Headers, Encoding.UTF8.GetBytes(SaleJson.Replace("5.60", "9.60", StringComparison.Ordinal)), DateTimeOffset.UnixEpoch));

        Assert.Equal(401, wrongKey.StatusCode);
        Assert.Equal(401, tamperedResponse.StatusCode);
        Assert.Empty(sink1.Records);
        Assert.Empty(sink2.Records);
    }

    [Fact]
    public async Task HandleWebhook_BothSecretsDuringARotationAndASha256Prefix_AreAccepted()
    {
        var settings = new Dictionary<string, string?> { ["signingSecret"] = Secret, ["previousSigningSecret"] = OldSecret };

        var (old, _) = await Send(Signed(SaleJson, secret: OldSecret, prefix: "sha256="), settings);
        var (current, _) = await Send(Signed(SaleJson), settings);

        Assert.Equal(200, old.StatusCode);
        Assert.Equal(200, current.StatusCode);
    }

    [Fact]
    public async Task HandleWebhook_CustomHeaderAndBase64Encoding_AreHonoured()
    {
        var settings = new Dictionary<string, string?> { ["signingSecret"] = Secret, ["signatureHeader"] = "X-Pos-Hmac", ["signatureEncoding"] = "base64" };
        var bytes = Encoding.UTF8.GetBytes(SaleJson);
        var signature = WebhookSignatures.ComputeHmacSha256(bytes, Encoding.UTF8.GetBytes(Secret), SignatureEncoding.Base64);

        var (response, sink) = await Send(new WebhookRequest("POST", new Dictionary<string, string> { ["x-pos-hmac"] = signature }, bytes, DateTimeOffset.UnixEpoch), settings);

        Assert.Equal(200, response.StatusCode);
        Assert.Single(sink.Sales);
    }

    [Fact]
    public async Task HandleWebhook_SinkCannotMakeTheSaleDurable_TheErrorReachesTheHost()
    {
        var (task, sink) = ConnectorHarness.Create(new WebhookConnector(), Settings);
        sink.Unavailable = true;

        await Assert.ThrowsAsync<CheckoutSinkUnavailableException>(() => ((IWebhookReceiver)task).HandleWebhookAsync(Signed(SaleJson), CancellationToken.None));
    }

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("[]", "(body) must be a JSON object")]
    [InlineData("""{ "type": "sale.completed" }""", "eventId is required")]
    [InlineData("""{ "eventId": "e", "type": "sale.completed" }""", "sale is required")]
    [InlineData("""{ "eventId": "e", "type": "sale.completed", "sale": { "occurredAt": "2026-11-23T09:30:00Z", "currency": "EUR", "total": 1 } }""", "sale.id is required")]
    [InlineData("""{ "eventId": "e", "type": "sale.completed", "sale": { "id": "S", "occurredAt": "2026-11-23T09:30:00", "currency": "EUR", "total": 1 } }""", "sale.occurredAt must be an ISO 8601 timestamp with a time zone")]
    [InlineData("""{ "eventId": "e", "type": "sale.completed", "sale": { "id": "S", "occurredAt": "2026-11-23T09:30:00Z", "currency": "euro", "total": 1 } }""", "sale.currency must be a three-letter")]
    [InlineData("""{ "eventId": "e", "type": "sale.completed", "sale": { "id": "S", "occurredAt": "2026-11-23T09:30:00Z", "currency": "EUR", "total": -1 } }""", "sale.total must be ≥ 0")]
    [InlineData("""{ "eventId": "e", "type": "sale.completed", "sale": { "id": "S", "occurredAt": "2026-11-23T09:30:00Z", "currency": "EUR", "total": "NaN" } }""", "sale.total must be a number")]
    [InlineData("""{ "eventId": "e", "type": "sale.completed", "sale": { "id": "S", "occurredAt": "2026-11-23T09:30:00Z", "currency": "EUR", "total": 1e30 } }""", "sale.total must be ≥ 0 and at most")]
    [InlineData("""{ "eventId": "e", "type": "sale.completed", "sale": { "id": "S", "occurredAt": "2026-11-23T09:30:00Z", "currency": "EUR", "total": true } }""", "sale.total must be a number")]
    [InlineData("""{ "eventId": "e", "type": "sale.completed", "sale": { "id": "S", "occurredAt": "2026-11-23T09:30:00Z", "currency": "EUR", "total": 1, "lineItems": [ { "name": "x", "quantity": 0, "unitPrice": 1 } ] } }""", "sale.lineItems[0].quantity must be > 0")]
    [InlineData("""{ "eventId": "e", "type": "sale.completed", "sale": { "id": "S", "occurredAt": "2026-11-23T09:30:00Z", "currency": "EUR", "total": 1, "lineItems": {} } }""", "sale.lineItems must be an array")]
    [InlineData("""{ "eventId": "e", "type": "sale.completed", "sale": { "id": "S\r\nFORGED log line", "occurredAt": "2026-11-23T09:30:00Z", "currency": "EUR", "total": 1 } }""", "sale.id contains control characters")]
    [InlineData("""{ "eventId": "e", "eventId": "f", "type": "sale.completed" }""", "not valid JSON")]
    [InlineData("""{ "eventId": "e", "type": "sale.refunded", "refund": { "id": "R", "saleId": "S", "occurredAt": "2026-11-23T09:30:00Z", "currency": "EUR", "amount": 1 } }""", "refund.full is required")]
    public async Task HandleWebhook_MalformedBody_Gets400NamingTheField(string body, string expected)
    {
        var (response, sink) = await Send(Signed(body));

        Assert.Equal(400, response.StatusCode);
        Assert.Contains(expected, response.Message, StringComparison.Ordinal);
        Assert.Empty(sink.Records);
    }

    [Fact]
    public async Task HandleWebhook_DeeplyNestedJson_IsRefusedNotCrashedOn()
    {
        var body = "{\"eventId\":\"e\",\"type\":\"x\",\"deep\":" + new string('[', 1000) + new string(']', 1000) + "}";

        var (response, _) = await Send(Signed(body));

        Assert.Equal(400, response.StatusCode);
    }

    [Theory]
    [InlineData("signingSecret", "short", "signingSecret")]
    [InlineData("signatureEncoding", "hex2", "signatureEncoding")]
    [InlineData("signatureHeader", "X Bad", "signatureHeader")]
    public void ValidateSettings_BadSettings_AreReportedPerField(string name, string value, string field)
    {
        var settings = new Dictionary<string, string?>(Settings) { [name] = value };

        var errors = ConnectorHarness.Validate(new WebhookConnector(), settings);

        Assert.Equal(field, Assert.Single(errors).Field);
    }

    [Fact]
    public void Settings_SigningSecret_IsRequiredAndSecret()
    {
        var connector = new WebhookConnector();

        var errors = ConnectorHarness.Validate(connector, new Dictionary<string, string?>());

        Assert.Equal("signingSecret", Assert.Single(errors).Field);
        Assert.True(connector.SettingsDefinition.Find("signingSecret")!.Secret);
        Assert.True(connector.SettingsDefinition.Find("previousSigningSecret")!.Secret);
    }
}
