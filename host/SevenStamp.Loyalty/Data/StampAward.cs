namespace SevenStamp.Loyalty.Data;

/// <summary>
/// One row of the stamp ledger: stamps awarded to a card for one sale. Unique on
/// (merchant, connector, external sale id), written in the same transaction as the card's balance, so a
/// sale delivered twice is awarded once.
/// </summary>
public sealed class StampAward
{
    public long Id { get; set; }

    public required string MerchantId { get; set; }

    public required string ConnectorId { get; set; }

    public required string ExternalSaleId { get; set; }

    public Guid CardId { get; set; }

    public int Stamps { get; set; }

    /// <summary>The card's balance right after this award.</summary>
    public int BalanceAfter { get; set; }

    public DateTimeOffset AwardedAt { get; set; }
}
