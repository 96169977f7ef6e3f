namespace SevenStamp.Contracts;

/// <summary>Why a Redeem Code carried by a sale did not redeem a voucher.</summary>
public enum RedeemCodeRejectionReason
{
    /// <summary>No voucher of this merchant carries the code.</summary>
    Unknown = 0,

    /// <summary>Another sale already redeemed the voucher.</summary>
    AlreadyRedeemed = 1,

    /// <summary>The voucher expired before the sale.</summary>
    Expired = 2,

    /// <summary>The merchant voided the voucher.</summary>
    Voided = 3,
}
