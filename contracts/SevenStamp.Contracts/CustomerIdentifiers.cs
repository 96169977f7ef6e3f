namespace SevenStamp.Contracts;

/// <summary>
/// The ways a sale can name its customer. Phone and email never travel in clear text: only their
/// SHA-256 hashes (lower-case hex of the normalized value) are carried.
/// </summary>
public sealed record CustomerIdentifiers
{
    /// <summary>No customer known.</summary>
    public static CustomerIdentifiers None { get; } = new();

    /// <summary>The customer's id in the POS.</summary>
    public string? PosCustomerId { get; init; }

    /// <summary>A loyalty card id scanned at the counter (the wallet pass barcode).</summary>
    public string? LoyaltyCardId { get; init; }

    /// <summary>SHA-256 of the normalized phone number (E.164 digits), lower-case hex.</summary>
    public string? PhoneHash { get; init; }

    /// <summary>SHA-256 of the normalized email address (trimmed, lower case), lower-case hex.</summary>
    public string? EmailHash { get; init; }
}
