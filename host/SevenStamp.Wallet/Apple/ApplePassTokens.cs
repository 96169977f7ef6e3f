using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Wallet.Data;

namespace SevenStamp.Wallet.Apple;

/// <summary>
/// Pass authentication tokens: 32 random bytes (base64url), stored only as their SHA-256 and bound to one pass
/// (pass type id + serial number). A token cannot be read back from its hash, so each download of a pass mints a
/// new one, and a pass re-issued to a device carries the token the device presented.
/// </summary>
internal static class ApplePassTokens
{
    public const string Scheme = "ApplePass";

    public static async Task<string> MintAsync(WalletDbContext db, string passTypeId, Guid serialNumber, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        db.Set<ApplePassToken>().Add(new ApplePassToken { PassTypeId = passTypeId, SerialNumber = serialNumber, TokenHash = Hash(token), CreatedAt = now });
        await db.SaveChangesAsync(cancellationToken);
        return token;
    }

    /// <summary>The token of an <c>Authorization: ApplePass &lt;token&gt;</c> header when it was minted for this very pass; otherwise null.</summary>
    public static async Task<string?> VerifyAsync(WalletDbContext db, string passTypeId, Guid serialNumber, string? authorization, CancellationToken cancellationToken)
    {
        if (authorization is null || !authorization.StartsWith(Scheme + " ", StringComparison.Ordinal))
        {
            return null;
        }

        var token = authorization[(Scheme.Length + 1)..].Trim();
        if (token.Length is < 16 or > 256)
        {
            return null;
        }

        var hash = Hash(token);
        var bound = await db.Set<ApplePassToken>().AsNoTracking()
            .AnyAsync(t => t.TokenHash == hash && t.PassTypeId == passTypeId && t.SerialNumber == serialNumber, cancellationToken);
        return bound ? token : null;
    }

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
