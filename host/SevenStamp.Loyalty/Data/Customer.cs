namespace SevenStamp.Loyalty.Data;

/// <summary>
/// A customer of one merchant. Holds no contact data: identifiers live in <see cref="CustomerLink"/>, hashed. A
/// customer who joined from the merchant's poster may have given their birthday (day and month only, no year), for
/// birthday offers; what they agreed to is their card's <see cref="CardConsent"/>.
/// </summary>
public sealed class Customer
{
    public Guid Id { get; set; }

    public required string MerchantId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The month of the customer's birthday (1–12), when they gave it; with <see cref="BirthDay"/>.</summary>
    public int? BirthMonth { get; set; }

    /// <summary>The day of the month of the customer's birthday (1–31), when they gave it; with <see cref="BirthMonth"/>.</summary>
    public int? BirthDay { get; set; }

    /// <summary>
    /// The language the customer joined in (a BCP 47 tag such as <c>he</c>, at most
    /// <see cref="LoyaltyDbContext.LanguageLength"/> characters), when they joined from the merchant's page or an app
    /// named it; null for customers a sale or the API enrolled.
    /// </summary>
    public string? Language { get; set; }
}
