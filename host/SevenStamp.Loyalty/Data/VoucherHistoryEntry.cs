using SevenStamp.Contracts;

namespace SevenStamp.Loyalty.Data;

/// <summary>One change of a voucher's state: when, to what, how, and the sale or staff member behind it.</summary>
public sealed class VoucherHistoryEntry
{
    public long Id { get; set; }

    public Guid VoucherId { get; set; }

    public VoucherState State { get; set; }

    public DateTimeOffset At { get; set; }

    public RedemptionMethod? Method { get; set; }

    public string? ConnectorId { get; set; }

    public string? SaleId { get; set; }

    public string? StaffId { get; set; }

    /// <summary>Who made the change by hand (a void): the person's user name, the key's name, or "operator".</summary>
    public string? Actor { get; set; }

    /// <summary>Why, in a few words (e.g. "refund R-1 of the redeeming sale").</summary>
    public string? Note { get; set; }
}
