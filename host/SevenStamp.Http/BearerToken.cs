using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace SevenStamp.Http;

/// <summary>The token a request presents as <c>Authorization: Bearer &lt;token&gt;</c>: the admin key, an API key, or a staff member's token.</summary>
public static class BearerToken
{
    /// <summary>The token of an <c>Authorization: Bearer</c> header, or null.</summary>
    public static string? Of(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;
    }

    /// <summary>
    /// Whether <paramref name="token"/> is <paramref name="key"/>, compared in constant time (over their SHA-256, so
    /// neither the content nor the length of the key shows in the time taken).
    /// </summary>
    public static bool Is(string? token, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return token is not null && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(token)), SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }
}
