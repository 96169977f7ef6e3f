namespace SevenStamp.Contracts;

/// <summary>A refund took stamps back from a card.</summary>
public sealed record StampsRevoked
{
    public required string MerchantId { get; init; }

    public required Guid CardId { get; init; }

    public required string ConnectorId { get; init; }

    /// <summary>The refunded sale.</summary>
    public required string ExternalSaleId { get; init; }

    /// <summary>The refund that took them back.</summary>
    public required string ExternalRefundId { get; init; }

    /// <summary>Stamps taken back by this refund.</summary>
    public required int Stamps { get; init; }

    /// <summary>The card's stamps toward its next voucher afterwards.</summary>
    public required int Balance { get; init; }

    public required int Goal { get; init; }

    /// <summary>Stamps owed because a voucher already minted had used them.</summary>
    public required int Debt { get; init; }

    /// <summary>The location of the refund, when known.</summary>
    public string? LocationId { get; init; }

    public required DateTimeOffset RevokedAt { get; init; }
}
