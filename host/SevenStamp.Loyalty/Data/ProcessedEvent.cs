namespace SevenStamp.Loyalty.Data;

/// <summary>
/// The inbox: one row per sale or refund the engine has processed, keyed by (merchant, connector, kind,
/// external id) and written first in the transaction that applies it. A second delivery finds the row and
/// changes nothing.
/// </summary>
public sealed class ProcessedEvent
{
    public long Id { get; set; }

    public required string MerchantId { get; set; }

    public required string ConnectorId { get; set; }

    /// <summary><c>sale</c> or <c>refund</c>.</summary>
    public required string Kind { get; set; }

    public required string ExternalId { get; set; }

    public DateTimeOffset ProcessedAt { get; set; }

    /// <summary>How many times the event was delivered; every delivery after the first changed nothing.</summary>
    public int Deliveries { get; set; } = 1;
}
