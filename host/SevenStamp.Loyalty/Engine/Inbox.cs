using Microsoft.EntityFrameworkCore;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// The inbox (<c>processed_events</c>): the first statement of every sale's and refund's transaction claims the event's
/// key, unique on (merchant, source system, kind, external id). A second delivery finds the key taken, changes
/// nothing and is counted.
/// </summary>
internal sealed class Inbox(LoyaltyDbContext db)
{
    public const string SaleKind = "sale";
    public const string RefundKind = "refund";

    /// <summary>True when this event is new, false when it was applied before.</summary>
    public async Task<bool> ClaimAsync(string merchantId, string sourceSystem, string connectorId, string kind, string externalId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var inserted = await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO processed_events (merchant_id, source_system, connector_id, kind, external_id, processed_at, deliveries)
            VALUES ({merchantId}, {sourceSystem}, {connectorId}, {kind}, {externalId}, {now}, 1)
            ON CONFLICT (merchant_id, source_system, kind, external_id) DO NOTHING
            """,
            cancellationToken);
        if (inserted == 1)
        {
            return true;
        }

        await CountRepeatAsync(merchantId, sourceSystem, kind, externalId, cancellationToken);
        return false;
    }

    /// <summary>One insert of every sale's inbox key; returns the keys that were new (a repeat inserts nothing).</summary>
    public async Task<List<ClaimRow>> ClaimSalesAsync(SaleCompleted[] sales, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var sql = new SqlText("INSERT INTO processed_events (merchant_id, source_system, connector_id, kind, external_id, processed_at, deliveries) VALUES ");
        var kind = sql.Parameter(SaleKind);
        var at = sql.Parameter(db.DbInstant(now));
        sql.Rows(sales, sale => [sql.Parameter(sale.MerchantId), sql.Parameter(SaleSource.Of(sale)), sql.Parameter(sale.ConnectorId), kind, sql.Parameter(sale.ExternalSaleId), at, "1"]);
        sql.Append("""
             ON CONFLICT (merchant_id, source_system, kind, external_id) DO NOTHING
            RETURNING merchant_id AS "MerchantId", source_system AS "SourceSystem", external_id AS "ExternalId"
            """);
        return await db.Database.SqlQueryRaw<ClaimRow>(sql.Text, sql.Parameters).ToListAsync(cancellationToken);
    }

    /// <summary>Counts a repeat delivery, for operators (and tests) to see that it arrived and changed nothing else.</summary>
    public Task<int> CountRepeatAsync(string merchantId, string sourceSystem, string kind, string externalId, CancellationToken cancellationToken) =>
        db.ProcessedEvents
            .Where(p => p.MerchantId == merchantId && p.SourceSystem == sourceSystem && p.Kind == kind && p.ExternalId == externalId)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Deliveries, p => p.Deliveries + 1), cancellationToken);

    internal sealed record ClaimRow(string MerchantId, string SourceSystem, string ExternalId);
}
