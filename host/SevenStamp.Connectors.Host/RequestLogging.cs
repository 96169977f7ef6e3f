using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.HttpLogging;
using Microsoft.AspNetCore.Routing.Patterns;

namespace SevenStamp.Connectors.Host;

/// <summary>
/// Request logging without the secrets some requests carry. A customer's card and voucher links hold their token in
/// the path (<c>/wallet/cards/{id}/{token}</c>, <c>/v/{id}/{token}</c>), the Google Save redirect holds a signed JWT
/// in its target, and PassKit paths hold the device's library id. ASP.NET Core writes the raw path in framework
/// logs at whatever level an operator turns on: hosting's request start and finish (Information) and its request
/// scope (on every line written during the request), routing's matcher (Debug, Trace), and the redirect result's
/// target (Information). Those categories are switched off for every logging provider, whatever the configuration
/// says, and ASP.NET Core's HTTP logging writes the request line instead, with the route's template in place of
/// the secret route values (<c>GET /wallet/cards/5f0c…/{token}/apple.pkpass 200</c>). No headers are logged, so
/// neither <c>Authorization: Bearer</c> nor <c>ApplePass</c> tokens.
/// </summary>
internal static class RequestLogging
{
    /// <summary>The framework categories that write a request's raw path or a redirect's target.</summary>
    internal static readonly string[] PathBearingCategories =
    [
        "Microsoft.AspNetCore.Hosting.Diagnostics",
        "Microsoft.AspNetCore.Routing.Matching.DfaMatcher",
        "Microsoft.AspNetCore.Http.Result.RedirectResult",
    ];

    /// <summary>Route values that are never written: the card and voucher link tokens, and Apple's device library id.</summary>
    internal static readonly FrozenSet<string> SecretRouteValues = FrozenSet.Create(StringComparer.OrdinalIgnoreCase, "token", "deviceLibraryIdentifier");

    /// <summary>Switches the path-bearing categories off and logs requests through HTTP logging with secret route values left out.</summary>
    public static void AddRedactedRequestLogging(this WebApplicationBuilder builder)
    {
        builder.Services.PostConfigure<LoggerFilterOptions>(SilencePathBearingCategories);
        builder.Services.AddHttpLogging(logging =>
        {
            logging.LoggingFields = HttpLoggingFields.RequestMethod | HttpLoggingFields.ResponseStatusCode | HttpLoggingFields.Duration;
            logging.CombineLogs = true;
        });
        builder.Services.AddHttpLoggingInterceptor<RedactedPathInterceptor>();
    }

    /// <summary>
    /// Adds, after every rule the configuration made, a rule that turns each path-bearing category off, for every
    /// provider a rule names and for all others. A provider's own rules win over general ones and the longest
    /// category wins among them, so the full category name per provider is the one rule nothing else overrides.
    /// </summary>
    internal static void SilencePathBearingCategories(LoggerFilterOptions options)
    {
        var providers = options.Rules.Select(r => r.ProviderName).Where(p => p is not null).Distinct(StringComparer.Ordinal).Prepend(null).ToList();
        foreach (var provider in providers)
        {
            foreach (var category in PathBearingCategories)
            {
                options.Rules.Add(new LoggerFilterRule(provider, category, LogLevel.None, filter: null));
            }
        }
    }

    /// <summary>
    /// The path as the log shows it: the matched route's template with each route value filled in (escaped, so a
    /// value cannot break the line) except the secret ones, which keep their <c>{name}</c>. A request no route matched
    /// may carry a token in a malformed link, so only its first segment is shown.
    /// </summary>
    internal static string LoggablePath(HttpContext http)
    {
        if (http.GetEndpoint() is not RouteEndpoint { RoutePattern: var pattern })
        {
            var segments = (http.Request.Path.Value ?? string.Empty).Split('/', StringSplitOptions.RemoveEmptyEntries);
            return segments.Length switch
            {
                0 => "/",
                1 => "/" + Uri.EscapeDataString(segments[0]),
                _ => "/" + Uri.EscapeDataString(segments[0]) + "/…",
            };
        }

        var text = new StringBuilder();
        foreach (var segment in pattern.PathSegments)
        {
            text.Append('/');
            foreach (var part in segment.Parts)
            {
                switch (part)
                {
                    case RoutePatternLiteralPart literal:
                        text.Append(literal.Content);
                        break;
                    case RoutePatternSeparatorPart separator:
                        text.Append(separator.Content);
                        break;
                    case RoutePatternParameterPart parameter when !SecretRouteValues.Contains(parameter.Name)
                        && http.Request.RouteValues.TryGetValue(parameter.Name, out var value) && value is not null:
                        text.Append(Uri.EscapeDataString(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty));
                        break;
                    case RoutePatternParameterPart parameter:
                        text.Append('{').Append(parameter.Name).Append('}');
                        break;
                }
            }
        }

        return text.Length == 0 ? "/" : text.ToString();
    }

    /// <summary>Puts <see cref="LoggablePath"/> in the HTTP log in place of the raw path.</summary>
    private sealed class RedactedPathInterceptor : IHttpLoggingInterceptor
    {
        public ValueTask OnRequestAsync(HttpLoggingInterceptorContext logContext)
        {
            logContext.TryDisable(HttpLoggingFields.RequestPath | HttpLoggingFields.RequestQuery);
            logContext.AddParameter("Path", LoggablePath(logContext.HttpContext));
            return ValueTask.CompletedTask;
        }

        public ValueTask OnResponseAsync(HttpLoggingInterceptorContext logContext) => ValueTask.CompletedTask;
    }
}
