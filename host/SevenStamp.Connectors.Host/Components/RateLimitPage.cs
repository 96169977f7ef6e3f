using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Http.HttpResults;
using SevenStamp.Http.RateLimiting;

namespace SevenStamp.Connectors.Host.Components;

/// <summary>
/// A page's request refused by a rate limit (the join page's form, the sign-in form) gets a page in the person's
/// language saying to wait, with a link back, not a problem in JSON: the app renders <see cref="Pages.TooManyRequests"/>
/// in its layout as a re-execution would, with the status 429 and <c>Retry-After</c> the limiter set.
/// </summary>
internal sealed class RateLimitPage : IRateLimitPage
{
    /// <summary>The path of the page that says to wait.</summary>
    public const string Path = "/too-many-requests";

    /// <summary>Where the refused request was going (a local path), for the page's link back.</summary>
    public const string ReturnItem = "SevenStamp.RateLimitPage.Return";

    public async Task<bool> TryWriteAsync(HttpContext http, int retryAfterSeconds)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.GetEndpoint()?.Metadata.GetMetadata<ComponentTypeMetadata>() is null)
        {
            return false;
        }

        http.Items[ReturnItem] = http.Request.Path.Value;
        http.Request.Path = Path;
        http.Request.QueryString = QueryString.Empty;
        await new RazorComponentResult<App> { StatusCode = StatusCodes.Status429TooManyRequests }.ExecuteAsync(http);
        return true;
    }
}
