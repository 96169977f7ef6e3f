namespace SevenStamp.Loyalty.Data;

/// <summary>A customer's stamp card at one merchant.</summary>
public sealed class Card
{
    public Guid Id { get; set; }

    public required string MerchantId { get; set; }

    /// <summary>The customer's surrogate key (see <see cref="CustomerKey"/>); never clear-text contact data.</summary>
    public required string CustomerKey { get; set; }

    /// <summary>The current stamp balance.</summary>
    public int Stamps { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
