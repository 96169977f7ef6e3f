using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// How the audit log names and describes the changes made to a customer's card by hand, the same from the API and
/// from the console's pages.
/// </summary>
public static class CustomerAudit
{
    public const string VoucherVoided = "voucher.voided";

    public const string StampsAdjusted = "stamps.adjusted";

    public const string VoidBefore = "issued";

    public static string VoucherSubject(Guid voucherId) => $"voucher {voucherId}";

    public static string CardSubject(Guid cardId) => $"card {cardId}";

    /// <summary>The voided voucher's state, with the reason its history keeps.</summary>
    public static string VoidAfter(Voucher voucher)
    {
        ArgumentNullException.ThrowIfNull(voucher);
        return $"voided (cycle {voucher.Cycle})";
    }

    /// <summary>The stamps added or taken away, why, and where the card stands now.</summary>
    public static string AdjustAfter(StampAdjustmentResult result, StampAdjustment entry)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(entry);
        var issued = entry.VouchersIssued > 0 ? $", {entry.VouchersIssued} voucher(s) issued" : string.Empty;
        return $"{entry.Stamps:+0;-0} stamps ({entry.Reason}): {result.Progress} of {result.Goal}{issued}";
    }
}
