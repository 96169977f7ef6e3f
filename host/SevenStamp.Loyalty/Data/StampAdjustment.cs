namespace SevenStamp.Loyalty.Data;

/// <summary>
/// One row of the stamp ledger made by hand: stamps a merchant's person (or key, or the operator) added to or took
/// from a card, with the reason they gave. Written in the same transaction as the card's balance and the vouchers the
/// adjustment completed.
/// </summary>
public sealed class StampAdjustment
{
    public Guid Id { get; set; }

    public required string MerchantId { get; set; }

    public Guid CardId { get; set; }

    /// <summary>Stamps added (positive) or taken away (negative); never zero.</summary>
    public int Stamps { get; set; }

    /// <summary>Why, in the words of the person who made it.</summary>
    public required string Reason { get; set; }

    /// <summary>Who made it: the person's user name, the key's name, or "operator".</summary>
    public string? Actor { get; set; }

    /// <summary>Vouchers the adjustment minted (it reached the goal).</summary>
    public int VouchersIssued { get; set; }

    public DateTimeOffset At { get; set; }
}
