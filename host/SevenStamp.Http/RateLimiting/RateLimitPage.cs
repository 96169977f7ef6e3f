using Microsoft.AspNetCore.Http;

namespace SevenStamp.Http.RateLimiting;

/// <summary>
/// How a person in a browser is told a limit refused them: the host's pages register one, which answers a page's
/// request with a page of its own (still 429 with <c>Retry-After</c>). Without one, or for any other request, the
/// refusal is a problem (JSON).
/// </summary>
public interface IRateLimitPage
{
    /// <summary>Writes the refusal as a page when <paramref name="http"/> asked for one, and says whether it did.</summary>
    Task<bool> TryWriteAsync(HttpContext http, int retryAfterSeconds);
}
