using System.ComponentModel.DataAnnotations;

namespace SevenStamp.Loyalty;

/// <summary>The voucher expiry sweep's settings, from <c>SevenStamp:Vouchers</c>; checked at start, each bad one named.</summary>
public sealed class VoucherExpiryOptions
{
    public const string SectionName = "SevenStamp:Vouchers";

    /// <summary>
    /// How often each replica moves vouchers past their expiry to expired (and sends the reminders and nudges that
    /// are due). Every replica sweeps; a conditional update expires each voucher once, whichever comes first.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true, ErrorMessage = "SevenStamp:Vouchers:ExpirySweepInterval must be between 00:00:01 and 01:00:00 (default 00:01:00): how often expired vouchers are swept.")]
    public TimeSpan ExpirySweepInterval { get; set; } = TimeSpan.FromMinutes(1);
}
