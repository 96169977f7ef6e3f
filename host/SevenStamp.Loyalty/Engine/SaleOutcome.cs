namespace SevenStamp.Loyalty.Engine;

/// <summary>What applying a sale did, for logs and tests.</summary>
public sealed record SaleOutcome
{
    /// <summary>The sale had been applied before; nothing changed.</summary>
    public bool Duplicate { get; init; }

    public Guid? CardId { get; init; }

    public int StampsAwarded { get; init; }

    public int VouchersIssued { get; init; }

    public int VouchersRedeemed { get; init; }

    public int CodesRejected { get; init; }

    public Contracts.UnmatchedReason? Unmatched { get; init; }
}
