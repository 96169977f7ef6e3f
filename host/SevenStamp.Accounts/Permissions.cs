using SevenStamp.Http.Access;

namespace SevenStamp.Accounts;

/// <summary>Which permissions each role and each key scope grants.</summary>
public static class Permissions
{
    /// <summary>The scopes an API key may carry.</summary>
    public static readonly IReadOnlyList<string> Scopes = ["read", "write", "redeem"];

    public static IReadOnlySet<Permission> Of(MerchantRole role) => role switch
    {
        MerchantRole.Owner => new HashSet<Permission> { Permission.Read, Permission.Write, Permission.Redeem, Permission.ManageKeys, Permission.ManagePeople },
        MerchantRole.Manager => new HashSet<Permission> { Permission.Read, Permission.Write, Permission.Redeem },
        _ => new HashSet<Permission> { Permission.Redeem },
    };

    /// <summary>A key scope's permissions: <c>read</c>, <c>write</c> (which includes read), <c>redeem</c>.</summary>
    public static IReadOnlySet<Permission> OfScopes(IEnumerable<string> scopes)
    {
        var granted = new HashSet<Permission>();
        foreach (var scope in scopes)
        {
            switch (scope)
            {
                case "read":
                    granted.Add(Permission.Read);
                    break;
                case "write":
                    granted.Add(Permission.Read);
                    granted.Add(Permission.Write);
                    break;
                case "redeem":
                    granted.Add(Permission.Redeem);
                    break;
            }
        }

        return granted;
    }
}
