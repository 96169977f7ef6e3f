namespace SevenStamp.Contracts;

/// <summary>A sale carried a Redeem Code that could not be honoured; the merchant should look at the sale.</summary>
public sealed record RedeemCodeRejected
{
    public required string MerchantId { get; init; }

    public required string ConnectorId { get; init; }

    /// <summary>The sale that carried the code.</summary>
    public required string ExternalSaleId { get; init; }

    /// <summary>The code as it appeared on the sale.</summary>
    public required string Code { get; init; }

    public required RedeemCodeRejectionReason Reason { get; init; }

    /// <summary>The voucher the code belongs to, when one matched.</summary>
    public Guid? VoucherId { get; init; }

    /// <summary>For <see cref="RedeemCodeRejectionReason.AlreadyRedeemed"/>: the sale that redeemed it.</summary>
    public string? RedeemedBySaleId { get; init; }

    /// <summary>For <see cref="RedeemCodeRejectionReason.AlreadyRedeemed"/>: when it was redeemed.</summary>
    public DateTimeOffset? RedeemedAt { get; init; }

    /// <summary>The location of the sale, when known.</summary>
    public string? LocationId { get; init; }

    public required DateTimeOffset RejectedAt { get; init; }
}
