using SevenStamp.Contracts;

namespace SevenStamp.Loyalty.Data;

/// <summary>
/// A Smart Voucher: minted once per card and cycle, carrying a Redeem Code unique within its merchant.
/// Every state change is one conditional update (<c>… WHERE state = Issued</c>), so it happens once.
/// </summary>
public sealed class Voucher
{
    public Guid Id { get; set; }

    public required string MerchantId { get; set; }

    public Guid ProgramId { get; set; }

    public Guid CardId { get; set; }

    /// <summary>The card cycle this voucher rewards, from 1.</summary>
    public int Cycle { get; set; }

    /// <summary>The Redeem Code as shown to the customer.</summary>
    public required string Code { get; set; }

    /// <summary><see cref="Code"/> trimmed and upper-cased: what sales are matched against.</summary>
    public required string NormalizedCode { get; set; }

    public required string Reward { get; set; }

    public VoucherState State { get; set; }

    public DateTimeOffset IssuedAt { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary>When it left <see cref="VoucherState.Issued"/>.</summary>
    public DateTimeOffset? ClosedAt { get; set; }

    public RedemptionMethod? RedeemedBy { get; set; }

    /// <summary>The connector of the sale that redeemed it.</summary>
    public string? RedeemedByConnectorId { get; set; }

    /// <summary>The point-of-sale system of the sale that redeemed it, so a refund of that sale by any of its connectors reinstates it.</summary>
    public string? RedeemedBySourceSystem { get; set; }

    /// <summary>The sale that redeemed it.</summary>
    public string? RedeemedBySaleId { get; set; }

    /// <summary>The staff member who scanned it.</summary>
    public string? RedeemedByStaffId { get; set; }

    /// <summary>
    /// Whether a voucher in <paramref name="state"/> that expires at <paramref name="expiresAt"/> can be redeemed at
    /// <paramref name="at"/>: issued and not yet expired (the expiry job may not have marked it expired yet).
    /// </summary>
    public static bool IsRedeemable(VoucherState state, DateTimeOffset? expiresAt, DateTimeOffset at) =>
        state == VoucherState.Issued && (expiresAt is not { } expires || expires > at);
}

public enum VoucherState
{
    Issued = 0,
    Redeemed = 1,
    Expired = 2,
    Voided = 3,
}
