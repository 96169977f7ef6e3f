using System.Security.Cryptography;

namespace SevenStamp.Loyalty.Engine;

/// <summary>Redeem Code text: generation from an unambiguous alphabet, and the normal form sales are matched in.</summary>
public static class RedeemCodes
{
    /// <summary>Letters and digits without 0/O and 1/I, which customers and cashiers misread.</summary>
    public const string Alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

    /// <summary>A code as compared: trimmed and upper-cased (invariant). Null for blank input.</summary>
    public static string? Normalize(string? code)
    {
        var trimmed = code?.Trim();
        return string.IsNullOrEmpty(trimmed) ? null : trimmed.ToUpperInvariant();
    }

    /// <summary>A new code: <paramref name="prefix"/> followed by <paramref name="length"/> random characters of <see cref="Alphabet"/>.</summary>
    public static string Generate(string prefix, int length)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 4);
        return prefix + RandomNumberGenerator.GetString(Alphabet, length);
    }

    /// <summary>True when <paramref name="normalized"/> has the shape of a code generated with this prefix and length.</summary>
    public static bool LooksGenerated(string normalized, string prefix, int length)
    {
        ArgumentNullException.ThrowIfNull(normalized);
        var upperPrefix = Normalize(prefix) ?? string.Empty;
        return normalized.Length == upperPrefix.Length + length
            && normalized.StartsWith(upperPrefix, StringComparison.Ordinal)
            && normalized.AsSpan(upperPrefix.Length).IndexOfAnyExcept(Alphabet) < 0;
    }
}
