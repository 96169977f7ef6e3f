namespace SevenStamp.Loyalty.Data;

/// <summary>
/// A customer's stamp card in a program. <see cref="TotalStamps"/> is every stamp earned less every stamp
/// refunded (never below zero); <see cref="CyclesCompleted"/> counts the goals reached, each owed one voucher,
/// and never goes down. The stamps shown toward the next voucher are
/// <c>TotalStamps - CyclesCompleted × goal</c>; a negative value is a debt from refunds.
/// </summary>
public sealed class Card
{
    public Guid Id { get; set; }

    public Guid ProgramId { get; set; }

    public Guid CustomerId { get; set; }

    public required string MerchantId { get; set; }

    public int TotalStamps { get; set; }

    public int CyclesCompleted { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>When the customer was last nudged for being inactive; one nudge per inactivity period.</summary>
    public DateTimeOffset? NudgedAt { get; set; }

    /// <summary>Stamps toward the next voucher, as the wallet pass shows them.</summary>
    public static int Progress(int totalStamps, int cyclesCompleted, int goal) => Math.Max(0, totalStamps - (cyclesCompleted * goal));

    /// <summary>Stamps owed after refunds took back stamps a minted voucher had used.</summary>
    public static int Debt(int totalStamps, int cyclesCompleted, int goal) => Math.Max(0, (cyclesCompleted * goal) - totalStamps);
}
