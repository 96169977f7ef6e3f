using System.Diagnostics.Metrics;
using SevenStamp.Contracts;

namespace SevenStamp.Loyalty;

/// <summary>The loyalty engine's counters (meter <c>SevenStamp.Loyalty</c>), exported by the host as Prometheus metrics.</summary>
public static class LoyaltyMetrics
{
    public const string MeterName = "SevenStamp.Loyalty";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Sales = Meter.CreateCounter<long>("sevenstamp.loyalty.sales", description: "Sales applied, by result (awarded, unmatched, duplicate)");
    private static readonly Counter<long> Stamps = Meter.CreateCounter<long>("sevenstamp.loyalty.stamps", description: "Stamps awarded");
    private static readonly Counter<long> StampsRevoked = Meter.CreateCounter<long>("sevenstamp.loyalty.stamps_revoked", description: "Stamps taken back by refunds");
    private static readonly Counter<long> Vouchers = Meter.CreateCounter<long>("sevenstamp.loyalty.vouchers_issued", description: "Vouchers minted");
    private static readonly Counter<long> Redemptions = Meter.CreateCounter<long>("sevenstamp.loyalty.redemptions", description: "Vouchers redeemed, by method");
    private static readonly Counter<long> Rejections = Meter.CreateCounter<long>("sevenstamp.loyalty.code_rejections", description: "Redeem Codes refused, by reason");
    private static readonly Histogram<int> BatchSizes = Meter.CreateHistogram<int>("sevenstamp.loyalty.sale_batch_size", description: "Sales committed together in one transaction (group commit)");
    private static long _outboxBacklog;

    static LoyaltyMetrics() =>
        Meter.CreateObservableGauge("sevenstamp.loyalty.outbox_backlog", () => Interlocked.Read(ref _outboxBacklog), description: "Events written but not yet published");

    public static void SaleApplied(string merchantId, string result) => Sales.Add(1, new KeyValuePair<string, object?>("merchant", merchantId), new KeyValuePair<string, object?>("result", result));

    public static void StampsAwarded(string merchantId, int count) => Stamps.Add(count, new KeyValuePair<string, object?>("merchant", merchantId));

    public static void Revoked(string merchantId, int count) => StampsRevoked.Add(count, new KeyValuePair<string, object?>("merchant", merchantId));

    public static void VouchersIssued(string merchantId, int count) => Vouchers.Add(count, new KeyValuePair<string, object?>("merchant", merchantId));

    public static void Redeemed(string merchantId, RedemptionMethod method) => Redemptions.Add(1, new KeyValuePair<string, object?>("merchant", merchantId), new KeyValuePair<string, object?>("method", method.ToString()));

    public static void Rejected(string merchantId, RedeemCodeRejectionReason reason) => Rejections.Add(1, new KeyValuePair<string, object?>("merchant", merchantId), new KeyValuePair<string, object?>("reason", reason.ToString()));

    public static void SaleBatch(int size) => BatchSizes.Record(size);

    public static void OutboxBacklog(long pending) => Interlocked.Exchange(ref _outboxBacklog, pending);
}
