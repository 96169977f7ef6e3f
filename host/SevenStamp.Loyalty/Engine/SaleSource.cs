using SevenStamp.Contracts;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// The point-of-sale system a sale or refund is keyed under: its <see cref="SaleCompleted.SourceSystem"/>, or the
/// connector id for messages that name none (published before the field existed). Sales, refunds, the inbox, the
/// stamp ledger and POS customer ids are all keyed on it, so two connectors of one till count a sale once.
/// </summary>
public static class SaleSource
{
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
