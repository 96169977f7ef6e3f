using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Engine;

/// <summary>Bearer tokens for staff: 32 random bytes, shown once, stored as their SHA-256.</summary>
public sealed class StaffTokens(LoyaltyDbContext db, TimeProvider timeProvider)
{
    /// <summary>Creates a token for a staff member and returns it; it cannot be shown again.</summary>
    public async Task<string> CreateAsync(string merchantId, string staffId, CancellationToken cancellationToken)
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        db.StaffMembers.Add(new StaffMember { MerchantId = merchantId, StaffId = staffId, TokenHash = Hash(token), CreatedAt = timeProvider.GetUtcNow() });
        await db.SaveChangesAsync(cancellationToken);
        return token;
    }

    /// <summary>The staff member a token belongs to, or null for an unknown or revoked token.</summary>
    public Task<StaffMember?> FindAsync(string token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        var hash = Hash(token);
        return db.StaffMembers.AsNoTracking().SingleOrDefaultAsync(s => s.TokenHash == hash && s.RevokedAt == null, cancellationToken);
    }

    /// <summary>Revokes every token of a staff member; returns how many.</summary>
    public Task<int> RevokeAsync(string merchantId, string staffId, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        return db.StaffMembers.Where(s => s.MerchantId == merchantId && s.StaffId == staffId && s.RevokedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.RevokedAt, now), cancellationToken);
    }

    internal static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    internal static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
