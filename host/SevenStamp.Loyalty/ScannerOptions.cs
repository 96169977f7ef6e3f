using System.ComponentModel.DataAnnotations;

namespace SevenStamp.Loyalty;

/// <summary>The counter scanner's settings, from <c>SevenStamp:Scanner</c>; checked at start, each bad one named.</summary>
public sealed class ScannerOptions
{
    public const string SectionName = "SevenStamp:Scanner";

    /// <summary>
    /// At a kiosk, where customers scan their own card: at most one stamp per card within this interval (one per
    /// visit), whichever kiosk of the merchant it is scanned at.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true, ErrorMessage = "SevenStamp:Scanner:KioskStampInterval must be between 00:01:00 and 7.00:00:00 (default 01:00:00): one kiosk stamp per card within it.")]
    public TimeSpan KioskStampInterval { get; set; } = TimeSpan.FromHours(1);
}
