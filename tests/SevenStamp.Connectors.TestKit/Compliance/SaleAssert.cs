using SevenStamp.Contracts;
using Xunit;

namespace SevenStamp.Connectors.TestKit.Compliance;

/// <summary>Compares contract records field by field (their lists compare by reference otherwise), naming the field that differs.</summary>
public static class SaleAssert
{
    public static void Equivalent(SaleCompleted expected, SaleCompleted actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        Assert.Equal(expected with { LineItems = [], Discounts = [] }, actual with { LineItems = [], Discounts = [] }, SaleWithoutLists.Instance);
        Assert.True(expected.LineItems.Count == actual.LineItems.Count, $"LineItems: expected {expected.LineItems.Count}, got {actual.LineItems.Count}");
        for (var i = 0; i < expected.LineItems.Count; i++)
        {
            Assert.True(expected.LineItems[i] == actual.LineItems[i], $"LineItems[{i}]: expected {expected.LineItems[i]}, got {actual.LineItems[i]}");
        }

        Assert.True(expected.Discounts.Count == actual.Discounts.Count, $"Discounts: expected {expected.Discounts.Count}, got {actual.Discounts.Count}");
        for (var i = 0; i < expected.Discounts.Count; i++)
        {
            Assert.True(expected.Discounts[i] == actual.Discounts[i], $"Discounts[{i}]: expected {expected.Discounts[i]}, got {actual.Discounts[i]}");
        }
    }

    public static void Equivalent(SaleRefunded expected, SaleRefunded actual) => Assert.Equal(expected, actual);

    private sealed class SaleWithoutLists : IEqualityComparer<SaleCompleted>
    {
        public static readonly SaleWithoutLists Instance = new();

        public bool Equals(SaleCompleted? x, SaleCompleted? y)
        {
            if (x is null || y is null)
            {
                return x is null && y is null;
            }

            var differences = new List<string>();
            Check(differences, "MerchantId", x.MerchantId, y.MerchantId);
            Check(differences, "ConnectorId", x.ConnectorId, y.ConnectorId);
            Check(differences, "LocationId", x.LocationId, y.LocationId);
            Check(differences, "ExternalSaleId", x.ExternalSaleId, y.ExternalSaleId);
            Check(differences, "ExternalSaleVersion", x.ExternalSaleVersion, y.ExternalSaleVersion);
            Check(differences, "SourceEventId", x.SourceEventId, y.SourceEventId);
            Check(differences, "OccurredAt", x.OccurredAt, y.OccurredAt);
            Check(differences, "Customer", x.Customer, y.Customer);
            Check(differences, "Currency", x.Currency, y.Currency);
            Check(differences, "Total", x.Total, y.Total);
            Assert.True(differences.Count == 0, "The sale differs: " + string.Join("; ", differences));
            return true;
        }

        public int GetHashCode(SaleCompleted obj) => 0;

        private static void Check<T>(List<string> differences, string field, T expected, T actual)
        {
            if (!EqualityComparer<T>.Default.Equals(expected, actual))
            {
                differences.Add($"{field}: expected {expected}, got {actual}");
            }
        }
    }
}
