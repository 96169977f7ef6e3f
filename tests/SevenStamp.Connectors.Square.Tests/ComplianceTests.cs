using System.Text;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Connectors.TestKit;
using SevenStamp.Connectors.TestKit.Compliance;
using SevenStamp.Contracts;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Square.Tests;

/// <summary>
/// The compliance suite on the Square connector, against the fake Square server holding the sample's order. Square
/// signs its notification URL followed by the body; the order the payment names is read from the fake server.
/// </summary>
public sealed class SquareComplianceTests() : WebhookConnectorComplianceTests<SquareConnector>(SquareSample)
{
    private FakeSquareServer _square = null!;

    private static WebhookSample SquareSample => WebhookSample.Of(
        SquarePayloads.PaymentEvent("evt-1", "payment.created", "PAY1001", "COMPLETED", "ORD-1001"),
        new SaleCompleted
        {
            MerchantId = ConnectorHarness.MerchantId,
            ConnectorId = ConnectorHarness.ConnectorId,
            ExternalSaleId = "ORD-1001",
            ExternalSaleVersion = 5,
            SourceEventId = "evt-1",
            LocationId = SquarePayloads.Location,
            OccurredAt = new DateTimeOffset(2026, 11, 23, 9, 30, 5, TimeSpan.Zero),
            Customer = new CustomerIdentifiers { PosCustomerId = "CUST-ANA-01" },
            Currency = "EUR",
            Total = 3.80m,
            LineItems = [new SaleLineItem { CatalogObjectId = "CATVAR-LATTE-L", Name = "Latte (Large)", Quantity = 1m, UnitPrice = 4.50m }],
            Discounts = [new AppliedDiscount { Name = "FREE-7K2P", Amount = 0.70m }],
        },
        WebhookSignature.HmacSha256(SquareSignature.HeaderName, SignatureEncoding.Base64) with { SignedContent = SquareHarness.NotificationUrl + "{body}" }) with
    {
        Settings = new Dictionary<string, string?> { ["notificationUrl"] = SquareHarness.NotificationUrl, ["locationIds"] = SquarePayloads.Location },
    };

    public override async ValueTask InitializeAsync()
    {
        _square = await FakeSquareServer.StartAsync();
        _square.PutOrder(SquarePayloads.Order("ORD-1001", customerId: "CUST-ANA-01", total: 380, discountName: "FREE-7K2P", discount: 70, version: 5));
    }

    protected override async ValueTask DisposeAsyncCore() => await _square.DisposeAsync();

    protected override IPosConnector CreateConnector() => new SquareConnector { ClientOptions = SquareHarness.FastRetries };

    // The access token the fake server accepts, and the fake server as the API.
    protected override IReadOnlyDictionary<string, string?> GivenSettings => new Dictionary<string, string?>(base.GivenSettings)
    {
        ["accessToken"] = FakeSquareServer.AccessToken,
        ["baseUrl"] = _square.BaseUrl.ToString(),
    };

    // The catch-up loop would publish the sample's order from the fake server on its own; webhooks are tested alone.
    protected override bool StartBeforeWebhooks => false;

    // Square retries a failed delivery and disables an endpoint that keeps failing: JSON that is no sale event is
    // acknowledged. Only a body that is not JSON at all is refused.
    protected override IEnumerable<(string Name, byte[] Body)> MalformedBodies() =>
        base.MalformedBodies().Where(b => b.Name is not ("a JSON array" or "a JSON string"));

    protected override IEnumerable<(string Name, byte[] Body)> AuthenticBodiesThatAreNotEvents() =>
    [
        ("a JSON array", Encoding.UTF8.GetBytes("[1, 2, 3]")),
        ("a JSON string", Encoding.UTF8.GetBytes("\"sale\"")),
        ("a v1 test notification", Encoding.UTF8.GetBytes("""{ "merchant_id": "MLQW8ZK2E4R7T", "location_id": "L8GH2TQ4V1K9B", "event_type": "TEST_NOTIFICATION", "entity_id": "abc" }""")),
        ("an event without event_id", Encoding.UTF8.GetBytes("""{ "type": "payment.updated", "data": { "object": { "payment": { "id": "P1", "status": "COMPLETED", "order_id": "ORD-1001" } } } }""")),
    ];
}
