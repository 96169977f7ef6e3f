using Microsoft.AspNetCore.Identity;

namespace SevenStamp.Accounts.Data;

/// <summary>A person of one merchant (ASP.NET Core Identity: hashed password, lockout, two-factor).</summary>
public sealed class AccountUser : IdentityUser<Guid>
{
    public required string MerchantId { get; set; }

    public MerchantRole Role { get; set; }

    /// <summary>For staff of some locations only: their ids, comma-separated; null for every location.</summary>
    public string? Locations { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
