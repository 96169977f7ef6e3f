using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using SevenStamp.Accounts.Data;
using SevenStamp.Http.Access;

namespace SevenStamp.Accounts.Auth;

/// <summary>A person's sign-in claims carry their merchant and their role's permissions, as a key's do (<see cref="Caller"/>).</summary>
internal sealed class CallerClaimsFactory(UserManager<AccountUser> users, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<AccountUser>(users, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(AccountUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var identity = await base.GenerateClaimsAsync(user);
        var caller = new Caller(CallerKind.Person, user.UserName ?? user.Id.ToString(), user.MerchantId, Permissions.Of(user.Role))
        {
            Locations = StaffLocations.Parse(user.Locations),
        };
        identity.AddClaims(caller.ToIdentity(identity.AuthenticationType ?? "Identity.Application").Claims.Where(c => c.Type != ClaimTypes.Name));
        return identity;
    }
}
