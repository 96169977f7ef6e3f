using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SevenStamp.Accounts.Data;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Accounts;

/// <summary>
/// Merchants and their people: the operator creates a merchant and invites its first owner; owners invite managers
/// and staff. An invite is a one-time link that expires (<see cref="AccountsOptions.InviteLifetime"/>): its token is
/// shown once and only its SHA-256 is kept; accepting it creates the person with a password (ASP.NET Core Identity
/// hashes it).
/// </summary>
public sealed class MerchantAccounts(AccountsDbContext db, UserManager<AccountUser> users, TimeProvider time, IOptions<AccountsOptions> options, IEmailSender<AccountUser> email)
{
    /// <summary>
    /// Invites a person as <paramref name="role"/> (Owner, Manager or Staff), for the API and the console alike: checks
    /// the role, the staff's <paramref name="locations"/> and the <paramref name="address"/> to mail the link to (each
    /// error names its field), makes the invite and, with an address, sends the absolute link (on
    /// <paramref name="site"/>) through the e-mail hook.
    /// </summary>
    public async Task<(InviteLink? Invite, IReadOnlyList<SettingError> Errors)> InvitePersonAsync(
        string merchantId, string? role, IReadOnlyList<string?>? locations, string? address, string invitedBy, Uri site, CancellationToken cancellationToken)
    {
        if (!Enum.TryParse<MerchantRole>(role, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
        {
            return (null, [new SettingError("role", "is required: Owner, Manager or Staff")]);
        }

        var errors = new List<SettingError>();
        var (stored, locationsError) = StaffLocations.Validate(parsed, locations);
        if (locationsError is not null)
        {
            errors.Add(new SettingError("locations", locationsError));
        }

        address = string.IsNullOrWhiteSpace(address) ? null : address.Trim();
        if (address is not null && (address.Length > 256 || !System.Net.Mail.MailAddress.TryCreate(address, out _)))
        {
            errors.Add(new SettingError("email", "is not an e-mail address; leave it out to hand the link over yourself"));
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var invite = await InviteAsync(merchantId, parsed, invitedBy, cancellationToken, stored, address);
        if (address is not null)
        {
            // The invitee is not a person yet: the hook gets who they will be, with the link to accept.
            var invitee = new AccountUser { UserName = address, Email = address, MerchantId = merchantId, Role = parsed, Locations = stored };
            await email.SendConfirmationLinkAsync(invitee, address, new Uri(site, invite.Path).ToString());
        }

        return (invite with { Emailed = address is not null }, []);
    }

    /// <summary>Creates a merchant (lower-case letters, digits and dashes) and an invite for its first owner.</summary>
    public async Task<(Merchant? Merchant, InviteLink? Invite, SettingError? Error)> CreateMerchantAsync(string id, string name, CancellationToken cancellationToken, string? language = null)
    {
        if (await db.Merchants.AnyAsync(m => m.Id == id, cancellationToken))
        {
            return (null, null, new SettingError("id", $"merchant '{id}' exists; invite another owner with POST /api/merchants/{id}/people/invites"));
        }

        var merchant = new Merchant { Id = id, Name = name, CreatedAt = time.GetUtcNow(), Language = language };
        db.Merchants.Add(merchant);
        await db.SaveChangesAsync(cancellationToken);
        return (merchant, await InviteAsync(id, MerchantRole.Owner, "operator", cancellationToken), null);
    }

    /// <summary>The merchant's name as people know it; its id where it was not created through the API (the demo's, a file's).</summary>
    public async Task<string> DisplayNameAsync(string merchantId, CancellationToken cancellationToken) =>
        await db.Merchants.Where(m => m.Id == merchantId).Select(m => m.Name).SingleOrDefaultAsync(cancellationToken) ?? merchantId;

    /// <summary>The merchant's default language for customers and staff (a <see cref="SevenStamp.Http.Localization.PeopleLanguages"/> tag), or null for English.</summary>
    public async Task<string?> LanguageAsync(string merchantId, CancellationToken cancellationToken) =>
        await db.Merchants.Where(m => m.Id == merchantId).Select(m => m.Language).SingleOrDefaultAsync(cancellationToken);

    /// <summary>
    /// Sets the merchant's default language (<paramref name="language"/>: a supported tag, or null for English). A
    /// merchant without a row (the demo's, a file's) gets one named by its id. Returns the language before.
    /// </summary>
    public async Task<string?> SetLanguageAsync(string merchantId, string? language, CancellationToken cancellationToken)
    {
        var merchant = await db.Merchants.SingleOrDefaultAsync(m => m.Id == merchantId, cancellationToken);
        if (merchant is null)
        {
            merchant = new Merchant { Id = merchantId, Name = merchantId, CreatedAt = time.GetUtcNow() };
            db.Merchants.Add(merchant);
        }

        var before = merchant.Language;
        merchant.Language = language;
        await db.SaveChangesAsync(cancellationToken);
        return before;
    }

    public Task<List<Merchant>> ListMerchantsAsync(CancellationToken cancellationToken) =>
        db.Merchants.AsNoTracking().OrderBy(m => m.Id).ToListAsync(cancellationToken);

    /// <summary>A one-time invite to become <paramref name="role"/> of the merchant; the link is shown once.</summary>
    /// <paramref name="locations"/> (stored form, <see cref="StaffLocations"/>) limits a staff person to some locations;
    /// <paramref name="email"/>, when given, becomes the person's address.
    public async Task<InviteLink> InviteAsync(string merchantId, MerchantRole role, string invitedBy, CancellationToken cancellationToken, string? locations = null, string? email = null)
    {
        var token = ApiKeys.RandomText(32);
        var now = time.GetUtcNow();
        var invite = new Invite
        {
            Id = Guid.NewGuid(),
            MerchantId = merchantId,
            Role = role,
            TokenHash = ApiKeys.Hash(token),
            InvitedBy = invitedBy,
            Locations = locations,
            Email = email,
            CreatedAt = now,
            ExpiresAt = now + options.Value.InviteLifetime,
        };
        db.Invites.Add(invite);
        await db.SaveChangesAsync(cancellationToken);
        return new InviteLink(invite.Id, merchantId, role, token, invite.ExpiresAt) { Locations = locations };
    }

    /// <summary>
    /// Accepts an invite: creates the person with <paramref name="userName"/> and <paramref name="password"/>. The invite
    /// is taken with one conditional update, so two acceptances of one link make one person.
    /// </summary>
    public async Task<(AccountUser? User, IReadOnlyList<SettingError> Errors)> AcceptInviteAsync(string token, string userName, string password, CancellationToken cancellationToken)
    {
        var hash = ApiKeys.Hash(token);
        var invite = await db.Invites.AsNoTracking().SingleOrDefaultAsync(i => i.TokenHash == hash, cancellationToken);
        var now = time.GetUtcNow();
        if (invite is null || invite.UsedAt is not null)
        {
            return (null, [new SettingError("token", "is not a valid invite (unknown, or used already); ask for a new one")]);
        }

        if (invite.ExpiresAt <= now)
        {
            return (null, [new SettingError("token", $"expired at {invite.ExpiresAt:u}; ask for a new invite")]);
        }

        var user = new AccountUser { Id = Guid.NewGuid(), UserName = userName, MerchantId = invite.MerchantId, Role = invite.Role, Locations = invite.Locations, Email = invite.Email, CreatedAt = now };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            return (null, [.. created.Errors.Select(e => new SettingError(e.Code.Contains("Password", StringComparison.Ordinal) ? "password" : "userName", e.Description))]);
        }

        var taken = await db.Invites.Where(i => i.Id == invite.Id && i.UsedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.UsedAt, now).SetProperty(i => i.UserId, user.Id), cancellationToken);
        if (taken == 0)
        {
            // Another acceptance of the same link won: this person is not made.
            await users.DeleteAsync(user);
            return (null, [new SettingError("token", "was used a moment ago; ask for a new invite")]);
        }

        return (user, []);
    }

    /// <summary>
    /// Makes sure <paramref name="userName"/> is a person of the merchant with <paramref name="role"/> and
    /// <paramref name="password"/> (the demo's ready sign-ins); an existing one is left as it is. Null when made or
    /// found; otherwise what Identity refused.
    /// </summary>
    public async Task<string?> EnsurePersonAsync(string merchantId, MerchantRole role, string userName, string password)
    {
        if (await users.FindByNameAsync(userName) is not null)
        {
            return null;
        }

        var created = await users.CreateAsync(new AccountUser { Id = Guid.NewGuid(), UserName = userName, MerchantId = merchantId, Role = role, CreatedAt = time.GetUtcNow() }, password);
        return created.Succeeded ? null : string.Join("; ", created.Errors.Select(e => e.Description));
    }

    /// <summary>
    /// A one-time link for a person of the merchant to choose a new password (it also ends a lockout), sent through
    /// the e-mail hook when the person has an address; null for no such person of this merchant.
    /// </summary>
    public async Task<PasswordResetLink?> IssuePasswordResetAsync(string merchantId, Guid userId, Uri site)
    {
        var user = await users.FindByIdAsync(userId.ToString());
        if (user is null || user.MerchantId != merchantId)
        {
            return null;
        }

        var token = await users.GeneratePasswordResetTokenAsync(user);
        var link = new PasswordResetLink(user.UserName!, token, time.GetUtcNow() + options.Value.ResetLinkLifetime, user.Email is not null);
        if (user.Email is not null)
        {
            await email.SendPasswordResetLinkAsync(user, user.Email, new Uri(site, link.Path).ToString());
        }

        return link;
    }

    public Task<List<AccountUser>> ListPeopleAsync(string merchantId, CancellationToken cancellationToken) =>
        db.Users.AsNoTracking().Where(u => u.MerchantId == merchantId).OrderBy(u => u.UserName).ToListAsync(cancellationToken);

    /// <summary>Removes a person of the merchant; their sessions end at the next check (the security stamp changes with the row).</summary>
    public async Task<AccountUser?> RemovePersonAsync(string merchantId, Guid userId, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(userId.ToString());
        if (user is null || user.MerchantId != merchantId)
        {
            return null;
        }

        await users.DeleteAsync(user);
        return user;
    }
}

/// <summary>An invite as its creator sees it once: the token goes into the link <c>/account/invite/{token}</c>.</summary>
public sealed record InviteLink(Guid Id, string MerchantId, MerchantRole Role, string Token, DateTimeOffset ExpiresAt)
{
    /// <summary>The locations a staff person will be limited to (stored form); null for every location.</summary>
    public string? Locations { get; init; }

    /// <summary>Whether the link was sent through the e-mail hook.</summary>
    public bool Emailed { get; init; }

    /// <summary>The invite as the audit log keeps it: no token.</summary>
    public string AuditSummary => $"role {Role}{(Locations is null ? string.Empty : $", locations {Locations}")}, expires {ExpiresAt:u}{(Emailed ? ", e-mailed" : string.Empty)}";

    public string Path => "/account/invite/" + Token;
}

/// <summary>A password reset link as its issuer sees it once: the token goes into <see cref="Path"/>.</summary>
public sealed record PasswordResetLink(string UserName, string Token, DateTimeOffset ExpiresAt, bool Emailed)
{
    public string Path => $"/account/reset?user={Uri.EscapeDataString(UserName)}&token={Uri.EscapeDataString(Token)}";
}
