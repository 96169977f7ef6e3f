using SevenStamp.Connectors.Host.Connectors;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Host.Api;

/// <summary>
/// Keeps a merchant to its own connectors under <c>/api/merchants/{merchantId}/connectors</c>: the accounts' tenant
/// check has let through a caller of that merchant; this filter answers a connector of another merchant as if it did
/// not exist (404), whatever the route does with it. Connector ids are one namespace for the host (they are webhook
/// URLs), so creating an id another merchant holds still answers that it exists.
/// </summary>
internal sealed class ConnectorOwnershipFilter(ConnectorManagement management) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        if (MerchantOf(http) is { } merchant && http.GetRouteValue("id") is string id && ConnectorManifest.IsValidId(id))
        {
            var owner = await OwnerAsync(id, http.RequestAborted);
            var exists = owner is not null || management.Supervisor.IsDefinedInFile(id);
            if (exists && !string.Equals(owner, merchant, StringComparison.Ordinal))
            {
                return Results.Problem($"No connector '{id}'; GET /api/merchants/{merchant}/connectors lists this merchant's.", statusCode: StatusCodes.Status404NotFound);
            }
        }

        return await next(context);
    }

    /// <summary>The merchant a request is scoped to (its route's), or null for the operator's <c>/api/connectors</c>.</summary>
    public static string? MerchantOf(HttpContext http) => http.GetRouteValue("merchantId") as string;

    /// <summary>
    /// A draft as the route's merchant may send it: its merchant filled in when left out, refused when another one
    /// or when its plugin is the operator's only (<paramref name="problem"/> says so); unchanged under the operator's
    /// routes.
    /// </summary>
    public static ConnectorDraft? ScopeDraft(HttpContext http, ConnectorDraft draft, ConnectorManagement management, out SettingError? problem)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(management);
        problem = null;
        var merchant = MerchantOf(http);
        if (merchant is null)
        {
            return draft;
        }

        if (management.IsOperatorOnly(draft.Plugin))
        {
            problem = ConnectorManagement.OperatorOnly(draft.Plugin!);
            return null;
        }

        var given = draft.MerchantId?.Trim();
        if (string.IsNullOrEmpty(given))
        {
            return draft with { MerchantId = merchant };
        }

        if (string.Equals(given, merchant, StringComparison.Ordinal))
        {
            return draft;
        }

        problem = new SettingError("merchantId", $"must be \"{merchant}\", the merchant of this route, or left out");
        return null;
    }

    /// <summary>Whose connector <paramref name="id"/> is: the running one's, else the stored one's; null when neither.</summary>
    private async Task<string?> OwnerAsync(string id, CancellationToken cancellationToken) =>
        management.Supervisor.TryGet(id, out var runtime)
            ? runtime.Config.MerchantId
            : (await management.FindAsync(id, cancellationToken))?.MerchantId;
}
