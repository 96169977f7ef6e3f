using System.Text;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Connectors.TestKit;
using SevenStamp.Connectors.TestKit.Compliance;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.JsonWebhook.Tests;

/// <summary>The compliance suite on the json-webhook connector with a merchant's own mapping (no preset).</summary>
public sealed class CustomMappingComplianceTests : WebhookConnectorComplianceTests
{
    protected override IPosConnector CreateConnector() => new JsonWebhookConnector();

    protected override IReadOnlyDictionary<string, string?> ValidSettings() => Samples.CustomSettings;

    // The secret is not schema-required (signatureAlgorithm none needs none), but without it nothing validates.
    protected override IEnumerable<string> SettingsThatMustBeGiven() => ["secret", "mapping"];

    protected override byte[] SampleBody => Encoding.UTF8.GetBytes(Samples.CustomSale);

    protected override string SignatureHeader => "X-Pos-Signature";

    protected override WebhookRequest Sign(ReadOnlyMemory<byte> body) => Samples.Custom(body);

    protected override SaleCompleted ExpectedSale => new()
    {
        MerchantId = ConnectorHarness.MerchantId,
        ConnectorId = ConnectorHarness.ConnectorId,
        ExternalSaleId = "K-77",
        ExternalSaleVersion = 2,
        SourceEventId = "dlv-0001",
        OccurredAt = new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero),
        LocationId = "north",
        Customer = new CustomerIdentifiers
        {
            PosCustomerId = "c-42",
            LoyaltyCardId = "CARD-9",
            EmailHash = CustomerHash.Email("ana@example.com"),
            PhoneHash = CustomerHash.Phone("+4915112345678"),
        },
        Currency = "EUR",
        Total = 5.60m,
        LineItems = [new SaleLineItem { Name = "Espresso", Sku = "ESP-01", Category = "Coffee", Quantity = 2m, UnitPrice = 2.80m }],
        Discounts = [new AppliedDiscount { Code = "FREE-7K2P", Amount = 0m }],
    };
}

/// <summary>The compliance suite on the Shopify preset with Shopify's documented orders/paid payload.</summary>
public sealed class ShopifyPresetComplianceTests : WebhookConnectorComplianceTests
{
    protected override IPosConnector CreateConnector() => new JsonWebhookConnector();

    protected override IReadOnlyDictionary<string, string?> ValidSettings() => Samples.ShopifySettings;

    protected override IEnumerable<string> SettingsThatMustBeGiven() => ["secret"];

    protected override byte[] SampleBody => Samples.Read("shopify-orders-paid.json");

    protected override string SignatureHeader => "X-Shopify-Hmac-Sha256";

    protected override WebhookRequest Sign(ReadOnlyMemory<byte> body) => Samples.Shopify(body);

    protected override SaleCompleted ExpectedSale => ShopifyExpected.Sale;
}

/// <summary>The compliance suite on the Zettle preset with the Pusher API's documented PurchaseCreated envelope.</summary>
public sealed class ZettlePresetComplianceTests : WebhookConnectorComplianceTests
{
    protected override IPosConnector CreateConnector() => new JsonWebhookConnector();

    protected override IReadOnlyDictionary<string, string?> ValidSettings() => Samples.ZettleSettings;

    protected override IEnumerable<string> SettingsThatMustBeGiven() => ["secret"];

    protected override byte[] SampleBody => Samples.Read("zettle-purchase-created.json");

    protected override string SignatureHeader => "X-iZettle-Signature";

    protected override WebhookRequest Sign(ReadOnlyMemory<byte> body) => Samples.Zettle(body);

    protected override SaleCompleted ExpectedSale => new()
    {
        MerchantId = ConnectorHarness.MerchantId,
        ConnectorId = ConnectorHarness.ConnectorId,
        ExternalSaleId = "7cdf4ae2-a110-11eb-a7f9-24cfef8c2970",
        SourceEventId = "2895af2a-faba-5f51-a1cd-f7dd79ee0866",
        OccurredAt = new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero),
        Currency = "GBP",
        Total = 353.00m,
        LineItems =
        [
            new SaleLineItem { Name = "Coffee beans", Sku = "BEANS-1KG", CatalogObjectId = "234ee5f0-b188-11e5-aa17-721c907d3875", Quantity = 2m, UnitPrice = 150.00m },
            new SaleLineItem { Name = "Mug", CatalogObjectId = "5d2e3b80-b188-11e5-aa17-721c907d3875", Quantity = 1m, UnitPrice = 63.00m },
        ],
        Discounts = [new AppliedDiscount { Name = "FREE-7K2P", Amount = 10.00m }],
    };
}

/// <summary>The compliance suite on the Loyverse preset with a documented receipts.update delivery.</summary>
public sealed class LoyversePresetComplianceTests : WebhookConnectorComplianceTests
{
    protected override IPosConnector CreateConnector() => new JsonWebhookConnector();

    protected override IReadOnlyDictionary<string, string?> ValidSettings() => Samples.LoyverseSettings;

    protected override IEnumerable<string> SettingsThatMustBeGiven() => ["secret", "mapping"];

    protected override byte[] SampleBody => Samples.Read("loyverse-receipts-update.json");

    protected override string SignatureHeader => "X-Loyverse-Signature";

    protected override WebhookRequest Sign(ReadOnlyMemory<byte> body) => Samples.Loyverse(body);

    protected override SaleCompleted ExpectedSale => new()
    {
        MerchantId = ConnectorHarness.MerchantId,
        ConnectorId = ConnectorHarness.ConnectorId,
        ExternalSaleId = "2-1006",
        OccurredAt = new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero),
        LocationId = "f1e2d3c4-0000-4000-8000-000000000002",
        Customer = new CustomerIdentifiers { PosCustomerId = "0b3c4f2e-6a1d-4e5f-9a7b-1c2d3e4f5a6b" },
        Currency = "EUR",
        Total = 7.3m,
        LineItems =
        [
            new SaleLineItem { Name = "Cappuccino", Sku = "10001", CatalogObjectId = "20000000-0000-4000-8000-000000000010", Quantity = 2m, UnitPrice = 3.5m },
            new SaleLineItem { Name = "Croissant", Sku = "10002", CatalogObjectId = "20000000-0000-4000-8000-000000000011", Quantity = 1m, UnitPrice = 1.3m },
        ],
        Discounts = [new AppliedDiscount { Name = "FREE-7K2P", Amount = 1.0m }],
    };
}

internal static class ShopifyExpected
{
    public static SaleCompleted Sale => new()
    {
        MerchantId = ConnectorHarness.MerchantId,
        ConnectorId = ConnectorHarness.ConnectorId,
        ExternalSaleId = "820982911946154508",
        SourceEventId = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        OccurredAt = new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero),
        Customer = new CustomerIdentifiers
        {
            PosCustomerId = "115310627314723954",
            EmailHash = CustomerHash.Email("jane.doe@example.com"),
            PhoneHash = CustomerHash.Phone("+15550100999"),
        },
        Currency = "USD",
        Total = 403.00m,
        LineItems =
        [
            new SaleLineItem { Name = "IPod Nano - 8GB", Sku = "IPOD2008PINK", CatalogObjectId = "808950810", Quantity = 1m, UnitPrice = 199.00m },
            new SaleLineItem { Name = "IPod Nano - 8GB", Sku = "IPOD2008BLACK", CatalogObjectId = "457924702", Quantity = 1m, UnitPrice = 199.00m },
        ],
        Discounts = [new AppliedDiscount { Code = "FREE-7K2P", Amount = 10.00m }],
    };
}
