namespace SevenStamp.Loyalty.Data;

/// <summary>
/// The inbox: one row per sale or refund the engine has processed, keyed by (merchant, source system, kind,
/// external id) and written first in the transaction that applies it. A second delivery finds the row and
/// changes nothing.
/// </summary>
public sealed class ProcessedEvent
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

    /// <summary><c>sale</c> or <c>refund</c>.</summary>
    public required string Kind { get; set; }

    public required string ExternalId { get; set; }

    public DateTimeOffset ProcessedAt { get; set; }

    /// <summary>How many times the event was delivered; every delivery after the first changed nothing.</summary>
    public int Deliveries { get; set; } = 1;
}
