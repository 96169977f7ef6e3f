using SevenStamp.Contracts;

namespace SevenStamp.Loyalty.Data;

/// <summary>
/// A Smart Voucher, carrying a Redeem Code unique within its merchant, minted once per reason: per card and cycle (a
/// stamp goal), per card and visit milestone, or per card and campaign (<see cref="Kind"/>).
/// Every state change is one conditional update (<c>… WHERE state = Issued</c>), so it happens once.
/// </summary>
public sealed class Voucher
{
    public Guid Id { get; set; }

    public required string MerchantId { get; set; }

    public Guid ProgramId { get; set; }

    public Guid CardId { get; set; }

    /// <summary>Why it was minted: the stamp goal, a visit milestone or a campaign.</summary>
    public VoucherKind Kind { get; set; } = VoucherKind.Goal;

    /// <summary><see cref="VoucherKind.Goal"/>: the card cycle this voucher rewards, from 1; 0 for the other kinds.</summary>
    public int Cycle { get; set; }

    /// <summary><see cref="VoucherKind.Milestone"/>: the qualifying visit it rewards (e.g. 5 for the 5th visit).</summary>
    public int? MilestoneVisit { get; set; }

    /// <summary><see cref="VoucherKind.Campaign"/>: the campaign that made it.</summary>
    public Guid? CampaignId { get; set; }

    /// <summary>How it is redeemed; null for vouchers minted before vouchers carried one (their program's path).</summary>
    public RedemptionPath? RedemptionPath { get; set; }

    /// <summary>When the customer was reminded that it is about to expire (at most once).</summary>
    public DateTimeOffset? ReminderSentAt { get; set; }

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

/// <summary>Why a voucher was minted.</summary>
public enum VoucherKind
{
    /// <summary>The card reached its stamp goal (one per cycle).</summary>
    Goal = 0,

    /// <summary>The card reached a visit milestone of its program (one per milestone).</summary>
    Milestone = 1,

    /// <summary>A campaign sent it (one per campaign).</summary>
    Campaign = 2,
}

public enum VoucherState
{
    Issued = 0,
    Redeemed = 1,
    Expired = 2,
    Voided = 3,
}
