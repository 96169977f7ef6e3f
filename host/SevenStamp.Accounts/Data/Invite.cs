namespace SevenStamp.Accounts.Data;

/// <summary>A one-time, expiring invitation to become a person of a merchant; only the SHA-256 of its token is kept.</summary>
public sealed class Invite
{
    public Guid Id { get; set; }

    public required string MerchantId { get; set; }

    public MerchantRole Role { get; set; }

    public required string TokenHash { get; set; }

    /// <summary>For staff of some locations only: the POS location ids they work at, comma-separated; null for every location.</summary>
    public string? Locations { get; set; }

    /// <summary>Where the link was sent, when the inviter gave an address; becomes the person's e-mail address.</summary>
    public string? Email { get; set; }

    /// <summary>Who invited: "operator" or the inviting person's user name.</summary>
    public required string InvitedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? UsedAt { get; set; }

    /// <summary>The person the invite became.</summary>
    public Guid? UserId { get; set; }
}
