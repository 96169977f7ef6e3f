using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Engine;

/// <summary>How many stamps a sale earns under a program's rule.</summary>
public static class EarningRules
{
    /// <summary>The most stamps one sale may earn, so a typo in a POS total cannot flood a card.</summary>
    public const int MaxStampsPerSale = 1000;

    public static int StampsFor(LoyaltyProgram program, SaleCompleted sale)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(sale);
        if (program.MinimumSpend is { } minimum && sale.Total < minimum)
        {
            return 0;
        }

        return program.EarningRule switch
        {
            EarningRuleKind.PerVisit => Cap(program.StampsPerVisit),
            EarningRuleKind.PerAmount => ForAmount(program, sale.Currency, sale.Total),
            EarningRuleKind.PerItem => Cap(QualifyingUnits(program, sale.LineItems)),
            _ => 0,
        };
    }

    /// <summary>Stamps an amount earns under a per-amount rule (0 for another currency or another rule).</summary>
    public static int ForAmount(LoyaltyProgram program, string currency, decimal amount)
    {
        ArgumentNullException.ThrowIfNull(program);
        if (program.EarningRule != EarningRuleKind.PerAmount || program.AmountPerStamp is not > 0 || amount <= 0)
        {
            return 0;
        }

        if (program.Currency is { } expected && !string.Equals(expected, currency, StringComparison.OrdinalIgnoreCase))
        {
            return 0;
        }

        return Cap((int)Math.Min(int.MaxValue, decimal.Floor(amount / program.AmountPerStamp.Value)));
    }

    private static int QualifyingUnits(LoyaltyProgram program, IReadOnlyList<SaleLineItem> lines)
    {
        var qualifying = new HashSet<string>(program.QualifyingItems.Select(i => i.Trim()), StringComparer.OrdinalIgnoreCase);
        decimal units = 0;
        foreach (var line in lines)
        {
            if (line.Quantity > 0 && (Matches(qualifying, line.Sku) || Matches(qualifying, line.CatalogObjectId) || Matches(qualifying, line.Category)))
            {
                units += line.Quantity;
            }
        }

        return (int)Math.Min(int.MaxValue, decimal.Floor(units));
    }

    private static bool Matches(HashSet<string> qualifying, string? value) => value is not null && qualifying.Contains(value.Trim());

    private static int Cap(int stamps) => Math.Clamp(stamps, 0, MaxStampsPerSale);
}
