using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Engine;

/// <summary>What a staff scan or a self-redeem did.</summary>
public enum RedemptionOutcome
{
    /// <summary>Redeemed by this request.</summary>
    RedeemedNow = 0,

    /// <summary>Redeemed before (see when, how and by whom).</summary>
    AlreadyRedeemed = 1,

    Expired = 2,

    Voided = 3,

    /// <summary>No voucher of this merchant carries that code.</summary>
    NotFound = 4,

    /// <summary>The program does not allow this way of redeeming.</summary>
    NotAllowed = 5,
}

/// <summary>The answer to a redemption request, with the voucher as it now stands.</summary>
public sealed record RedemptionResult(RedemptionOutcome Outcome, Voucher? Voucher)
{
    public static RedemptionResult NotFound { get; } = new(RedemptionOutcome.NotFound, null);

    /// <summary>A sentence for the person at the counter or the customer.</summary>
    public string Message => Outcome switch
    {
        RedemptionOutcome.RedeemedNow => $"Redeemed now: {Voucher!.Reward}",
        RedemptionOutcome.AlreadyRedeemed => $"Already redeemed at {Voucher!.ClosedAt:u}" + Voucher.RedeemedBy switch
        {
            RedemptionMethod.RedeemCode => $" by sale {Voucher.RedeemedBySaleId}",
            RedemptionMethod.StaffScan => $" by staff member {Voucher.RedeemedByStaffId}",
            RedemptionMethod.SelfRedeem => " by the customer",
            _ => string.Empty,
        },
        RedemptionOutcome.Expired => $"Expired at {Voucher!.ExpiresAt ?? Voucher.ClosedAt:u}",
        RedemptionOutcome.Voided => $"Voided at {Voucher!.ClosedAt:u}",
        RedemptionOutcome.NotAllowed => "This program's vouchers are not redeemed this way",
        _ => "No voucher carries this code",
    };
}
