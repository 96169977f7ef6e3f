using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SevenStamp.Http.Access;

namespace SevenStamp.Accounts.Audit;

/// <summary>
/// Logs every change a caller makes, in one place: each request that is not a read (GET, HEAD, OPTIONS), made with
/// credentials and answered 2xx (or refused on its merits, as its handler notes: <see cref="AuditNote.Refusal"/>), becomes an audit entry: the caller, the merchant (the route's, else the caller's),
/// the endpoint's kind (<see cref="Audited"/>, else its method and route) and what its handler noted
/// (<see cref="AuditNote"/>). An endpoint that forgets to declare a kind is still logged.
/// </summary>
internal sealed partial class AuditMiddleware(RequestDelegate next, ILogger<AuditMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        var method = context.Request.Method;
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)
            || context.GetEndpoint() is not RouteEndpoint endpoint
            || Caller.From(context.User) is not { } caller)
        {
            return;
        }

        string kind;
        var note = context.Features.Get<AuditNote>() ?? new AuditNote();
        if (endpoint.Metadata.GetMetadata<PageAccessAttribute>() is not null)
        {
            // A page answers every form, changed or not; it names the changes it made (and may redirect after one).
            if (note.Kind is null || context.Response.StatusCode is < 200 or > 399)
            {
                return;
            }

            kind = note.Kind;
        }
        else
        {
            var declared = endpoint.Metadata.GetMetadata<Audited>();
            if (declared is { Kind: null } || (context.Response.StatusCode is < 200 or > 299 && !note.Refusal))
            {
                return;
            }

            kind = note.Kind ?? declared?.Kind ?? $"{method} {endpoint.RoutePattern.RawText}";
        }

        note.Subject ??= DefaultSubject(context);
        var merchantId = note.MerchantId ?? context.GetRouteValue("merchantId") as string ?? caller.MerchantId;
        try
        {
            // The change is made: its entry is written even if the caller has gone.
            await context.RequestServices.GetRequiredService<AuditLog>().AppendAsync(caller, merchantId, kind, note, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The answer is on its way and the change cannot be undone here: the failure is logged for the operator.
            LogAppendFailed(logger, ex, kind);
        }
    }

    /// <summary>The route's values but the merchant: the ids of what was changed (e.g. "voucherId=…").</summary>
    private static string? DefaultSubject(HttpContext context)
    {
        var values = context.Request.RouteValues.Where(v => v.Key != "merchantId" && v.Value is not null).Select(v => $"{v.Key}={v.Value}").ToList();
        return values.Count == 0 ? null : string.Join(' ', values);
    }

    [LoggerMessage(EventId = 7101, Level = LogLevel.Error, Message = "A change ({Kind}) was made but its audit entry could not be written")]
    private static partial void LogAppendFailed(ILogger logger, Exception exception, string kind);
}
