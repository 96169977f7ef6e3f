namespace SevenStamp.Contracts;

/// <summary>
/// A customer has not visited for as many days as their program's nudge names: the wallet pass now invites them back
/// (once per inactivity period: the next nudge waits for a visit and another quiet spell).
/// </summary>
public sealed record CustomerNudged
{
    public required string MerchantId { get; init; }

    public required Guid CardId { get; init; }

    /// <summary>The card's last qualifying visit, or when it was made if it has none.</summary>
    public required DateTimeOffset LastVisitAt { get; init; }

    public required DateTimeOffset NudgedAt { get; init; }
}
