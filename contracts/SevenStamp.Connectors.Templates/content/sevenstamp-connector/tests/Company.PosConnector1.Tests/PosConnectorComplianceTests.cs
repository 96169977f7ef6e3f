using System.Text;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Connectors.TestKit;
using SevenStamp.Connectors.TestKit.Compliance;
using SevenStamp.Contracts;

namespace Company.PosConnector1.Tests;

/// <summary>
/// The compliance suite every SevenStamp webhook connector passes: settings schema and validation, lifecycle with
/// cancellation, signatures, duplicates, malformed, hostile and oversized bodies, an unavailable sink, and secrets
/// kept out of logs. This class supplies the connector, a sample body, how it is signed and the sale it must become.
/// </summary>
public sealed class PosConnectorComplianceTests : WebhookConnectorComplianceTests
{
    internal const string Secret = "test-signing-secret-0123456789";

    internal static readonly byte[] Sample = Encoding.UTF8.GetBytes("""
        { "eventId": "evt-1001", "type": "sale.completed",
          "sale": { "id": "S-1001", "completedAt": "2026-11-23T09:30:00Z", "customerId": "c-42",
                    "currency": "EUR", "total": 5.60,
                    "lines": [ { "sku": "ESP-01", "name": "Espresso", "quantity": 2, "unitPrice": 2.80 } ],
                    "discountCodes": [ "FREE-7K2P" ] } }
        """);

    protected override IPosConnector CreateConnector() => new PosConnector();

    protected override IReadOnlyDictionary<string, string?> ValidSettings() => new Dictionary<string, string?> { ["signingSecret"] = Secret };

    protected override byte[] SampleBody => Sample;

    protected override string SignatureHeader => PosConnector.SignatureHeader;

    protected override WebhookRequest Sign(ReadOnlyMemory<byte> body) => SignWith(Secret, body);

    protected override SaleCompleted ExpectedSale => new()
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
    };

    internal static WebhookRequest SignWith(string secret, ReadOnlyMemory<byte> body) =>
        new("POST", new Dictionary<string, string> { [PosConnector.SignatureHeader] = WebhookSignatures.ComputeHmacSha256(body.Span, Encoding.UTF8.GetBytes(secret), SignatureEncoding.Hex) }, body, DateTimeOffset.UnixEpoch);
}
