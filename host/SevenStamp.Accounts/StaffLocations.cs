using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Accounts;

/// <summary>
/// The POS locations a staff person of some locations works at: ids as the connectors report them on a sale
/// (<c>locationId</c>), kept comma-separated on the person and their invite.
/// </summary>
public static class StaffLocations
{
    public const int MaxCount = 50;
    public const int MaxIdLength = 64;

    /// <summary>The stored list as a set; null (every location) for none.</summary>
    public static IReadOnlySet<string>? Parse(string? stored) =>
        string.IsNullOrEmpty(stored) ? null : stored.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Checks the locations an inviter gave for <paramref name="role"/>: only staff may be limited, each id is a POS
    /// location id (printable, no commas, at most <see cref="MaxIdLength"/> characters). The stored form, or the error.
    /// </summary>
    public static (string? Stored, string? Error) Validate(MerchantRole role, IReadOnlyList<string?>? locations)
    {
        if (locations is null || locations.Count == 0)
        {
            return (null, null);
        }

        if (role != MerchantRole.Staff)
        {
            return (null, "are for staff only: owners and managers work at every location; leave 'locations' out");
        }

        if (locations.Count > MaxCount)
        {
            return (null, $"has {locations.Count} ids; at most {MaxCount} (leave it out for every location)");
        }

        var ids = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var given in locations)
        {
            if (given is null || !CheckoutText.TryNormalizeIdentifier(given, out var id, out _) || string.IsNullOrEmpty(id))
            {
                return (null, "has an empty or unreadable id: each is a POS location id, as the connector reports it on a sale");
            }

            if (id.Length > MaxIdLength || id.Contains(',', StringComparison.Ordinal))
            {
                return (null, $"has an id that is longer than {MaxIdLength} characters or holds a comma: '{id[..Math.Min(id.Length, MaxIdLength)]}'");
            }

            ids.Add(id);
        }

        return (string.Join(',', ids), null);
    }
}
