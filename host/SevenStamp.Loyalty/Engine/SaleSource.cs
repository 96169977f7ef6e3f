using SevenStamp.Connectors.Sdk;
using SevenStamp.Contracts;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// The point-of-sale system a sale or refund is keyed under: its <see cref="SaleCompleted.SourceSystem"/>, or the
/// connector id for messages that name none (published before the field existed). Sales, refunds, the inbox, the
/// stamp ledger and POS customer ids are all keyed on it, so two connectors of one till count a sale once.
/// </summary>
public static class SaleSource
{
    /// <summary>What a source system's name must be, for the error of a setting or a request that names one.</summary>
    public const string Expected = "must be the name of the point-of-sale system the sales come from: lower-case letters, digits and dashes (1–63 characters), e.g. \"square\"; give the same name to every connector that sees the same till";

    /// <summary>
    /// Checks a source system's name, given in a connector's settings or a request; the comparison is case-insensitive,
    /// so it is kept in lower case.
    /// </summary>
    public static bool TryParse(string? text, out string? sourceSystem)
    {
        sourceSystem = text?.Trim().ToLowerInvariant();
        return ConnectorManifest.IsValidId(sourceSystem);
    }

    public static string Of(SaleCompleted sale)
    {
        ArgumentNullException.ThrowIfNull(sale);
        return sale.SourceSystem ?? sale.ConnectorId;
    }

    public static string Of(SaleRefunded refund)
    {
        ArgumentNullException.ThrowIfNull(refund);
        return refund.SourceSystem ?? refund.ConnectorId;
    }
}
