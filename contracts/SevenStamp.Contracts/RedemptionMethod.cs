namespace SevenStamp.Contracts;

/// <summary>How a voucher was redeemed.</summary>
public enum RedemptionMethod
{
    /// <summary>A sale carried the voucher's Redeem Code.</summary>
    RedeemCode = 0,

    /// <summary>The customer redeemed it from their own voucher link.</summary>
    SelfRedeem = 1,

    /// <summary>A staff member scanned it at the counter.</summary>
    StaffScan = 2,
}
