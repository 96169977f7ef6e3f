namespace SevenStamp.Connectors.CsvDrop;

/// <summary>The sale fields a CSV column can be mapped to, by the names merchants write in the <c>columns</c> setting.</summary>
internal static class CsvField
{
    public const string SaleId = "saleId";
    public const string OccurredAt = "occurredAt";
    public const string Total = "total";
    public const string Currency = "currency";
    public const string LocationId = "locationId";
    public const string CustomerId = "customerId";
    public const string LoyaltyCardId = "loyaltyCardId";
    public const string Email = "email";
    public const string Phone = "phone";
    public const string DiscountCodes = "discountCodes";
    public const string Sku = "sku";
    public const string ItemName = "itemName";
    public const string Quantity = "quantity";
    public const string UnitPrice = "unitPrice";
    public const string Category = "category";
    public const string Type = "type";
    public const string RefundId = "refundId";
    public const string RefundOf = "refundOf";
    public const string FullRefund = "fullRefund";

    /// <summary>Every field, in the order the documentation lists them.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        SaleId, OccurredAt, Total, Currency, LocationId, CustomerId, LoyaltyCardId, Email, Phone, DiscountCodes,
        Sku, ItemName, Quantity, UnitPrice, Category, Type, RefundId, RefundOf, FullRefund,
    ];

    /// <summary>Fields every file must have a column for (currency too, unless the <c>currency</c> setting gives it).</summary>
    public static IReadOnlyList<string> Required { get; } = [SaleId, OccurredAt, Total];
}
