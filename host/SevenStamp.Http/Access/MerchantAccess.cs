using Microsoft.AspNetCore.Builder;

namespace SevenStamp.Http.Access;

/// <summary>
/// Endpoint metadata: what an endpoint needs of its caller where the default is not right: one of
/// <see cref="Permissions"/>, on the merchant <see cref="Scope"/> names. The default, applied by the accounts' tenant
/// check to every endpoint that is not anonymous: a route with a <c>{merchantId}</c> needs
/// <see cref="Permission.Read"/> (GET, HEAD) or <see cref="Permission.Write"/> (any other method) on that merchant;
/// any other route is the operator's.
/// </summary>
public sealed record MerchantAccess(IReadOnlyList<Permission> Permissions, MerchantScope Scope = MerchantScope.Route);

/// <summary>Whose merchant an endpoint's request is about.</summary>
public enum MerchantScope
{
    /// <summary>The merchant of the route's <c>{merchantId}</c>.</summary>
    Route,

    /// <summary>The caller's own merchant (a staff key redeeming a code, say); the operator has none and is refused.</summary>
    Caller,

    /// <summary>No merchant's data (the plugin catalog): any merchant's caller with the permission may.</summary>
    AnyMerchant,

    /// <summary>The signed-in person's own account (two-factor setup): any person, no key, not the operator.</summary>
    Person,
}

/// <summary>Declares what an endpoint needs, where the default (<see cref="MerchantAccess"/>) is not right.</summary>
public static class MerchantAccessExtensions
{
    /// <summary>The route's merchant, with one of <paramref name="permissions"/>.</summary>
    public static TBuilder RequireMerchant<TBuilder>(this TBuilder builder, params Permission[] permissions)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new MerchantAccess(permissions));

    /// <summary>The caller's own merchant, with one of <paramref name="permissions"/>.</summary>
    public static TBuilder RequireCallersMerchant<TBuilder>(this TBuilder builder, params Permission[] permissions)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new MerchantAccess(permissions, MerchantScope.Caller));

    /// <summary>The signed-in person's own account: any person of any role; keys and the operator are refused.</summary>
    public static TBuilder RequirePerson<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new MerchantAccess([], MerchantScope.Person));

    /// <summary>Any merchant's caller with one of <paramref name="permissions"/> (and the operator): for data of no merchant.</summary>
    public static TBuilder RequireAnyMerchant<TBuilder>(this TBuilder builder, params Permission[] permissions)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new MerchantAccess(permissions, MerchantScope.AnyMerchant));
}
