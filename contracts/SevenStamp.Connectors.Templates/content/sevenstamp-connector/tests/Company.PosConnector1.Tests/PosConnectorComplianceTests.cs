using SevenStamp.Connectors.TestKit;
using SevenStamp.Connectors.TestKit.Compliance;
using SevenStamp.Contracts;

namespace Company.PosConnector1.Tests;

/// <summary>
/// The compliance suite every SevenStamp webhook connector passes, in one line: settings schema and validation,
/// lifecycle with cancellation, signatures (and a secret rotation through signingSecret / previousSigningSecret),
/// duplicates, malformed, hostile and oversized bodies, an unavailable sink, and secrets kept out of logs.
/// </summary>
public sealed class PosConnectorComplianceTests() : WebhookConnectorComplianceTests<PosConnector>(PosSamples.Sale);

/// <summary>A delivery as the point of sale documents it, how it is signed, and the sale it must become.</summary>
internal static class PosSamples
{
    public const string SaleJson = """
        { "eventId": "evt-1001", "type": "sale.completed",
          "sale": { "id": "S-1001", "completedAt": "2026-11-23T09:30:00Z", "customerId": "c-42",
                    "currency": "EUR", "total": 5.60,
                    "lines": [ { "sku": "ESP-01", "name": "Espresso", "quantity": 2, "unitPrice": 2.80 } ],
                    "discountCodes": [ "FREE-7K2P" ] } }
        """;

    public static WebhookSample Sale => WebhookSample.Of(
        SaleJson,
        new SaleCompleted
        {
            MerchantId = ConnectorHarness.MerchantId,
            ConnectorId = ConnectorHarness.ConnectorId,
            ExternalSaleId = "S-1001",
            SourceEventId = "evt-1001",
            OccurredAt = new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero),
            Customer = new CustomerIdentifiers { PosCustomerId = "c-42" },
            Currency = "EUR",
            Total = 5.60m,
            LineItems = [new SaleLineItem { Sku = "ESP-01", Name = "Espresso", Quantity = 2m, UnitPrice = 2.80m }],
            Discounts = [new AppliedDiscount { Code = "FREE-7K2P" }],
        },
        WebhookSignature.HmacSha256(PosConnector.SignatureHeader));
}
