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

    /// <summary>The card's stamp balance after the award.</summary>
    public required int Balance { get; init; }

    public required DateTimeOffset AwardedAt { get; init; }
}
