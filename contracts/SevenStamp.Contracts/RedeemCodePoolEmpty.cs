namespace SevenStamp.Contracts;

/// <summary>
/// A card reached its goal but the merchant's pool of imported Redeem Codes is empty. The voucher is owed, not
/// minted without a code; it is minted as soon as codes are imported.
/// </summary>
public sealed record RedeemCodePoolEmpty
{
    public required string MerchantId { get; init; }

    public required Guid ProgramId { get; init; }

    public required Guid CardId { get; init; }

    /// <summary>The card cycle whose voucher is waiting for a code.</summary>
    public required int Cycle { get; init; }

    public required DateTimeOffset At { get; init; }
}
