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
    /// Shopify <c>orders/paid</c>, <c>orders/create</c>, <c>orders/cancelled</c> and <c>refunds/create</c>:
    /// <c>X-Shopify-Hmac-Sha256</c> is the base64 HMAC-SHA256 of the raw body under the app's client secret;
    /// <c>X-Shopify-Webhook-Id</c> is the same on every retry; the topic is in <c>X-Shopify-Topic</c>. Amounts are
    /// decimal strings in the shop currency.
    /// </summary>
    /// <remarks>
    /// An order earns only once it is paid. orders/paid says so itself, unless its <c>financial_status</c> says
    /// otherwise: pending, authorized and partially paid orders are not paid yet, voided, expired and refunded ones
    /// never will be. orders/create earns only when its <c>financial_status</c> is <c>paid</c> or
    /// <c>partially_refunded</c> (the refund arrives on its own as refunds/create); orders/paid follows for an order
    /// paid later, and the order's id dedupes the two. A test order (<c>test: true</c>) or a cancelled one
    /// (<c>cancelled_at</c> set) earns nothing on either topic. A refund's amount is what its transactions
    /// of kind refund gave back (status success), else the subtotals of its refunded lines, else nothing, which is
    /// ignored. A cancelled order that was paid is a full refund; one never paid earned nothing to take back.
    /// A Redeem Code typed as a discount code is in <c>discount_codes[].code</c> (and
    /// <c>discount_applications[].code</c>); one the cashier typed as a manual discount only in
    /// <c>discount_applications[].title</c>: both lists are read.
    /// </remarks>
    public static readonly IReadOnlyDictionary<string, string> Shopify = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["signatureAlgorithm"] = "hmac-sha256",
        ["signatureHeader"] = "X-Shopify-Hmac-Sha256",
        ["signatureEncoding"] = "base64",
        ["signedContent"] = "{body}",
        ["eventIdHeader"] = "X-Shopify-Webhook-Id",
        ["eventTypeHeader"] = "X-Shopify-Topic",
        ["acceptEventTypes"] = "orders/paid,orders/create,orders/cancelled,refunds/create",
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
              "discounts": [
                { "path": "$.discount_codes[*]", "code": "$.code", "amount": "$.amount" },
                { "path": "$.discount_applications[*]", "code": "$.code", "name": "$.title" }
              ],
              "ignore": [
                { "when": { "path": "$.test", "equals": true }, "reason": "a test order" },
                { "when": { "path": "$.cancelled_at", "exists": true }, "reason": "the order is cancelled" },
                { "when": { "path": "$.financial_status", "equals": ["pending", "authorized", "partially_paid", "voided", "expired", "refunded"] },
                  "reason": "the order is not paid: its financial_status is pending, authorized, partially_paid, voided, expired or refunded" }
              ],
              "eventTypes": {
                "orders/create": {
                  "ignore": [
                    { "when": { "path": "$.test", "equals": true }, "reason": "a test order" },
                    { "when": { "path": "$.cancelled_at", "exists": true }, "reason": "the order is cancelled" },
                    { "when": { "path": "$.financial_status", "notEquals": ["paid", "partially_refunded"] },
                      "reason": "the order is not paid yet: its financial_status is not paid or partially_refunded (orders/paid follows when it is)" }
                  ]
                },
                "refunds/create": {
                  "ignore": [ { "when": { "path": "$.transactions[*].test", "equals": true }, "reason": "a refund of a test order" } ],
                  "currency": ["$.transactions[*].currency", "$.refund_line_items[*].subtotal_set.shop_money.currency_code"],
                  "refund": {
                    "when": "always",
                    "refundId": "$.id",
                    "saleId": "$.order_id",
                    "occurredAt": ["$.processed_at", "$.created_at"],
                    "amount": [
                      { "from": "$.transactions[*]", "where": [ { "path": "$.kind", "equals": "refund" }, { "path": "$.status", "equals": "success" } ], "path": "$.amount" },
                      { "from": "$.refund_line_items[*]", "path": "$.subtotal" },
                      { "value": 0 }
                    ]
                  }
                },
                "orders/cancelled": {
                  "ignore": [
                    { "when": { "path": "$.test", "equals": true }, "reason": "a test order" },
                    { "when": { "path": "$.financial_status", "notEquals": ["paid", "partially_refunded", "refunded"] },
                      "reason": "the order was cancelled before it was paid, so it earned nothing to take back" }
                  ],
                  "refund": {
                    "when": "always",
                    "refundId": { "path": "$.id", "convert": "prefix:cancelled-" },
                    "saleId": "$.id",
                    "occurredAt": ["$.cancelled_at", "$.updated_at"],
                    "amount": "$.total_price",
                    "full": "always"
                  }
                }
              }
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
