using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using SevenStamp.Accounts.Audit;
using SevenStamp.Accounts.Auth;
using SevenStamp.Accounts.Data;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Http;
using SevenStamp.Http.Access;
using SevenStamp.Http.Localization;
using SevenStamp.Http.RateLimiting;

namespace SevenStamp.Accounts.Api;

/// <summary>
/// Merchants (the operator's), their people and API keys (their owners'), and the anonymous account calls: accepting an
/// invite and signing in. Every route is checked by the one tenant policy (<see cref="TenantAuthorizationHandler"/>).
/// </summary>
public static class AccountsApi
{
    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder endpoints)
    {
        var merchants = endpoints.MapGroup("/api/merchants").WithTags("Accounts");
        merchants.MapPost(string.Empty, CreateMerchantAsync).Audited("merchant.created").WithSummary("Create a merchant and a one-time invite for its first owner (operator)");
        merchants.MapGet(string.Empty, ListMerchantsAsync).WithSummary("The merchants created through the API (operator)");

        var merchant = endpoints.MapGroup("/api/merchants/{merchantId}").WithTags("Accounts");
        merchant.MapPut("/language", SetLanguageAsync).RequireMerchant(Permission.Write).Audited("merchant.language-changed")
            .WithSummary("The language customers and staff read when their browser asks for none of the supported ones (en, he, fa, zh-Hans, kk, uz)");
        merchant.MapPost("/people/invites", InviteAsync).RequireMerchant(Permission.ManagePeople).Audited("person.invited").WithSummary("Invite a person (owner, manager or staff): a one-time, expiring link");
        merchant.MapGet("/people", ListPeopleAsync).RequireMerchant(Permission.ManagePeople).WithSummary("The merchant's people");
        merchant.MapDelete("/people/{userId:guid}", RemovePersonAsync).RequireMerchant(Permission.ManagePeople).Audited("person.removed").WithSummary("Remove a person");
        merchant.MapPost("/keys", CreateKeyAsync).RequireMerchant(Permission.ManageKeys).Audited("key.created").WithSummary("Create an API key with scopes (read, write, redeem); its secret is shown once");
        merchant.MapGet("/keys", ListKeysAsync).RequireMerchant(Permission.ManageKeys).WithSummary("The merchant's API keys (never their secrets)");
        merchant.MapDelete("/keys/{keyId:guid}", RevokeKeyAsync).RequireMerchant(Permission.ManageKeys).Audited("key.revoked").WithSummary("Revoke an API key at once");
        merchant.MapPost("/keys/{keyId:guid}/rotate", RotateKeyAsync).RequireMerchant(Permission.ManageKeys).Audited("key.rotated").WithSummary("Replace a key; the old one keeps working for the overlap");

        merchant.MapPost("/people/{userId:guid}/password-reset", IssuePasswordResetAsync).RequireMerchant(Permission.ManagePeople).Audited("person.password-reset-issued")
            .WithSummary("A one-time link for a person to choose a new password (it also ends a lockout)");
        merchant.MapGet("/audit", ReadAuditAsync).RequireMerchant(Permission.ManagePeople)
            .WithSummary("The merchant's audit log, newest first: ?from=&to= (ISO 8601), ?actor=, ?kind= (e.g. connector or voucher.voided), ?limit= (at most 500)");

        var account = endpoints.MapGroup("/api/account").WithTags("Accounts").AllowAnonymous();
        account.MapPost("/invites/accept", AcceptInviteAsync).RequireRateLimiting(RateLimits.PasswordReset).WithSummary("Accept an invite: become a person of the merchant with a user name and password");
        account.MapPost("/sign-in", SignInAsync).RequireRateLimiting(RateLimits.SignIn).WithSummary("Sign in with a user name and password (a cookie for the console and the scanner)");
        account.MapPost("/sign-out", SignOutAsync).NotAudited().WithSummary("End the session");
        account.MapPost("/password-reset", ResetPasswordAsync).RequireRateLimiting(RateLimits.PasswordReset).WithSummary("Choose a new password with a reset link's token");

        var person = endpoints.MapGroup("/api/account/two-factor").WithTags("Accounts").RequirePerson();
        person.MapPost("/setup", SetUpTwoFactorAsync).Audited("person.two-factor-setup").WithSummary("A new authenticator key for the signed-in person (two-factor stays off until enabled)");
        person.MapPost("/enable", EnableTwoFactorAsync).Audited("person.two-factor-enabled").WithSummary("Turn two-factor sign-in on with a code from the authenticator app");
        person.MapPost("/disable", DisableTwoFactorAsync).Audited("person.two-factor-disabled").WithSummary("Turn two-factor sign-in off");
        return endpoints;
    }

    private static async Task<IResult> CreateMerchantAsync(MerchantRequest? request, HttpContext http, MerchantAccounts accounts, CancellationToken cancellationToken)
    {
        var id = request?.Id?.Trim();
        var name = request?.Name?.Trim();
        var errors = new List<SettingError>();
        if (!ConnectorManifest.IsValidId(id))
        {
            errors.Add(new SettingError("id", "is required: lower-case letters, digits and dashes (1–63 characters), e.g. \"corner-cafe\""));
        }

        if (string.IsNullOrEmpty(name) || name.Length > AccountsDbContext.NameLength || name.Any(char.IsControl))
        {
            errors.Add(new SettingError("name", $"is required: the merchant's name as people know it, 1–{AccountsDbContext.NameLength} characters on one line"));
        }

        var language = PeopleLanguages.Match(request?.Language);
        if (!string.IsNullOrWhiteSpace(request?.Language) && language is null)
        {
            errors.Add(new SettingError("language", PeopleLanguages.Problem));
        }

        if (errors.Count > 0)
        {
            return Invalid(errors);
        }

        var (merchant, invite, error) = await accounts.CreateMerchantAsync(id!, name!, cancellationToken, language);
        http.Features.Set(new AuditNote { MerchantId = id, Subject = id, After = $"{name}; owner invite {invite?.Id}" });
        return merchant is null
            ? Results.Problem(error!.Message, statusCode: StatusCodes.Status409Conflict)
            : Results.Created($"/api/merchants/{merchant.Id}", new MerchantCreatedResponse(merchant.Id, merchant.Name, merchant.CreatedAt, Invite(invite!), merchant.Language ?? PeopleLanguages.Default));
    }

    private static async Task<IResult> ListMerchantsAsync(MerchantAccounts accounts, CancellationToken cancellationToken) =>
        Results.Ok((await accounts.ListMerchantsAsync(cancellationToken)).Select(m => new MerchantResponse(m.Id, m.Name, m.CreatedAt, m.Language ?? PeopleLanguages.Default)));

    private static async Task<IResult> SetLanguageAsync(string merchantId, MerchantLanguageRequest? request, HttpContext http, MerchantAccounts accounts, CancellationToken cancellationToken)
    {
        var language = PeopleLanguages.Match(request?.Language);
        if (language is null)
        {
            return Invalid([new SettingError("language", PeopleLanguages.Problem)]);
        }

        var stored = language == PeopleLanguages.Default ? null : language;
        var before = await accounts.SetLanguageAsync(merchantId, stored, cancellationToken);
        http.Audit($"merchant {merchantId}", before ?? PeopleLanguages.Default, language);
        return Results.Ok(new MerchantLanguageRequest(language));
    }

    private static async Task<IResult> InviteAsync(string merchantId, InviteRequest? request, HttpContext http, MerchantAccounts accounts, CancellationToken cancellationToken)
    {
        var (invite, errors) = await accounts.InvitePersonAsync(merchantId, request?.Role, request?.Locations, request?.Email, Caller.From(http.User)!.Name, Site(http), cancellationToken);
        if (invite is null)
        {
            return Invalid(errors);
        }

        http.Audit($"invite {invite.Id}", null, invite.AuditSummary);
        return Results.Created(invite.Path, Invite(invite));
    }

    /// <summary>The site as the caller reached it, for absolute links in e-mail.</summary>
    public static Uri Site(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return new Uri($"{http.Request.Scheme}://{http.Request.Host}/");
    }

    private static async Task<IResult> ListPeopleAsync(string merchantId, MerchantAccounts accounts, TimeProvider time, CancellationToken cancellationToken) =>
        Results.Ok((await accounts.ListPeopleAsync(merchantId, cancellationToken)).Select(u => Person(u, time.GetUtcNow())));

    private static async Task<IResult> RemovePersonAsync(string merchantId, Guid userId, HttpContext http, MerchantAccounts accounts, CancellationToken cancellationToken)
    {
        var removed = await accounts.RemovePersonAsync(merchantId, userId, cancellationToken);
        if (removed is null)
        {
            return Results.Problem("No such person of this merchant.", statusCode: StatusCodes.Status404NotFound);
        }

        http.Audit(removed.UserName, $"{removed.Role} {removed.UserName}", "removed");
        return Results.NoContent();
    }

    private static async Task<IResult> CreateKeyAsync(string merchantId, ApiKeyRequest? request, HttpContext http, ApiKeys keys, TimeProvider time, CancellationToken cancellationToken)
    {
        var (name, scopes, errors) = ApiKeys.Check(request?.Name, request?.Scopes);
        if (errors.Count > 0)
        {
            return Invalid(errors);
        }

        var (key, token) = await keys.CreateAsync(merchantId, name, scopes, cancellationToken);
        http.Audit(key.Name, null, $"scopes {key.Scopes}");
        return Results.Created($"/api/merchants/{merchantId}/keys/{key.Id}", new ApiKeyCreatedResponse(Key(key, time.GetUtcNow()), token));
    }

    private static async Task<IResult> ListKeysAsync(string merchantId, ApiKeys keys, TimeProvider time, CancellationToken cancellationToken) =>
        Results.Ok((await keys.ListAsync(merchantId, cancellationToken)).Select(k => Key(k, time.GetUtcNow())));

    private static async Task<IResult> RevokeKeyAsync(string merchantId, Guid keyId, HttpContext http, ApiKeys keys, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await keys.RevokeAsync(merchantId, keyId, cancellationToken) is not { } key)
        {
            return Results.Problem("No such key of this merchant.", statusCode: StatusCodes.Status404NotFound);
        }

        http.Audit(key.Name, $"scopes {key.Scopes}", "revoked");
        return Results.Ok(Key(key, time.GetUtcNow()));
    }

    private static async Task<IResult> RotateKeyAsync(string merchantId, Guid keyId, RotateKeyRequest? request, HttpContext http, ApiKeys keys, TimeProvider time, CancellationToken cancellationToken)
    {
        var overlap = request?.Overlap ?? TimeSpan.FromDays(1);
        if (overlap < TimeSpan.Zero || overlap > ApiKeys.MaxOverlap)
        {
            return Invalid([new SettingError("overlap", $"must be between 0 and {ApiKeys.MaxOverlap.TotalDays:0} days, e.g. \"1.00:00:00\" for a day")]);
        }

        if (await keys.RotateAsync(merchantId, keyId, overlap, cancellationToken) is not { } rotated)
        {
            return Results.Problem("No such active key of this merchant.", statusCode: StatusCodes.Status404NotFound);
        }

        http.Audit(rotated.Key.Name, $"key {keyId}", $"key {rotated.Key.Id}; the old one works until {time.GetUtcNow() + overlap:u}");
        return Results.Created($"/api/merchants/{merchantId}/keys/{rotated.Key.Id}", new ApiKeyCreatedResponse(Key(rotated.Key, time.GetUtcNow()), rotated.Token));
    }

    private static async Task<IResult> AcceptInviteAsync(AcceptInviteRequest? request, PersonSignIn people, CancellationToken cancellationToken)
    {
        var (user, errors) = await people.AcceptInviteAsync(request?.Token, request?.UserName, request?.Password, cancellationToken);
        return user is null
            ? Invalid(errors)
            : Results.Created("/api/account", new SignedInResponse(user.UserName!, user.MerchantId, user.Role.ToString()));
    }

    private static async Task<IResult> SignInAsync(SignInRequest? request, PersonSignIn people)
    {
        if (string.IsNullOrWhiteSpace(request?.UserName) || string.IsNullOrEmpty(request.Password))
        {
            return Invalid([new SettingError(string.IsNullOrWhiteSpace(request?.UserName) ? "userName" : "password", "is required")]);
        }

        var (outcome, user) = await people.SignInAsync(request.UserName, request.Password, request.Code);
        return outcome switch
        {
            SignInOutcome.SignedIn => Results.Ok(new SignedInResponse(user!.UserName!, user.MerchantId, user.Role.ToString())),
            SignInOutcome.CodeRequired => Results.Problem(
                "This account signs in with two factors: send the 6-digit code of the authenticator app as 'code' with the password.",
                statusCode: StatusCodes.Status401Unauthorized,
                extensions: new Dictionary<string, object?> { ["twoFactorRequired"] = true }),
            SignInOutcome.LockedOut => Results.Problem("Too many failed sign-ins: this account is locked for a while. Try again later, or ask an owner for a password reset link.", statusCode: StatusCodes.Status423Locked),
            _ => WrongPassword(),
        };
    }

    private static IResult WrongPassword() => Results.Problem("The user name, password or code is wrong.", statusCode: StatusCodes.Status401Unauthorized);

    private static async Task<IResult> IssuePasswordResetAsync(string merchantId, Guid userId, HttpContext http, MerchantAccounts accounts)
    {
        if (await accounts.IssuePasswordResetAsync(merchantId, userId, Site(http)) is not { } link)
        {
            return Results.Problem("No such person of this merchant.", statusCode: StatusCodes.Status404NotFound);
        }

        http.Audit(link.UserName, null, link.Emailed ? "reset link issued and e-mailed" : "reset link issued");
        return Results.Ok(new PasswordResetLinkResponse(link.UserName, link.Token, link.Path, link.ExpiresAt));
    }

    private static async Task<IResult> ResetPasswordAsync(PasswordResetRequest? request, PersonSignIn people)
    {
        var errors = await people.ResetPasswordAsync(request?.UserName, request?.Token, request?.Password);
        return errors.Count > 0 ? Invalid(errors) : Results.NoContent();
    }

    private static async Task<IResult> SetUpTwoFactorAsync(HttpContext http, UserManager<AccountUser> users)
    {
        var user = await users.GetUserAsync(http.User);
        if (user is null)
        {
            return Results.Problem("Sign in again.", statusCode: StatusCodes.Status401Unauthorized);
        }

        await users.ResetAuthenticatorKeyAsync(user);
        var key = (await users.GetAuthenticatorKeyAsync(user))!;
        var label = Uri.EscapeDataString($"SevenStamp:{user.UserName}");
        return Results.Ok(new TwoFactorSetupResponse(key, $"otpauth://totp/{label}?secret={key}&issuer=SevenStamp&digits=6"));
    }

    private static async Task<IResult> EnableTwoFactorAsync(TwoFactorCodeRequest? request, HttpContext http, UserManager<AccountUser> users)
    {
        var user = await users.GetUserAsync(http.User);
        if (user is null)
        {
            return Results.Problem("Sign in again.", statusCode: StatusCodes.Status401Unauthorized);
        }

        var code = request?.Code?.Replace(" ", string.Empty, StringComparison.Ordinal);
        if (string.IsNullOrEmpty(code) || await users.GetAuthenticatorKeyAsync(user) is null
            || !await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, code))
        {
            return Invalid([new SettingError("code", "is not the authenticator's current code: POST /api/account/two-factor/setup first, add the key to the app, then send the 6 digits it shows")]);
        }

        await users.SetTwoFactorEnabledAsync(user, true);
        return Results.NoContent();
    }

    private static async Task<IResult> DisableTwoFactorAsync(HttpContext http, UserManager<AccountUser> users)
    {
        var user = await users.GetUserAsync(http.User);
        if (user is null)
        {
            return Results.Problem("Sign in again.", statusCode: StatusCodes.Status401Unauthorized);
        }

        await users.SetTwoFactorEnabledAsync(user, false);
        return Results.NoContent();
    }

    private static async Task<IResult> SignOutAsync(PersonSignIn people)
    {
        await people.SignOutAsync();
        return Results.NoContent();
    }

    private static async Task<IResult> ReadAuditAsync(string merchantId, DateTimeOffset? from, DateTimeOffset? to, string? actor, string? kind, int? limit, AuditLog audit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > AuditLog.MaxPage)
        {
            return Invalid([new SettingError("limit", $"must be between 1 and {AuditLog.MaxPage}")]);
        }

        var entries = await audit.ReadAsync(merchantId, from, to, actor, kind, limit ?? 100, cancellationToken);
        return Results.Ok(entries.Select(e => new AuditEntryResponse(e.Id, e.At, e.ActorKind, e.Actor, e.Kind, e.Subject, e.Before, e.After)));
    }

    private static InviteResponse Invite(InviteLink invite) =>
        new(invite.Id, invite.MerchantId, invite.Role.ToString(), invite.Token, invite.Path, invite.ExpiresAt, StaffLocations.Parse(invite.Locations)?.Order(StringComparer.Ordinal).ToList());

    private static PersonResponse Person(AccountUser user, DateTimeOffset now) =>
        new(user.Id, user.MerchantId, user.UserName ?? string.Empty, user.Role.ToString(), user.CreatedAt, user.LockoutEnd > now, user.TwoFactorEnabled,
            StaffLocations.Parse(user.Locations)?.Order(StringComparer.Ordinal).ToList());

    private static ApiKeyResponse Key(ApiKey key, DateTimeOffset now) =>
        new(key.Id, key.Name, key.Scopes.Split(',', StringSplitOptions.RemoveEmptyEntries), key.KeyId, key.CreatedAt, key.LastUsedAt, key.ExpiresAt, key.RevokedAt, key.RotatedFrom,
            key.RevokedAt is null && (key.ExpiresAt is null || key.ExpiresAt > now));

    private static IResult Invalid(IReadOnlyList<SettingError> errors) => FieldErrors.Problem(errors);
}
