using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Contracts;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// The reads a batch of sales makes once for all its sales instead of once per sale: the inbox claims (one
/// multi-row insert), the customer links the sales name, and the refunds that arrived before their sales.
/// </summary>
public sealed partial class LoyaltyEngine
{
    /// <summary>Rows per multi-row inbox insert: 5 parameters a row, far below SQLite's and PostgreSQL's limits.</summary>
    private const int ClaimChunk = 200;

    private async Task<BatchReads> ReadBatchAsync(IReadOnlyList<SaleCompleted> sales, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var claimed = new HashSet<SaleKey>();
        for (var start = 0; start < sales.Count; start += ClaimChunk)
        {
            var chunk = sales.Skip(start).Take(ClaimChunk).ToList();
            foreach (var row in await ClaimChunkAsync(chunk, now, cancellationToken))
            {
                claimed.Add(new SaleKey(row.MerchantId, row.ConnectorId, row.ExternalId));
            }
        }

        var newSales = sales.Where(s => claimed.Contains(SaleKey.Of(s))).ToList();
        var reads = new BatchReads(claimed);
        if (newSales.Count == 0)
        {
            return reads;
        }

        var merchants = newSales.Select(s => s.MerchantId).Distinct(StringComparer.Ordinal).ToList();
        var identifiers = newSales.SelectMany(CustomerIdentity.Of).ToList();
        if (identifiers.Count > 0)
        {
            var kinds = identifiers.Select(i => i.Kind).Distinct(StringComparer.Ordinal).ToList();
            var values = identifiers.Select(i => i.Value).Distinct(StringComparer.Ordinal).ToList();
            var links = await db.CustomerLinks.AsNoTracking()
                .Where(l => merchants.Contains(l.MerchantId) && kinds.Contains(l.Kind) && values.Contains(l.Value))
                .Select(l => new { l.MerchantId, l.Kind, l.Value, l.CustomerId })
                .ToListAsync(cancellationToken);
            foreach (var link in links)
            {
                reads.Links![new LinkKey(link.MerchantId, link.Kind, link.Value)] = link.CustomerId;
            }
        }

        var saleIds = newSales.Select(s => s.ExternalSaleId).Distinct(StringComparer.Ordinal).ToList();
        var refunds = await db.Refunds.AsNoTracking()
            .Where(r => merchants.Contains(r.MerchantId) && saleIds.Contains(r.ExternalSaleId))
            .Select(r => new { r.MerchantId, r.ConnectorId, r.ExternalSaleId, r.IsFullRefund })
            .ToListAsync(cancellationToken);
        foreach (var refund in refunds)
        {
            var key = new SaleKey(refund.MerchantId, refund.ConnectorId, refund.ExternalSaleId);
            reads.Refunds[key] = refund.IsFullRefund || reads.Refunds.GetValueOrDefault(key);
        }

        return reads;
    }

    /// <summary>One insert of every sale's inbox key; returns the keys that were new (a repeat inserts nothing).</summary>
    private async Task<List<ClaimRow>> ClaimChunkAsync(List<SaleCompleted> sales, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder("INSERT INTO processed_events (merchant_id, connector_id, kind, external_id, processed_at, deliveries) VALUES ");
        var parameters = new List<object>(2 + (sales.Count * 3)) { SaleKind, db.DbInstant(now) };
        for (var i = 0; i < sales.Count; i++)
        {
            var at = parameters.Count;
            sql.Append(CultureInfo.InvariantCulture, $"{(i == 0 ? string.Empty : ", ")}({{{at}}}, {{{at + 1}}}, {{0}}, {{{at + 2}}}, {{1}}, 1)");
            parameters.Add(sales[i].MerchantId);
            parameters.Add(sales[i].ConnectorId);
            parameters.Add(sales[i].ExternalSaleId);
        }

        sql.Append("""
             ON CONFLICT (merchant_id, connector_id, kind, external_id) DO NOTHING
            RETURNING merchant_id AS "MerchantId", connector_id AS "ConnectorId", external_id AS "ExternalId"
            """);
        return await db.Database.SqlQueryRaw<ClaimRow>(sql.ToString(), [.. parameters]).ToListAsync(cancellationToken);
    }

    internal sealed record ClaimRow(string MerchantId, string ConnectorId, string ExternalId);

    private readonly record struct SaleKey(string MerchantId, string ConnectorId, string ExternalSaleId)
    {
        public static SaleKey Of(SaleCompleted sale) => new(sale.MerchantId, sale.ConnectorId, sale.ExternalSaleId);
    }

    private readonly record struct LinkKey(string MerchantId, string Kind, string Value);

    /// <summary>What <see cref="ReadBatchAsync"/> read, kept up to date as the batch's sales are applied.</summary>
    private sealed class BatchReads(HashSet<SaleKey> claimed)
    {
        /// <summary>Sales whose inbox key this batch inserted; the first sale of each key takes it, a repeat finds it gone.</summary>
        public bool TakeClaim(SaleCompleted sale) => claimed.Remove(SaleKey.Of(sale));

        /// <summary>
        /// The customer links the batch's sales name, and those the batch wrote since. Null once a link could not
        /// be written because another transaction wrote it first: from then on each sale reads its own.
        /// </summary>
        public Dictionary<LinkKey, Guid>? Links { get; set; } = [];

        /// <summary>Sales with a refund recorded before the batch began: true when one of them is a full refund.</summary>
        public Dictionary<SaleKey, bool> Refunds { get; } = [];

        public bool HasRefund(SaleCompleted sale) => Refunds.ContainsKey(SaleKey.Of(sale));

        public bool IsFullyRefunded(SaleCompleted sale) => Refunds.GetValueOrDefault(SaleKey.Of(sale));
    }
}
