namespace SevenStamp.Loyalty.Data;

/// <summary>A staff member who may redeem vouchers at the counter; identified by a bearer token stored only as its hash.</summary>
public sealed class StaffMember
{
    public long Id { get; set; }

    public required string MerchantId { get; set; }

    /// <summary>The merchant's own name for the staff member, e.g. <c>anna</c> or a staff number.</summary>
    public required string StaffId { get; set; }

    /// <summary>SHA-256 (hex) of the token; the token is shown once, when it is created.</summary>
    public required string TokenHash { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
