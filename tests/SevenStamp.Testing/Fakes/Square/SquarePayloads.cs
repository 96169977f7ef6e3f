using System.Globalization;

namespace SevenStamp.Testing;

/// <summary>
/// Square JSON in the shapes of Square's API reference (Order objects, and the payment, order and refund webhook
/// events), written here with our own values. Fields the connector does not read are kept, so the tests show they do
/// no harm.
/// </summary>
public static class SquarePayloads
{
    public const string Location = "L8GH2TQ4V1K9B";

    public static string Time(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// A POS order of one line ("Latte (Large)"); with <paramref name="discountName"/> an order-scoped discount of
    /// <paramref name="discount"/> minor units is applied to it (the way a cashier applies a voucher's Redeem Code).
    /// </summary>
    public static string Order(
        string id,
        string? customerId = "CUST-ANA-01",
        long total = 450,
        string currency = "EUR",
        string state = "COMPLETED",
        string location = Location,
        long version = 4,
        DateTimeOffset? updatedAt = null,
        string? discountName = null,
        long discount = 0,
        string? netAmountDue = null)
    {
        var updated = Time(updatedAt ?? new DateTimeOffset(2026, 11, 23, 9, 30, 5, TimeSpan.Zero));
        var customer = customerId is null ? string.Empty : $"\"customer_id\": \"{customerId}\",";
        var tenderCustomer = customerId is null ? string.Empty : $", \"customer_id\": \"{customerId}\"";
        var gross = total + discount;
        var discounts = discountName is null
            ? "[]"
            : $$"""[ { "uid": "disc-1", "name": "{{discountName}}", "type": "FIXED_AMOUNT", "amount_money": { "amount": {{discount}}, "currency": "{{currency}}" }, "applied_money": { "amount": {{discount}}, "currency": "{{currency}}" }, "scope": "ORDER" } ]""";
        var applied = discountName is null
            ? "[]"
            : $$"""[ { "uid": "ad-1", "discount_uid": "disc-1", "applied_money": { "amount": {{discount}}, "currency": "{{currency}}" } } ]""";
        var closed = state == "COMPLETED" ? $"\"closed_at\": \"{updated}\"," : string.Empty;
        var due = netAmountDue is null ? string.Empty : $"\"net_amount_due_money\": {{ \"amount\": {netAmountDue}, \"currency\": \"{currency}\" }},";
        return $$"""
            {
              "id": "{{id}}",
              "location_id": "{{location}}",
              "source": { "name": "Square Point of Sale" },
              {{customer}}
              "line_items": [
                {
                  "uid": "li-1",
                  "catalog_object_id": "CATVAR-LATTE-L",
                  "catalog_version": 1732000000000,
                  "quantity": "1",
                  "name": "Latte",
                  "variation_name": "Large",
                  "item_type": "ITEM",
                  "base_price_money": { "amount": {{gross}}, "currency": "{{currency}}" },
                  "variation_total_price_money": { "amount": {{gross}}, "currency": "{{currency}}" },
                  "gross_sales_money": { "amount": {{gross}}, "currency": "{{currency}}" },
                  "total_discount_money": { "amount": {{discount}}, "currency": "{{currency}}" },
                  "total_tax_money": { "amount": 0, "currency": "{{currency}}" },
                  "total_money": { "amount": {{total}}, "currency": "{{currency}}" },
                  "applied_discounts": {{applied}}
                }
              ],
              "discounts": {{discounts}},
              "tenders": [
                { "id": "TND-{{id}}", "location_id": "{{location}}", "created_at": "{{updated}}", "amount_money": { "amount": {{total}}, "currency": "{{currency}}" }, "type": "CARD", "payment_id": "PAY-{{id}}"{{tenderCustomer}} }
              ],
              "net_amounts": {
                "total_money": { "amount": {{total}}, "currency": "{{currency}}" },
                "tax_money": { "amount": 0, "currency": "{{currency}}" },
                "discount_money": { "amount": {{discount}}, "currency": "{{currency}}" }
              },
              "total_money": { "amount": {{total}}, "currency": "{{currency}}" },
              "total_tax_money": { "amount": 0, "currency": "{{currency}}" },
              "total_discount_money": { "amount": {{discount}}, "currency": "{{currency}}" },
              {{due}}
              "created_at": "2026-11-23T09:29:40.012Z",
              "updated_at": "{{updated}}",
              {{closed}}
              "state": "{{state}}",
              "version": {{version}}
            }
            """;
    }

    /// <summary>A <c>payment.created</c> / <c>payment.updated</c> event.</summary>
    public static string PaymentEvent(string eventId, string type, string paymentId, string status, string? orderId, string location = Location, long amount = 450, string currency = "EUR", string? customerId = null)
    {
        var order = orderId is null ? string.Empty : $"\"order_id\": \"{orderId}\",";
        var customer = customerId is null ? string.Empty : $"\"customer_id\": \"{customerId}\",";
        return $$"""
            {
              "merchant_id": "MLQW8ZK2E4R7T",
              "type": "{{type}}",
              "event_id": "{{eventId}}",
              "created_at": "2026-11-23T09:30:06.201Z",
              "data": {
                "type": "payment",
                "id": "{{paymentId}}",
                "object": {
                  "payment": {
                    "id": "{{paymentId}}",
                    "created_at": "2026-11-23T09:30:01.880Z",
                    "updated_at": "2026-11-23T09:30:06.050Z",
                    "amount_money": { "amount": {{amount}}, "currency": "{{currency}}" },
                    "total_money": { "amount": {{amount}}, "currency": "{{currency}}" },
                    "approved_money": { "amount": {{amount}}, "currency": "{{currency}}" },
                    "status": "{{status}}",
                    "delay_duration": "PT168H",
                    "source_type": "CARD",
                    "card_details": {
                      "status": "CAPTURED",
                      "card": { "card_brand": "VISA", "last_4": "1111", "exp_month": 11, "exp_year": 2028, "card_type": "CREDIT" },
                      "entry_method": "CONTACTLESS",
                      "cvv_status": "CVV_NOT_CHECKED",
                      "avs_status": "AVS_NOT_CHECKED"
                    },
                    "location_id": "{{location}}",
                    {{order}}
                    {{customer}}
                    "risk_evaluation": { "created_at": "2026-11-23T09:30:02.100Z", "risk_level": "NORMAL" },
                    "receipt_number": "{{paymentId[..4]}}",
                    "application_details": { "square_product": "SQUARE_POS", "application_id": "sq0idp-test" },
                    "version_token": "vT0k3n{{eventId}}"
                  }
                }
              }
            }
            """;
    }

    /// <summary>An <c>order.created</c> / <c>order.updated</c> event (orders created through the API).</summary>
    public static string OrderEvent(string eventId, string type, string orderId, string state, long version = 2, string location = Location)
    {
        var member = type == "order.created" ? "order_created" : "order_updated";
        return $$"""
            {
              "merchant_id": "MLQW8ZK2E4R7T",
              "type": "{{type}}",
              "event_id": "{{eventId}}",
              "created_at": "2026-11-23T09:31:12.359Z",
              "data": {
                "type": "order",
                "id": "{{orderId}}",
                "object": {
                  "{{member}}": {
                    "created_at": "2026-11-23T09:29:40.012Z",
                    "location_id": "{{location}}",
                    "order_id": "{{orderId}}",
                    "state": "{{state}}",
                    "updated_at": "2026-11-23T09:31:12.300Z",
                    "version": {{version}}
                  }
                }
              }
            }
            """;
    }

    /// <summary>A <c>refund.created</c> / <c>refund.updated</c> event.</summary>
    public static string RefundEvent(string eventId, string type, string refundId, string status, string? orderId, long amount, string currency = "EUR", string location = Location)
    {
        var order = orderId is null ? string.Empty : $"\"order_id\": \"{orderId}\",";
        return $$"""
            {
              "merchant_id": "MLQW8ZK2E4R7T",
              "type": "{{type}}",
              "event_id": "{{eventId}}",
              "created_at": "2026-11-24T14:05:16.421Z",
              "data": {
                "type": "refund",
                "id": "{{refundId}}",
                "object": {
                  "refund": {
                    "id": "{{refundId}}",
                    "created_at": "2026-11-24T14:02:41.836Z",
                    "updated_at": "2026-11-24T14:05:16.381Z",
                    "amount_money": { "amount": {{amount}}, "currency": "{{currency}}" },
                    "status": "{{status}}",
                    "processing_fee": [ { "effective_at": "2026-11-24T16:02:31.000Z", "type": "INITIAL", "amount_money": { "amount": -12, "currency": "{{currency}}" } } ],
                    "location_id": "{{location}}",
                    {{order}}
                    "payment_id": "PAY-REFUNDED-1",
                    "reason": "Customer changed their mind",
                    "version": 3
                  }
                }
              }
            }
            """;
    }
}
