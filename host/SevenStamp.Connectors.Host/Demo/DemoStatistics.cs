using System.Collections.Concurrent;

namespace SevenStamp.Connectors.Host.Demo;

/// <summary>Counts what the demo saw, for its summary.</summary>
internal sealed class DemoStatistics
{
    private readonly ConcurrentDictionary<string, byte> _awarded = new(StringComparer.Ordinal);

    public int Awards => _awarded.Count;

    /// <summary>True the first time a sale's award is seen; the event may be delivered again on a redelivery.</summary>
    public bool RecordAward(string merchantId, string connectorId, string saleId) => _awarded.TryAdd($"{merchantId}/{connectorId}/{saleId}", 0);
}
