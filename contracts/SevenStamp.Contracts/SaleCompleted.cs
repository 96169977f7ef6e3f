namespace SevenStamp.Contracts;

/// <summary>
/// A checkout finished at a point of sale. Published by the host on behalf of a connector once the
/// connector has verified and normalized the POS event. The namespace and name of this record are the
/// message's identity on the bus: never rename or move it.
/// </summary>
public sealed record SaleCompleted
{
    /// <summary>The merchant that owns the connector instance. Set by the host, never by the plugin.</summary>
    public required string MerchantId { get; init; }

    /// <summary>The connector instance the sale came through (e.g. <c>square-main</c>). Set by the host.</summary>
    public required string ConnectorId { get; init; }

    /// <summary>
    /// The point-of-sale system the sale was rung up on (e.g. <c>square</c>, <c>shopify</c>). Set by the host: the
    /// connector instance's <c>sourceSystem</c> when the merchant gave one, else what the plugin set, else the connector
    /// id. Stamps are keyed on (merchant, source system, <see cref="ExternalSaleId"/>), so one sale reaching the host by
    /// two connectors (a webhook and a CSV export of the same till) is stamped once. Null on messages published before
    /// it existed: the connector id stands in.
    /// </summary>
    public string? SourceSystem { get; init; }

    /// <summary>The POS location or store, when the POS has one.</summary>
    public string? LocationId { get; init; }

    /// <summary>The sale's id in the POS (order id, receipt number). Stamps are keyed on it.</summary>
    public required string ExternalSaleId { get; init; }

    /// <summary>The sale's version in the POS when it has one (Square order version); later versions supersede earlier.</summary>
    public long? ExternalSaleVersion { get; init; }

    /// <summary>The id of the POS event that carried the sale (webhook event id, file hash and row), for tracing and dedupe.</summary>
    public string? SourceEventId { get; init; }

    /// <summary>When the sale happened at the POS.</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>Who bought, as far as the POS knows.</summary>
    public CustomerIdentifiers Customer { get; init; } = CustomerIdentifiers.None;

    /// <summary>ISO 4217 currency code, upper case (e.g. <c>EUR</c>).</summary>
    public required string Currency { get; init; }

    /// <summary>The amount the customer paid, in major units of <see cref="Currency"/>, after discounts.</summary>
    public required decimal Total { get; init; }

    /// <summary>What was bought.</summary>
    public IReadOnlyList<SaleLineItem> LineItems { get; init; } = [];

    /// <summary>Discounts applied to the sale; their code text, name or catalog id may be a Redeem Code.</summary>
    public IReadOnlyList<AppliedDiscount> Discounts { get; init; } = [];
}
