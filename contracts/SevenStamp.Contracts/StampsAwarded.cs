namespace SevenStamp.Contracts;

/// <summary>Stamps were added to a card for a sale. Published at least once per award.</summary>
public sealed record StampsAwarded
{
    public required string MerchantId { get; init; }

    public required Guid CardId { get; init; }

    /// <summary>The connector instance the sale came through.</summary>
    public required string ConnectorId { get; init; }

    /// <summary>The sale the stamps were awarded for.</summary>
    public required string ExternalSaleId { get; init; }

    /// <summary>Stamps added by this award.</summary>
    public required int Stamps { get; init; }

    /// <summary>The card's stamps toward its next voucher after the award (what the wallet pass shows).</summary>
    public required int Balance { get; init; }

    /// <summary>Stamps needed for a voucher; 0 when the card has no program (older producers).</summary>
    public int Goal { get; init; }

    /// <summary>Stamps the card owes after refunds took back stamps a minted voucher had used; shown as debt.</summary>
    public int Debt { get; init; }

    /// <summary>The location of the sale or scan, when known.</summary>
    public string? LocationId { get; init; }

    public required DateTimeOffset AwardedAt { get; init; }
}
