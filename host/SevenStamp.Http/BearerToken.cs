using Microsoft.AspNetCore.Http;

namespace SevenStamp.Http;

/// <summary>The token a request presents as <c>Authorization: Bearer &lt;token&gt;</c>: the admin key, or a staff member's token.</summary>
public static class BearerToken
{
    /// <summary>The token of an <c>Authorization: Bearer</c> header, or null.</summary>
    public static string? Of(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;
    }
}
