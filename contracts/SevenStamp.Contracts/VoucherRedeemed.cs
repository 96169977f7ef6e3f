namespace SevenStamp.Contracts;

/// <summary>A voucher was redeemed, exactly once.</summary>
public sealed record VoucherRedeemed
{
    public required string MerchantId { get; init; }

    public required Guid CardId { get; init; }

    public required Guid VoucherId { get; init; }

    public required RedemptionMethod Method { get; init; }

    /// <summary>The sale that carried the Redeem Code, for <see cref="RedemptionMethod.RedeemCode"/>.</summary>
    public string? ExternalSaleId { get; init; }

    /// <summary>The staff member who scanned it, for <see cref="RedemptionMethod.StaffScan"/>.</summary>
    public string? StaffId { get; init; }

    /// <summary>The location of the sale or the staff scan, when known.</summary>
    public string? LocationId { get; init; }

    public required DateTimeOffset RedeemedAt { get; init; }
}
