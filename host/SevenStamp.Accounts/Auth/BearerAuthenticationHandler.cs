using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SevenStamp.Http;
using SevenStamp.Loyalty.Engine;
using SevenStamp.Http.Access;

namespace SevenStamp.Accounts.Auth;

/// <summary>
/// <c>Authorization: Bearer &lt;token&gt;</c>: the operator's admin key (everything), a merchant's API key (its
/// scopes), or a staff token made before accounts existed (which acts as a staff API key: redeem only). A request
/// without a bearer token is anonymous here; an unknown token fails.
/// </summary>
internal sealed class BearerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptionsMonitor<AccountsOptions> accounts)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "SevenStampKeys";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // An anonymous endpoint (a webhook, a customer's link) has its own credentials, and may carry an
        // Authorization header that is none of ours: it is not looked up.
        var token = BearerToken.Of(Request);
        if (token is null || Context.GetEndpoint()?.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            return AuthenticateResult.NoResult();
        }

        var caller = await ResolveAsync(token);
        return caller is null
            ? AuthenticateResult.Fail("unknown, revoked or expired key")
            : AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(caller.ToIdentity(SchemeName)), SchemeName));
    }

    private async Task<Caller?> ResolveAsync(string token)
    {
        var adminKey = accounts.CurrentValue.AdminKey;
        if (!string.IsNullOrEmpty(adminKey) && BearerToken.Is(token, adminKey))
        {
            return new Caller(CallerKind.Operator, "operator", null, new HashSet<Permission>());
        }

        var services = Context.RequestServices;
        if (token.StartsWith(ApiKeys.Prefix, StringComparison.Ordinal))
        {
            var key = await services.GetRequiredService<ApiKeys>().ValidateAsync(token, Context.RequestAborted);
            return key is null ? null : new Caller(CallerKind.ApiKey, key.Name, key.MerchantId, Permissions.OfScopes(key.Scopes.Split(',')));
        }

        var staff = await services.GetRequiredService<StaffTokens>().FindAsync(token, Context.RequestAborted);
        return staff is null ? null : new Caller(CallerKind.StaffToken, staff.StaffId, staff.MerchantId, new HashSet<Permission> { Permission.Redeem });
    }
}
