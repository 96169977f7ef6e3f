using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using SevenStamp.Http;
using SevenStamp.Http.Access;

namespace SevenStamp.Accounts.Auth;

/// <summary>
/// Answers a refused request with a problem that says what to send, never which other merchant's data exists: 401
/// without valid credentials (503 while the host has no admin key and the request carries none, as before accounts:
/// the management API is off), 403 when the credentials are valid but not for this.
/// </summary>
internal sealed class ProblemAuthorizationResultHandler(IOptionsMonitor<AccountsOptions> accounts) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if ((authorizeResult.Challenged || authorizeResult.Forbidden) && context.GetEndpoint()?.Metadata.GetMetadata<PageAccessAttribute>() is not null)
        {
            // A person in a browser: to the sign-in page and back, or to the page that says the role may not.
            var back = Uri.EscapeDataString(context.Request.Path + context.Request.QueryString);
            context.Response.Redirect(authorizeResult.Challenged ? $"{AccountPaths.SignIn}?returnUrl={back}" : $"{AccountPaths.Denied}?returnUrl={back}");
            return;
        }

        if (authorizeResult.Challenged)
        {
            var off = string.IsNullOrEmpty(accounts.CurrentValue.AdminKey) && BearerToken.Of(context.Request) is null;
            await (off
                ? Results.Problem("The management API is off: set SevenStamp:Api:AdminKey to enable it.", statusCode: StatusCodes.Status503ServiceUnavailable)
                : Results.Problem("Send a valid key as 'Authorization: Bearer <key>': the operator's admin key, or an API key of the merchant.", statusCode: StatusCodes.Status401Unauthorized)).ExecuteAsync(context);
            return;
        }

        if (authorizeResult.Forbidden)
        {
            await Results.Problem("These credentials may not do this: a merchant's key or account acts only on its own merchant, within its role or scopes.", statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(context);
            return;
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
