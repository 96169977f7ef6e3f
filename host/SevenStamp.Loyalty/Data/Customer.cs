namespace SevenStamp.Loyalty.Data;

/// <summary>A customer of one merchant. Holds no contact data: identifiers live in <see cref="CustomerLink"/>, hashed.</summary>
public sealed class Customer
{
    public Guid Id { get; set; }

    public required string MerchantId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
