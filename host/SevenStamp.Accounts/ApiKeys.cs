using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Accounts.Data;

using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Accounts;

/// <summary>
/// A merchant's API keys: <c>ssk_{keyId}_{secret}</c> with 32 random bytes of secret, shown once and stored as the
/// secret's SHA-256 (a random secret needs no slow hash); compared in constant time. A key can be revoked, or rotated:
/// the new key is shown once and the old one keeps working for the overlap the caller asks for.
/// </summary>
public sealed class ApiKeys(AccountsDbContext db, TimeProvider time)
{
    public const string Prefix = "ssk_";

    /// <summary>The longest overlap a rotation may give the old key.</summary>
    public static readonly TimeSpan MaxOverlap = TimeSpan.FromDays(30);

    /// <summary>How stale <see cref="ApiKey.LastUsedAt"/> may be: a key used many times a second is written at most this often.</summary>
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    /// <summary>Creates a key; the returned text is the only time its secret is seen.</summary>
    /// <summary>Checks a key's name (one line people recognize) and scopes (read, write, redeem); each error names its field.</summary>
    public static (string Name, IReadOnlyCollection<string> Scopes, IReadOnlyList<SettingError> Errors) Check(string? name, IReadOnlyList<string>? scopes)
    {
        var trimmed = name?.Trim() ?? string.Empty;
        var given = scopes ?? [];
        var errors = new List<SettingError>();
        if (trimmed.Length == 0 || trimmed.Length > AccountsDbContext.ActorNameLength || trimmed.Any(char.IsControl))
        {
            errors.Add(new SettingError("name", $"is required: a name people recognize, e.g. \"till 2\" (1–{AccountsDbContext.ActorNameLength} characters on one line)"));
        }

        if (given.Count == 0 || given.Any(s => !Permissions.Scopes.Contains(s)))
        {
            errors.Add(new SettingError("scopes", $"give one or more of {string.Join(", ", Permissions.Scopes)}"));
        }

        return (trimmed, [.. given.Distinct(StringComparer.Ordinal)], errors);
    }

    public async Task<(ApiKey Key, string Token)> CreateAsync(string merchantId, string name, IReadOnlyCollection<string> scopes, CancellationToken cancellationToken, Guid? rotatedFrom = null)
    {
        var keyId = RandomText(12);
        var secret = RandomText(32);
        var key = new ApiKey
        {
            Id = Guid.NewGuid(),
            MerchantId = merchantId,
            Name = name,
            KeyId = keyId,
            SecretHash = Hash(secret),
            Scopes = string.Join(',', Permissions.Scopes.Where(scopes.Contains)),
            CreatedAt = time.GetUtcNow(),
            RotatedFrom = rotatedFrom,
        };
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken);
        return (key, $"{Prefix}{keyId}_{secret}");
    }

    /// <summary>The merchant's keys, newest first (no secrets: only their hashes are kept).</summary>
    public Task<List<ApiKey>> ListAsync(string merchantId, CancellationToken cancellationToken) =>
        db.ApiKeys.AsNoTracking().Where(k => k.MerchantId == merchantId).OrderByDescending(k => k.CreatedAt).ToListAsync(cancellationToken);

    /// <summary>The key a bearer token is, while it is valid (not revoked, not past a rotation's overlap); null otherwise.</summary>
    public async Task<ApiKey?> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > 128)
        {
            return null;
        }

        var parts = token[Prefix.Length..].Split('_', 2);
        if (parts.Length != 2)
        {
            return null;
        }

        var key = await db.ApiKeys.SingleOrDefaultAsync(k => k.KeyId == parts[0], cancellationToken);
        var now = time.GetUtcNow();
        if (key is null
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(parts[1])), Encoding.ASCII.GetBytes(key.SecretHash))
            || key.RevokedAt is not null
            || key.ExpiresAt <= now)
        {
            return null;
        }

        if (key.LastUsedAt is null || now - key.LastUsedAt > LastUsedResolution)
        {
            key.LastUsedAt = now;
            await db.SaveChangesAsync(cancellationToken);
        }

        return key;
    }

    /// <summary>Revokes a key of the merchant at once; false when it has no such key.</summary>
    public async Task<ApiKey?> RevokeAsync(string merchantId, Guid id, CancellationToken cancellationToken)
    {
        var key = await db.ApiKeys.SingleOrDefaultAsync(k => k.Id == id && k.MerchantId == merchantId, cancellationToken);
        if (key is not null && key.RevokedAt is null)
        {
            key.RevokedAt = time.GetUtcNow();
            await db.SaveChangesAsync(cancellationToken);
        }

        return key;
    }

    /// <summary>
    /// Replaces a key by a new one with the same name and scopes; the old key keeps working for
    /// <paramref name="overlap"/> (zero: it stops now), so callers can switch without a gap. Null when the merchant
    /// has no such live key.
    /// </summary>
    public async Task<(ApiKey Key, string Token)?> RotateAsync(string merchantId, Guid id, TimeSpan overlap, CancellationToken cancellationToken)
    {
        var old = await db.ApiKeys.SingleOrDefaultAsync(k => k.Id == id && k.MerchantId == merchantId, cancellationToken);
        var now = time.GetUtcNow();
        if (old is null || old.RevokedAt is not null || old.ExpiresAt <= now)
        {
            return null;
        }

        var until = now + overlap;
        old.ExpiresAt = old.ExpiresAt is { } earlier && earlier < until ? earlier : until;
        return await CreateAsync(merchantId, old.Name, old.Scopes.Split(','), cancellationToken, rotatedFrom: old.Id);
    }

    internal static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Random letters and digits (no '_' or '-', so a key splits unambiguously).</summary>
    internal static string RandomText(int length) => RandomNumberGenerator.GetString("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", length);
}
