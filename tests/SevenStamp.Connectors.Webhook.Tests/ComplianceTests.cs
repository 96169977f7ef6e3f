using SevenStamp.Connectors.TestKit;
using SevenStamp.Connectors.TestKit.Compliance;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.Webhook.Tests;

/// <summary>The compliance suite on the generic-webhook connector (SevenStamp's own event format).</summary>
public sealed class GenericWebhookComplianceTests() : WebhookConnectorComplianceTests<WebhookConnector>(GenericWebhookSample.Sale);

/// <summary>A documented sale event, signed as the README describes (hex HMAC-SHA256 of the body), and the sale it becomes.</summary>
internal static class GenericWebhookSample
{
    public static WebhookSample Sale => WebhookSample.Of(
        """
        { "eventId": "evt-c1", "type": "sale.completed",
          "sale": { "id": "S-C1", "occurredAt": "2026-11-23T09:30:00Z", "customer": { "id": "c-7" }, "currency": "EUR", "total": 4.20,
                    "lineItems": [ { "sku": "ESP-01", "name": "Espresso", "quantity": 1, "unitPrice": 4.20 } ],
                    "discounts": [ { "code": "FREE-7K2P", "amount": 0 } ] } }
        """,
        new SaleCompleted
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
        },
        WebhookSignature.HmacSha256(WebhookTask.DefaultSignatureHeader));
}
