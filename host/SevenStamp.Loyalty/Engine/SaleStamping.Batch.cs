using Microsoft.EntityFrameworkCore;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// What a batch of sales does once for all its sales instead of once per sale: the inbox claims (one multi-row
/// insert), the reads of the customer links the sales name and of the refunds that arrived before their sales, and
/// the stamps added to the cards (one multi-row upsert).
/// </summary>
internal sealed partial class SaleStamping
{
    /// <summary>Rows per multi-row statement: at most 7 parameters a row, far below SQLite's and PostgreSQL's limits.</summary>
    private const int RowsPerStatement = 200;

    private async Task<BatchReads> ReadBatchAsync(IReadOnlyList<SaleCompleted> sales, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var claimed = new HashSet<SaleKey>();
        foreach (var chunk in sales.Chunk(RowsPerStatement))
        {
            foreach (var row in await inbox.ClaimSalesAsync(chunk, now, cancellationToken))
            {
                claimed.Add(new SaleKey(row.MerchantId, row.SourceSystem, row.ExternalId));
            }
        }

        var newSales = sales.Where(s => claimed.Contains(SaleKey.Of(s))).ToList();
        var reads = new BatchReads(claimed);
        if (newSales.Count == 0)
        {
            return reads;
        }

        // Before the refunds are read: a refund of one of these sales being applied now either committed already
        // (and is read below) or waits for this batch's commit, then finds its award.
        await db.LockSalesAsync(newSales.Select(s => LoyaltyDbContext.SaleLockKey(s.MerchantId, SaleSource.Of(s), s.ExternalSaleId)).ToList(), cancellationToken);
        var merchants = newSales.Select(s => s.MerchantId).Distinct(StringComparer.Ordinal).ToList();
        reads.Links = await customers.ReadLinksAsync(newSales, merchants, cancellationToken);

        var saleIds = newSales.Select(s => s.ExternalSaleId).Distinct(StringComparer.Ordinal).ToList();
        var refunds = await db.Refunds.AsNoTracking()
            .Where(r => merchants.Contains(r.MerchantId) && saleIds.Contains(r.ExternalSaleId))
            .Select(r => new { r.MerchantId, r.SourceSystem, r.ExternalSaleId, r.IsFullRefund })
            .ToListAsync(cancellationToken);
        foreach (var refund in refunds)
        {
            var key = new SaleKey(refund.MerchantId, refund.SourceSystem, refund.ExternalSaleId);
            reads.Refunds[key] = refund.IsFullRefund || reads.Refunds.GetValueOrDefault(key);
        }

        return reads;
    }

    /// <summary>
    /// Applies a batch whose reads were made once (<see cref="ReadBatchAsync"/>): each sale is prepared in order, then
    /// one statement adds every card's stamps, and each sale's award is recorded in order with the card's total as it
    /// stood after that sale. A batch with a sale whose refund arrived first adds each sale's stamps on its own, since
    /// that refund takes stamps back between one sale of the card and the next.
    /// </summary>
    private async Task ApplyWithReadsAsync(IReadOnlyList<SaleCompleted> sales, BatchReads reads, SaleOutcome?[] outcomes, CancellationToken cancellationToken)
    {
        var prepared = new PreparedSale[sales.Count];
        for (var i = 0; i < sales.Count; i++)
        {
            prepared[i] = await PrepareSaleAsync(sales[i], reads, cancellationToken);
        }

        var stamps = prepared.Select(p => p.Stamp).OfType<PendingStamp>().ToList();
        if (stamps.Any(s => reads.HasRefund(s.Sale)))
        {
            for (var i = 0; i < sales.Count; i++)
            {
                outcomes[i] = prepared[i].Stamp is { } stamp ? await StampAloneAsync(stamp, reads, cancellationToken) : prepared[i].Outcome;
            }

            return;
        }

        // Each card's total before the batch, then after each of its sales in order.
        var cardRows = stamps.Count == 0 ? [] : await AddStampsToCardsAsync(stamps, cancellationToken);
        var added = stamps.GroupBy(s => (s.Program.Id, s.CustomerId)).ToDictionary(g => g.Key, g => g.Sum(s => s.Stamps));
        var running = cardRows.ToDictionary(c => c.Key, c => (c.Value.Id, Total: c.Value.TotalStamps - added[c.Key], Cycles: c.Value.CyclesCompleted));
        var created = cardRows.Where(c => c.Value.Created).Select(c => c.Key).ToHashSet();
        for (var i = 0; i < sales.Count; i++)
        {
            if (prepared[i].Stamp is not { } stamp)
            {
                outcomes[i] = prepared[i].Outcome;
                continue;
            }

            var key = (stamp.Program.Id, stamp.CustomerId);
            var (cardId, total, cycles) = running[key];
            if (created.Remove(key))
            {
                // The batch's statement made the card: its first sale here is the one that made it.
                IssuedBySale(stamp.Sale, cardId, stamp.CustomerId, stamp.Now);
            }

            var counters = new CardCounters(total + stamp.Stamps, cycles);
            outcomes[i] = await AwardAsync(stamp, cardId, counters, reads, cancellationToken);
            running[key] = (cardId, counters.TotalStamps, CyclesReached(stamp.Program, counters));
        }
    }

