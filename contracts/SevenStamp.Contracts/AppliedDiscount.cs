namespace SevenStamp.Contracts;

/// <summary>A discount applied to a sale. Any of its code text, name or catalog id may match a Redeem Code.</summary>
public sealed record AppliedDiscount
{
    /// <summary>The code the cashier or customer entered, when the POS records one.</summary>
    public string? Code { get; init; }

    /// <summary>The discount's display name.</summary>
    public string? Name { get; init; }

    /// <summary>The POS catalog object id of the discount.</summary>
    public string? CatalogObjectId { get; init; }

    /// <summary>The amount taken off, in major units of the sale's currency.</summary>
    public decimal Amount { get; init; }
}
