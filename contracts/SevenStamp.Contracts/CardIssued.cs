namespace SevenStamp.Contracts;

/// <summary>A customer got a new stamp card: they joined from the merchant's poster, or a first sale or an API call made it.</summary>
public sealed record CardIssued
{
    public required string MerchantId { get; init; }

    public required Guid CardId { get; init; }

    /// <summary>The customer the card belongs to.</summary>
    public required Guid CustomerId { get; init; }

    /// <summary>How the card came to be: <see cref="CardOrigin"/>.</summary>
    public required CardOrigin Origin { get; init; }

    /// <summary>The location the card was made at, when known (the sale's POS location).</summary>
    public string? LocationId { get; init; }

    /// <summary>The language the customer joined in (a BCP 47 tag such as <c>he</c>), when they joined from a page.</summary>
    public string? Language { get; init; }

    public required DateTimeOffset IssuedAt { get; init; }
}

/// <summary>How a card came to be.</summary>
public enum CardOrigin
{
    /// <summary>The customer's first identified sale made it.</summary>
    Sale = 0,

    /// <summary>The customer joined from the merchant's join page.</summary>
    Join = 1,

    /// <summary>The merchant or an integration made it through the API.</summary>
    Api = 2,
}