    /// <summary>
    /// One statement (per <see cref="RowsPerStatement"/> cards) that creates or adds to every card the stamps go to (a
    /// card's stamps summed), locking the rows in one order (program, customer) so that two writers never wait on
    /// each other's cards in opposite orders. Returns each card as it stands with all of them, and whether the statement
    /// created it.
    /// </summary>
    private async Task<Dictionary<(Guid ProgramId, Guid CustomerId), AddedCard>> AddStampsToCardsAsync(List<PendingStamp> stamps, CancellationToken cancellationToken)
    {
        var additions = stamps
            .GroupBy(s => (s.Program.Id, s.CustomerId))
            .Select(g => new CardTotals.CardAddition(g.Key, g.First().Program.MerchantId, g.Sum(s => s.Stamps), g.First().Now))
            .OrderBy(c => c.Key.ProgramId)
            .ThenBy(c => c.Key.CustomerId)
            .ToList();
        var offered = additions.ToDictionary(a => a.Key, a => a.NewId);
        var result = new Dictionary<(Guid ProgramId, Guid CustomerId), AddedCard>(additions.Count);
        foreach (var chunk in additions.Chunk(RowsPerStatement))
        {
            foreach (var row in await cards.AddToCardsAsync(chunk, cancellationToken))
            {
                var key = (row.ProgramId, row.CustomerId);
                result[key] = new AddedCard(row.Id, row.TotalStamps, row.CyclesCompleted, row.Id == offered[key]);
            }
        }

        return result;
    }

    /// <summary>A card as the batch's statement left it; <see cref="Created"/>: the statement made it.</summary>
    private sealed record AddedCard(Guid Id, int TotalStamps, int CyclesCompleted, bool Created);

    private readonly record struct SaleKey(string MerchantId, string SourceSystem, string ExternalSaleId)
    {
        public static SaleKey Of(SaleCompleted sale) => new(sale.MerchantId, SaleSource.Of(sale), sale.ExternalSaleId);
    }

    /// <summary>What <see cref="ReadBatchAsync"/> read, kept up to date as the batch's sales are applied.</summary>
    private sealed class BatchReads(HashSet<SaleKey> claimed)
    {
        /// <summary>Sales whose inbox key this batch inserted; the first sale of each key takes it, a repeat finds it gone.</summary>
        public bool TakeClaim(SaleCompleted sale) => claimed.Remove(SaleKey.Of(sale));

        /// <summary>The customer links the batch's sales name, and those the batch wrote since (<see cref="BatchLinks"/>).</summary>
        public BatchLinks Links { get; set; } = new();

        /// <summary>Sales with a refund recorded before the batch began: true when one of them is a full refund.</summary>
        public Dictionary<SaleKey, bool> Refunds { get; } = [];

        public bool HasRefund(SaleCompleted sale) => Refunds.ContainsKey(SaleKey.Of(sale));

        public bool IsFullyRefunded(SaleCompleted sale) => Refunds.GetValueOrDefault(SaleKey.Of(sale));
    }
}
