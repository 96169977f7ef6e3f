namespace SevenStamp.Contracts;

/// <summary>
/// A card reached its stamp goal (once per goal: <see cref="Cycle"/> 1 for the first). Written with the change that
/// reached it, before the <see cref="VoucherIssued"/> of that goal when a voucher could be minted.
/// </summary>
public sealed record GoalReached
{
    public required string MerchantId { get; init; }

    public required Guid CardId { get; init; }

    /// <summary>Which goal of the card this is (1 for the first goal reached).</summary>
    public required int Cycle { get; init; }

    /// <summary>Stamps the goal asked for.</summary>
    public required int Goal { get; init; }

    /// <summary>The location of the sale or scan that reached it, when known.</summary>
    public string? LocationId { get; init; }

    public required DateTimeOffset ReachedAt { get; init; }
}
