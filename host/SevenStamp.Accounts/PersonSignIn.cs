using Microsoft.AspNetCore.Identity;
using SevenStamp.Accounts.Audit;
using SevenStamp.Accounts.Data;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Http.Access;

namespace SevenStamp.Accounts;

/// <summary>How a sign-in ended.</summary>
public enum SignInOutcome
{
    SignedIn,

    /// <summary>The password is right and the person uses two-factor: the authenticator's code is wanted too.</summary>
    CodeRequired,

    /// <summary>The user name, password or code is wrong (which one is not said).</summary>
    Wrong,

    /// <summary>Too many failures in a row: locked for a while, or until a reset link is used.</summary>
    LockedOut,
}

/// <summary>
/// A person's own account steps, for the API and the pages alike: signing in (lockout, two-factor, a session cookie,
/// each attempt in the audit log), accepting an invite and choosing a new password with a reset link. Each checks its
/// fields and names the one that is wrong.
/// </summary>
public sealed class PersonSignIn(SignInManager<AccountUser> signIn, UserManager<AccountUser> users, MerchantAccounts accounts, AuditLog audit)
{
    /// <summary>Checks the password (and the code of a two-factor account) and, when right, signs the person in.</summary>
    public async Task<(SignInOutcome Outcome, AccountUser? User)> SignInAsync(string userName, string password, string? code)
    {
        var user = await users.FindByNameAsync(userName.Trim());
        if (user is null)
        {
            // An unknown name belongs to no merchant: there is no one to show the attempt to.
            return (SignInOutcome.Wrong, null);
        }

        var result = await signIn.CheckPasswordSignInAsync(user, password, lockoutOnFailure: true);
        if (result.Succeeded && user.TwoFactorEnabled)
        {
            if (string.IsNullOrWhiteSpace(code))
            {
                return (SignInOutcome.CodeRequired, user);
            }

            if (await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, code.Replace(" ", string.Empty, StringComparison.Ordinal)))
            {
                // Identity's password check leaves the failure count of a two-factor account until the code is right.
                await users.ResetAccessFailedCountAsync(user);
            }
            else
            {
                await users.AccessFailedAsync(user);
                result = await users.IsLockedOutAsync(user) ? SignInResult.LockedOut : SignInResult.Failed;
            }
        }

        var kind = result.Succeeded ? "signin.succeeded" : result.IsLockedOut ? "signin.lockedout" : "signin.failed";
        await audit.AppendAsync(user.MerchantId, nameof(CallerKind.Person), user.UserName!, kind, user.UserName, null, null, CancellationToken.None);
        if (result.IsLockedOut)
        {
            return (SignInOutcome.LockedOut, user);
        }

        if (!result.Succeeded)
        {
            return (SignInOutcome.Wrong, user);
        }

        await signIn.SignInAsync(user, isPersistent: false);
        return (SignInOutcome.SignedIn, user);
    }

    public Task SignOutAsync() => signIn.SignOutAsync();

    /// <summary>Accepts an invite with the name and password the person chose; the new person is in the audit log.</summary>
    public async Task<(AccountUser? User, IReadOnlyList<SettingError> Errors)> AcceptInviteAsync(string? token, string? userName, string? password, CancellationToken cancellationToken)
    {
        var errors = new List<SettingError>();
        if (string.IsNullOrWhiteSpace(token))
        {
            errors.Add(new SettingError("token", "is required: the token of the invite link"));
        }

        if (string.IsNullOrWhiteSpace(userName) || userName.Trim().Length > AccountsDbContext.ActorNameLength)
        {
            errors.Add(new SettingError("userName", $"is required: the name to sign in with (letters, digits, @ . - _; at most {AccountsDbContext.ActorNameLength} characters)"));
        }

        if (string.IsNullOrEmpty(password))
        {
            errors.Add(new SettingError("password", "is required"));
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var (user, problems) = await accounts.AcceptInviteAsync(token!.Trim(), userName!.Trim(), password!, cancellationToken);
        if (user is not null)
        {
            await audit.AppendAsync(user.MerchantId, nameof(CallerKind.Person), user.UserName!, "person.joined", user.UserName, null, user.Role.ToString(), CancellationToken.None);
        }

        return (user, problems);
    }

    /// <summary>Sets a new password with a reset link's token; a lockout ends with it. The errors name the field.</summary>
    public async Task<IReadOnlyList<SettingError>> ResetPasswordAsync(string? userName, string? token, string? password)
    {
        if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrWhiteSpace(token) || string.IsNullOrEmpty(password))
        {
            return [new SettingError(string.IsNullOrWhiteSpace(userName) ? "userName" : string.IsNullOrWhiteSpace(token) ? "token" : "password", "is required")];
        }

        var user = await users.FindByNameAsync(userName.Trim());
        var reset = user is null ? null : await users.ResetPasswordAsync(user, token.Trim(), password);
        if (user is null || reset is null || !reset.Succeeded)
        {
            var errors = reset?.Errors.Where(e => e.Code.Contains("Password", StringComparison.Ordinal)).Select(e => new SettingError("password", e.Description)).ToList() ?? [];
            return errors.Count > 0 ? errors : [new SettingError("token", "is not valid for this person (unknown, used already, or expired); ask an owner for a new link")];
        }

        // The link is used up with the security stamp that changed; a lockout ends with it.
        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        await audit.AppendAsync(user.MerchantId, nameof(CallerKind.Person), user.UserName!, "person.password-reset", user.UserName, null, null, CancellationToken.None);
        return [];
    }
}
