using System.Collections.Frozen;

namespace SevenStamp.Connectors.Square;

/// <summary>A Square <c>Money</c>: an amount in the currency's smallest unit (cents for USD, yen for JPY).</summary>
internal readonly record struct SquareMoney(long Amount, string Currency)
{
    // ISO 4217 minor units where they are not 2. Square sells in few of these, but the rule is the currency's, not Square's.
    private static readonly FrozenDictionary<string, int> Exponents = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["BIF"] = 0, ["CLP"] = 0, ["DJF"] = 0, ["GNF"] = 0, ["ISK"] = 0, ["JPY"] = 0, ["KMF"] = 0, ["KRW"] = 0,
        ["PYG"] = 0, ["RWF"] = 0, ["UGX"] = 0, ["UYI"] = 0, ["VND"] = 0, ["VUV"] = 0, ["XAF"] = 0, ["XOF"] = 0, ["XPF"] = 0,
        ["BHD"] = 3, ["IQD"] = 3, ["JOD"] = 3, ["KWD"] = 3, ["LYD"] = 3, ["OMR"] = 3, ["TND"] = 3,
        ["CLF"] = 4, ["UYW"] = 4,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>How many decimal places the currency's major unit has (2 unless listed otherwise).</summary>
    public static int ExponentOf(string currency) => Exponents.GetValueOrDefault(currency, 2);

    /// <summary>The amount in major units, e.g. 250 USD cents → 2.50, 500 JPY → 500.</summary>
    public decimal ToMajorUnits()
    {
        var magnitude = Amount < 0 ? (ulong)-(Amount + 1) + 1 : (ulong)Amount;
        return new decimal(unchecked((int)(uint)magnitude), unchecked((int)(uint)(magnitude >> 32)), 0, Amount < 0, (byte)ExponentOf(Currency));
    }
}
