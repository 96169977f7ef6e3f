namespace SevenStamp.Loyalty.Data;

/// <summary>
/// One row of the stamp ledger: stamps awarded to a card for one sale. Unique on
/// (merchant, source system, external sale id), written in the same transaction as the card's balance.
/// </summary>
public sealed class StampAward
{
    public long Id { get; set; }

    public required string MerchantId { get; set; }

    /// <summary>
    /// The point-of-sale system the sale came from (<see cref="SevenStamp.Contracts.SaleCompleted.SourceSystem"/>; the
    /// connector id for sales of connectors that name none). Part of the key, so a sale reaching the host by two
    /// connectors of the same till counts once.
    /// </summary>
    public required string SourceSystem { get; set; }

    /// <summary>The connector instance that delivered it (the first to, when several see the same till).</summary>
    public required string ConnectorId { get; set; }

    public required string ExternalSaleId { get; set; }

    public Guid CardId { get; set; }

    public int Stamps { get; set; }

    /// <summary>The sale's total, kept to work out partial refunds under amount rules.</summary>
    public decimal SaleTotal { get; set; }

    /// <summary>Stamps refunds have taken back so far (at most <see cref="Stamps"/>).</summary>
    public int StampsRevoked { get; set; }

    /// <summary>Amount refunded so far.</summary>
    public decimal AmountRefunded { get; set; }

    /// <summary>The sale's POS location, when it named one: the events of the sale's refunds carry it.</summary>
    public string? LocationId { get; set; }

    public DateTimeOffset AwardedAt { get; set; }
}
