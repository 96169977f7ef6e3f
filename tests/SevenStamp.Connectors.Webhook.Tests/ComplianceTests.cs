using System.Text;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Connectors.TestKit;
using SevenStamp.Connectors.TestKit.Compliance;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.Webhook.Tests;

/// <summary>The compliance suite on the generic-webhook connector (SevenStamp's own event format).</summary>
public sealed class GenericWebhookComplianceTests : WebhookConnectorComplianceTests
{
    private const string Secret = "0123456789abcdef-test-secret";

    protected override IPosConnector CreateConnector() => new WebhookConnector();

    protected override IReadOnlyDictionary<string, string?> ValidSettings() => new Dictionary<string, string?> { ["signingSecret"] = Secret };

    protected override byte[] SampleBody => Encoding.UTF8.GetBytes("""
        { "eventId": "evt-c1", "type": "sale.completed",
          "sale": { "id": "S-C1", "occurredAt": "2026-11-23T09:30:00Z", "customer": { "id": "c-7" }, "currency": "EUR", "total": 4.20,
                    "lineItems": [ { "sku": "ESP-01", "name": "Espresso", "quantity": 1, "unitPrice": 4.20 } ],
                    "discounts": [ { "code": "FREE-7K2P", "amount": 0 } ] } }
        """);

    protected override string SignatureHeader => WebhookTask.DefaultSignatureHeader;

    protected override WebhookRequest Sign(ReadOnlyMemory<byte> body) =>
        new("POST", new Dictionary<string, string> { [SignatureHeader] = WebhookSignatures.ComputeHmacSha256(body.Span, Encoding.UTF8.GetBytes(Secret), SignatureEncoding.Hex) }, body, DateTimeOffset.UnixEpoch);

    protected override SaleCompleted ExpectedSale => new()
    {
        MerchantId = ConnectorHarness.MerchantId,
        ConnectorId = ConnectorHarness.ConnectorId,
        ExternalSaleId = "S-C1",
        SourceEventId = "evt-c1",
        OccurredAt = new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero),
        Customer = new CustomerIdentifiers { PosCustomerId = "c-7" },
        Currency = "EUR",
        Total = 4.20m,
        LineItems = [new SaleLineItem { Sku = "ESP-01", Name = "Espresso", Quantity = 1m, UnitPrice = 4.20m }],
        Discounts = [new AppliedDiscount { Code = "FREE-7K2P", Amount = 0m }],
    };
}
