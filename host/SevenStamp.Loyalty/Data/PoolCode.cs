namespace SevenStamp.Loyalty.Data;

/// <summary>A Redeem Code the merchant created in the POS and imported; assigned to at most one voucher.</summary>
public sealed class PoolCode
{
    public long Id { get; set; }

    public Guid ProgramId { get; set; }

    public required string MerchantId { get; set; }

    public required string Code { get; set; }

    public required string NormalizedCode { get; set; }

    /// <summary>The voucher it went to; null while unused.</summary>
    public Guid? VoucherId { get; set; }

    public DateTimeOffset ImportedAt { get; set; }
}
