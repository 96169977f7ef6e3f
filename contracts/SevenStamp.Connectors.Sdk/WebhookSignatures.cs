using System.Security.Cryptography;

namespace SevenStamp.Connectors.Sdk;

/// <summary>The text encoding of a signature header.</summary>
public enum SignatureEncoding
{
    Base64 = 0,
    Hex = 1,
}

/// <summary>HMAC verification over raw bytes in constant time, for webhook receivers.</summary>
public static class WebhookSignatures
{
    /// <summary>
    /// True when <paramref name="presented"/> is the HMAC-SHA256 of <paramref name="payload"/> under one of
    /// <paramref name="keys"/> (several keys are active while a secret rotates). Comparison is constant-time.
    /// </summary>
    public static bool VerifyHmacSha256(ReadOnlySpan<byte> payload, string? presented, IEnumerable<byte[]> keys, SignatureEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (string.IsNullOrWhiteSpace(presented) || !TryDecode(presented.Trim(), encoding, out var presentedBytes) || presentedBytes.Length != HMACSHA256.HashSizeInBytes)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        var match = false;
        foreach (var key in keys)
        {
            HMACSHA256.HashData(key, payload, expected);
            // Check every key, so the time taken does not tell which one matched.
            match |= CryptographicOperations.FixedTimeEquals(expected, presentedBytes);
        }

        return match;
    }

    /// <summary>Computes the HMAC-SHA256 of <paramref name="payload"/> in the given encoding (for tests and senders).</summary>
    public static string ComputeHmacSha256(ReadOnlySpan<byte> payload, byte[] key, SignatureEncoding encoding)
    {
        var hash = HMACSHA256.HashData(key, payload);
        return encoding == SignatureEncoding.Hex ? Convert.ToHexStringLower(hash) : Convert.ToBase64String(hash);
    }

    private static bool TryDecode(string text, SignatureEncoding encoding, out byte[] bytes)
    {
        try
        {
            bytes = encoding == SignatureEncoding.Hex ? Convert.FromHexString(text) : Convert.FromBase64String(text);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }
}
