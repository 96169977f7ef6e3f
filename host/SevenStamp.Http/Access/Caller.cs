using System.Security.Claims;

namespace SevenStamp.Http.Access;

/// <summary>
/// Who is calling, as the accounts' authentication describes them in claims: the operator, a merchant's API key
/// (or a staff token), or a person of a merchant; with the merchant and the permissions they hold there.
/// </summary>
public sealed record Caller(CallerKind Kind, string Name, string? MerchantId, IReadOnlySet<Permission> Permissions)
{
    public const string KindClaim = "sevenstamp:kind";
    public const string MerchantClaim = "sevenstamp:merchant";
    public const string PermissionClaim = "sevenstamp:permission";
    public const string LocationClaim = "sevenstamp:location";

    /// <summary>For staff of some locations only: the POS location ids they work at; null for every location.</summary>
    public IReadOnlySet<string>? Locations { get; init; }

    public bool IsOperator => Kind == CallerKind.Operator;

    /// <summary>Whether the caller may do <paramref name="permission"/> on <paramref name="merchantId"/>'s data.</summary>
    public bool May(Permission permission, string merchantId) =>
        IsOperator || (string.Equals(MerchantId, merchantId, StringComparison.Ordinal) && Permissions.Contains(permission));

    /// <summary>Whether the caller holds one of <paramref name="permissions"/> on <paramref name="merchantId"/>'s data.</summary>
    public bool MayAny(IEnumerable<Permission> permissions, string merchantId) => permissions.Any(p => May(p, merchantId));

    /// <summary>Whether the caller may act at <paramref name="locationId"/>: anyone not limited to some locations may, at any or none.</summary>
    public bool MayAt(string? locationId) => Locations is null || (locationId is not null && Locations.Contains(locationId));

    /// <summary>The caller of an authenticated principal; null for an anonymous one.</summary>
    public static Caller? From(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (principal.Identity?.IsAuthenticated != true || !Enum.TryParse<CallerKind>(principal.FindFirstValue(KindClaim), out var kind))
        {
            return null;
        }

        var permissions = principal.FindAll(PermissionClaim).Select(c => Enum.TryParse<Permission>(c.Value, out var p) ? (Permission?)p : null).OfType<Permission>().ToHashSet();
        var locations = principal.FindAll(LocationClaim).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        return new Caller(kind, principal.Identity.Name ?? kind.ToString(), principal.FindFirstValue(MerchantClaim), permissions)
        {
            Locations = locations.Count > 0 ? locations : null,
        };
    }

    /// <summary>The claims of a caller, for an authentication handler to sign in.</summary>
    public ClaimsIdentity ToIdentity(string authenticationType)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, Name), new(KindClaim, Kind.ToString()) };
        if (MerchantId is not null)
        {
            claims.Add(new Claim(MerchantClaim, MerchantId));
        }

        claims.AddRange(Permissions.Select(p => new Claim(PermissionClaim, p.ToString())));
        claims.AddRange((Locations ?? new HashSet<string>()).Order(StringComparer.Ordinal).Select(l => new Claim(LocationClaim, l)));
        return new ClaimsIdentity(claims, authenticationType);
    }
}

/// <summary>What kind of credentials a caller presented.</summary>
public enum CallerKind
{
    Operator,
    ApiKey,
    StaffToken,
    Person,
}
