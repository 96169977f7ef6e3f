using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Net.Http.Headers;

namespace SevenStamp.Connectors.Host.Components;

/// <summary>
/// Marks a page that shares its route with a JSON endpoint of the API (the customer's card and voucher links): a
/// browser, which asks for HTML, gets the page; any other client gets the JSON it always got
/// (<see cref="BrowserPagePolicy"/>). The page is a full Blazor page (the App shell, its layout, its forms), and the
/// endpoint stays where its area maps it, unchanged.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class BrowserPageAttribute : Attribute;

/// <summary>
/// Chooses between a <see cref="BrowserPageAttribute">browser page</see> and the other endpoint of the same route by
/// the request's <c>Accept</c> header: the page when the request asks for HTML by name at least as much as for JSON
/// (a browser's navigation, Blazor's enhanced navigation), the other endpoint otherwise (no <c>Accept</c>,
/// <c>*/*</c>, <c>application/json</c>). Both answers then carry <c>Vary: Accept</c>.
/// </summary>
internal sealed class BrowserPagePolicy : MatcherPolicy, IEndpointSelectorPolicy
{
    // After the HTTP method has been matched: a form post reaches the page alone.
    public override int Order => 1000;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) =>
        endpoints.Any(e => e.Metadata.GetMetadata<BrowserPageAttribute>() is not null);

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        int pages = 0, others = 0;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates.IsValidCandidate(i))
            {
                _ = IsPage(candidates[i].Endpoint) ? pages++ : others++;
            }
        }

        if (pages == 0 || others == 0)
        {
            return Task.CompletedTask;
        }

        var html = WantsHtml(httpContext.Request);
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates.IsValidCandidate(i) && IsPage(candidates[i].Endpoint) != html)
            {
                candidates.SetValidity(i, false);
            }
        }

        httpContext.Response.Headers.Append(HeaderNames.Vary, HeaderNames.Accept);
        return Task.CompletedTask;
    }

    /// <summary>Whether the request names HTML (<c>text/html</c> or <c>application/xhtml+xml</c>) with a quality above zero and no lower than JSON's.</summary>
    internal static bool WantsHtml(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accepted))
        {
            return false;
        }

        double html = 0, json = 0;
        foreach (var type in accepted)
        {
            var quality = type.Quality ?? 1;
            if (type.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase) || type.MediaType.Equals("application/xhtml+xml", StringComparison.OrdinalIgnoreCase))
            {
                html = Math.Max(html, quality);
            }
            else if (type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.MediaType.Equals("application/problem+json", StringComparison.OrdinalIgnoreCase))
            {
                json = Math.Max(json, quality);
            }
        }

        return html > 0 && html >= json;
    }

    private static bool IsPage(Endpoint endpoint) => endpoint.Metadata.GetMetadata<BrowserPageAttribute>() is not null;
}
