namespace SevenStamp.Connectors.JsonWebhook;

/// <summary>
/// Ready-made settings for POSs whose webhooks are documented: each fills in the mapping, the signature scheme,
/// the event filter and the dedupe source. A setting the merchant gives overrides the preset's; a mapping the
/// merchant gives replaces the preset's mapping field by field (top-level keys).
/// </summary>
internal static class Presets
{
    public const string None = "none";

    /// <summary>
    /// Shopify <c>orders/paid</c> and <c>orders/create</c>: <c>X-Shopify-Hmac-Sha256</c> is the base64 HMAC-SHA256 of
    /// the raw body under the app's client secret; <c>X-Shopify-Webhook-Id</c> is the same on every retry; the topic
    /// is in <c>X-Shopify-Topic</c>. Amounts are decimal strings in the shop currency.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Shopify = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["signatureAlgorithm"] = "hmac-sha256",
        ["signatureHeader"] = "X-Shopify-Hmac-Sha256",
        ["signatureEncoding"] = "base64",
        ["signedContent"] = "{body}",
        ["eventIdHeader"] = "X-Shopify-Webhook-Id",
        ["eventTypeHeader"] = "X-Shopify-Topic",
        ["acceptEventTypes"] = "orders/paid,orders/create",
        ["mapping"] = """
            {
              "saleId": "$.id",
              "occurredAt": "$.created_at",
              "total": "$.total_price",
              "currency": "$.currency",
              "locationId": "$.location_id",
              "customerId": "$.customer.id",
              "customerEmail": "$.email",
              "customerPhone": "$.customer.phone",
              "lineItems": { "path": "$.line_items[*]", "name": "$.name", "sku": "$.sku", "catalogObjectId": "$.variant_id", "quantity": "$.quantity", "unitPrice": "$.price" },
              "discounts": { "path": "$.discount_codes[*]", "code": "$.code", "amount": "$.amount" }
            }
            """,
    };

    /// <summary>
    /// Zettle Pusher API <c>PurchaseCreated</c>: the purchase is a JSON string in <c>payload</c>; <c>X-iZettle-Signature</c>
    /// is the hex HMAC-SHA256 of <c>timestamp + "." + payload</c> under the subscription's signing key. Amounts are
    /// in minor units; a refund is a purchase with <c>refund: true</c> and negative amounts.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Zettle = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["signatureAlgorithm"] = "hmac-sha256",
        ["signatureHeader"] = "X-iZettle-Signature",
        ["signatureEncoding"] = "hex",
        ["signedContent"] = "{json:$.timestamp}.{json:$.payload}",
        ["eventIdPath"] = "$.messageId",
        ["eventTypePath"] = "$.eventName",
        ["acceptEventTypes"] = "PurchaseCreated",
        ["unwrap"] = "$.payload",
        ["mapping"] = """
            {
              "saleId": "$.purchaseUuid",
              "occurredAt": { "path": "$.timestamp", "convert": "unix-millis" },
              "total": { "path": "$.amount", "convert": "minor-units" },
              "currency": "$.currency",
              "lineItems": { "path": "$.products[*]", "name": "$.name", "sku": "$.sku", "catalogObjectId": "$.variantUuid", "quantity": "$.quantity", "unitPrice": { "path": "$.unitPrice", "convert": "minor-units" } },
              "discounts": { "path": "$.discounts[*]", "name": "$.name", "amount": { "path": "$.amount", "convert": ["minor-units", "abs"] } },
              "refund": {
                "when": { "path": "$.refund", "equals": true },
                "refundId": "$.purchaseUuid",
                "saleId": "$.refundsPurchaseUuid",
                "amount": { "path": "$.amount", "convert": ["minor-units", "abs"] }
              }
            }
            """,
    };

    /// <summary>
    /// Loyverse receipts webhook (<c>receipts.update</c>): one body carries <c>receipts[]</c>; <c>X-Loyverse-Signature</c>
    /// is the HMAC-SHA1 of the raw body under the app's client secret. Loyverse's documentation calls it base64; merchants
    /// report deliveries signed in hex, so both are accepted. Receipts carry no currency, so the
    /// merchant adds <c>"currency": { "value": "EUR" }</c> to the mapping. A refund is <c>receipt_type: REFUND</c>.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Loyverse = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["signatureAlgorithm"] = "hmac-sha1",
        ["signatureHeader"] = "X-Loyverse-Signature",
        ["signatureEncoding"] = "hex-or-base64",
        ["signedContent"] = "{body}",
        ["eventTypePath"] = "$.type",
        ["acceptEventTypes"] = "receipts.update",
        ["mapping"] = """
            {
              "records": "$.receipts[*]",
              "saleId": "$.receipt_number",
              "occurredAt": "$.receipt_date",
              "total": "$.total_money",
              "locationId": "$.store_id",
              "customerId": "$.customer_id",
              "lineItems": { "path": "$.line_items[*]", "name": "$.item_name", "sku": "$.sku", "catalogObjectId": "$.variant_id", "quantity": "$.quantity", "unitPrice": "$.price" },
              "discounts": { "path": "$.total_discounts[*]", "name": "$.name", "amount": "$.money_amount" },
              "refund": {
                "when": { "path": "$.receipt_type", "equals": "REFUND" },
                "refundId": "$.receipt_number",
                "saleId": "$.refund_for",
                "amount": "$.total_money"
              }
            }
            """,
    };

    public static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> All = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal)
    {
        [None] = new Dictionary<string, string>(),
        ["shopify"] = Shopify,
        ["zettle"] = Zettle,
        ["loyverse"] = Loyverse,
    };
}
