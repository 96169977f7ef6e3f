namespace SevenStamp.Contracts;

/// <summary>One line of a sale.</summary>
public sealed record SaleLineItem
{
    /// <summary>The merchant's SKU, when the POS has one.</summary>
    public string? Sku { get; init; }

    /// <summary>The POS catalog object id (Square catalog variation id, Shopify variant id).</summary>
    public string? CatalogObjectId { get; init; }

    /// <summary>The name shown on the receipt.</summary>
    public required string Name { get; init; }

    /// <summary>The catalog category, when known.</summary>
    public string? Category { get; init; }

    /// <summary>How many were sold; may be fractional for weighed goods.</summary>
    public required decimal Quantity { get; init; }

    /// <summary>Price of one unit before discounts, in major units of the sale's currency.</summary>
    public required decimal UnitPrice { get; init; }
}
