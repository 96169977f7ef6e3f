namespace SevenStamp.Loyalty.Data;

/// <summary>
/// One way a sale can name a customer: a scanned card id, a POS customer id (scoped to its connector), or a
/// hash of the email or phone. Unique per merchant, so an identifier points at one customer.
/// </summary>
public sealed class CustomerLink
{
    public long Id { get; set; }

    public required string MerchantId { get; set; }

    /// <summary><c>card</c>, <c>pos</c>, <c>email</c> or <c>phone</c>.</summary>
    public required string Kind { get; set; }

    /// <summary>The identifier: the card id, <c>connector:posCustomerId</c>, or the hash.</summary>
    public required string Value { get; set; }

    public Guid CustomerId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
