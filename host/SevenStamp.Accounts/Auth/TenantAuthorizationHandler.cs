using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SevenStamp.Http.Access;

namespace SevenStamp.Accounts.Auth;

/// <summary>The one tenant check: every endpoint that is not anonymous goes through it (the fallback policy).</summary>
public sealed class TenantRequirement : IAuthorizationRequirement;

/// <summary>
/// Decides, for every endpoint that is not marked anonymous, whether the caller may: the operator may do anything; a
/// merchant's key or person may act only on their own merchant (the route's <c>{merchantId}</c>, or their own where
/// the endpoint says so) and only with the permission the endpoint needs (<see cref="MerchantAccess"/>); everything
/// else is the operator's. A new endpoint that declares nothing is therefore the operator's alone until it says
/// otherwise: forgetting the check cannot open another merchant's data.
/// </summary>
internal sealed class TenantAuthorizationHandler : AuthorizationHandler<TenantRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, TenantRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.Resource as HttpContext;
        if (http is not null && http.GetEndpoint() is null)
        {
            // No endpoint matched: the request ends in 404 (or the next middleware's answer), not in a refusal.
            context.Succeed(requirement);
            return Task.CompletedTask;
        }

        var caller = Caller.From(context.User);
        if (http is null || caller is null)
        {
            return Task.CompletedTask;
        }

        var metadata = http.GetEndpoint()?.Metadata;
        if (metadata?.GetMetadata<PageAccessAttribute>() is { } page)
        {
            // A page is a person's, in a browser with a session: never a key's, nor the operator's (who has no merchant).
            if (caller.Kind == CallerKind.Person && caller.MerchantId is { } merchant && caller.MayAny(page.Permissions, merchant))
            {
                context.Succeed(requirement);
            }

            return Task.CompletedTask;
        }

        var access = metadata?.GetMetadata<MerchantAccess>();
        if (caller.IsOperator)
        {
            if (access?.Scope is not (MerchantScope.Caller or MerchantScope.Person))
            {
                context.Succeed(requirement);
            }

            return Task.CompletedTask;
        }

        var routeMerchant = http.GetRouteValue("merchantId") as string;
        IReadOnlyList<Permission> needed = access?.Permissions ?? [HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) ? Permission.Read : Permission.Write];
        var allowed = (access?.Scope ?? MerchantScope.Route) switch
        {
            MerchantScope.Route => routeMerchant is not null && caller.MayAny(needed, routeMerchant),
            MerchantScope.Caller => caller.MerchantId is { } own && caller.MayAny(needed, own),
            MerchantScope.AnyMerchant => caller.MerchantId is not null && needed.Any(caller.Permissions.Contains),
            MerchantScope.Person => caller.Kind == CallerKind.Person,
            _ => false,
        };
        if (allowed)
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
