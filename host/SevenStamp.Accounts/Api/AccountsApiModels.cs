namespace SevenStamp.Accounts.Api;

/// <summary>A merchant to create (operator): its id (lower-case letters, digits and dashes) and display name.</summary>
/// <summary>A merchant to create; <c>Language</c> is its customers' and staff's default language (e.g. <c>he</c>), English when left out.</summary>
public sealed record MerchantRequest(string? Id, string? Name, string? Language = null);

/// <summary>The merchant's default language for customers and staff: a supported tag, or null for English.</summary>
public sealed record MerchantLanguageRequest(string? Language);

/// <summary>A new merchant and the one-time link for its first owner.</summary>
public sealed record MerchantCreatedResponse(string Id, string Name, DateTimeOffset CreatedAt, InviteResponse OwnerInvite, string Language);

public sealed record MerchantResponse(string Id, string Name, DateTimeOffset CreatedAt, string Language);

/// <summary>
/// Whom to invite: <c>Owner</c>, <c>Manager</c> or <c>Staff</c>; for staff of some locations only, the POS location ids
/// they work at (left out: every location); and an e-mail address to send the link to through the host's e-mail hook
/// (left out: hand the link over yourself).
/// </summary>
public sealed record InviteRequest(string? Role, IReadOnlyList<string?>? Locations = null, string? Email = null);

/// <summary>An invite, shown once: <see cref="Link"/> is what the person opens (or <see cref="Token"/> in the accept call).</summary>
public sealed record InviteResponse(Guid Id, string MerchantId, string Role, string Token, string Link, DateTimeOffset ExpiresAt, IReadOnlyList<string>? Locations);

/// <summary>Accepting an invite: the token from the link, a user name and a password.</summary>
public sealed record AcceptInviteRequest(string? Token, string? UserName, string? Password);

/// <summary>A person of the merchant; <see cref="Locations"/> is null for every location.</summary>
public sealed record PersonResponse(Guid Id, string MerchantId, string UserName, string Role, DateTimeOffset CreatedAt, bool LockedOut, bool TwoFactor, IReadOnlyList<string>? Locations);

/// <summary>Signing in: a user name and password, and the authenticator's 6-digit code when the person turned two-factor on.</summary>
public sealed record SignInRequest(string? UserName, string? Password, string? Code = null);

/// <summary>A one-time link that lets a person choose a new password; shown once to whoever asked for it.</summary>
public sealed record PasswordResetLinkResponse(string UserName, string Token, string Link, DateTimeOffset ExpiresAt);

/// <summary>Choosing a new password with a reset link's token.</summary>
public sealed record PasswordResetRequest(string? UserName, string? Token, string? Password);

/// <summary>The key to add to an authenticator app (or scan as <see cref="AuthenticatorUri"/> in a QR code); shown once.</summary>
public sealed record TwoFactorSetupResponse(string SharedKey, string AuthenticatorUri);

/// <summary>A 6-digit code from the authenticator app.</summary>
public sealed record TwoFactorCodeRequest(string? Code);

public sealed record SignedInResponse(string UserName, string MerchantId, string Role);

/// <summary>A key to create: a name people recognize and its scopes (<c>read</c>, <c>write</c>, <c>redeem</c>).</summary>
public sealed record ApiKeyRequest(string? Name, IReadOnlyList<string>? Scopes);

/// <summary>
/// How long the old key keeps working after a rotation, e.g. <c>"1.00:00:00"</c> for a day; left out, a day; zero
/// stops it at once.
/// </summary>
public sealed record RotateKeyRequest(TimeSpan? Overlap);

/// <summary>A key as listed: never its secret (only a hash is kept).</summary>
public sealed record ApiKeyResponse(Guid Id, string Name, IReadOnlyList<string> Scopes, string KeyId, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, Guid? RotatedFrom, bool Active);

/// <summary>A key just created or rotated: <see cref="Key"/> is shown this once.</summary>
public sealed record ApiKeyCreatedResponse(ApiKeyResponse Details, string Key);

/// <summary>One audit entry: who (kind and name), what kind of change, to what, and a before/after without secrets.</summary>
public sealed record AuditEntryResponse(long Id, DateTimeOffset At, string ActorKind, string Actor, string Kind, string? Subject, string? Before, string? After);
