namespace SevenStamp.Accounts.Data;

/// <summary>
/// A merchant's API key: <c>ssk_{KeyId}_{secret}</c>, shown once. Only the SHA-256 of the secret is kept; the
/// <see cref="KeyId"/> finds the row without revealing anything.
/// </summary>
public sealed class ApiKey
{
    public Guid Id { get; set; }

    public required string MerchantId { get; set; }

    /// <summary>A name people recognize, e.g. "till 2" or "CRM sync".</summary>
    public required string Name { get; set; }

    /// <summary>The key's public part: 16 random characters.</summary>
    public required string KeyId { get; set; }

    /// <summary>SHA-256 of the secret part, lower-case hex.</summary>
    public required string SecretHash { get; set; }

    /// <summary>Comma-separated: <c>read</c>, <c>write</c>, <c>redeem</c>.</summary>
    public required string Scopes { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    /// <summary>After a rotation, when the old key stops working (the overlap); null while it does not expire.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>The key this one replaced in a rotation.</summary>
    public Guid? RotatedFrom { get; set; }
}
