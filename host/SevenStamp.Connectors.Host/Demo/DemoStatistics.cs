using System.Collections.Concurrent;

namespace SevenStamp.Connectors.Host.Demo;

/// <summary>Counts what the demo saw, for its summary.</summary>
internal sealed class DemoStatistics
{
    private readonly ConcurrentDictionary<string, byte> _awarded = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _salesSeen = new(StringComparer.Ordinal);
    private int _vouchers;

    public int Awards => _awarded.Count;

    public int Vouchers => Volatile.Read(ref _vouchers);

    /// <summary>True the first time a sale's award is seen; the outbox delivers at least once.</summary>
    public bool RecordAward(string merchantId, string connectorId, string saleId) => _awarded.TryAdd($"{merchantId}/{connectorId}/{saleId}", 0);

    /// <summary>How many times this sale has reached the bus, this time included.</summary>
    public int RecordSale(string merchantId, string connectorId, string saleId) => _salesSeen.AddOrUpdate($"{merchantId}/{connectorId}/{saleId}", 1, (_, n) => n + 1);

    public void RecordVoucher(string code) => Interlocked.Increment(ref _vouchers);
}
