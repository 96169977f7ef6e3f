using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Messaging;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// Stamps sales onto cards, one sale or a batch at a time, and takes stamps back when a sale is refunded. Each call is
/// one database transaction that starts by claiming the event in the <see cref="Inbox"/> (a second delivery changes
/// nothing) and locking the sale against its refunds; then the Redeem Codes the sale carries are redeemed
/// (<see cref="VoucherRedemption"/>), its customer found or enrolled (<see cref="CustomerResolver"/>), the stamps added
/// to the card with one statement (<see cref="CardTotals"/>), the award recorded and the vouchers of the goals it
/// reaches minted (<see cref="VoucherLedger"/>); every event goes to the outbox in the same transaction.
/// </summary>
internal sealed partial class SaleStamping(
    LoyaltyDbContext db,
    EngineTransaction work,
    Inbox inbox,
    CustomerResolver customers,
    CardTotals cards,
    VoucherLedger ledger,
    VoucherRedemption redemption,
    TimeProvider timeProvider,
    ILogger logger)
{
    private readonly Dictionary<string, LoyaltyProgram?> _programs = new(StringComparer.Ordinal);

    /// <summary>Applies one sale in a transaction of its own; a repeat delivery changes nothing and says so.</summary>
    public async Task<SaleOutcome> ApplySaleAsync(SaleCompleted sale, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sale);
        // One transaction: a failed statement fails the whole sale, so EF's savepoint around each SaveChanges is not needed.
        db.Database.AutoSavepointsEnabled = false;
        _programs.Clear();
        work.MintedCycles.Clear();
        await using var transaction = await work.BeginAsync(cancellationToken);
        var outcome = await ApplySaleInTransactionAsync(sale, null, cancellationToken);
        await work.CommitAsync(transaction, cancellationToken);
        Report(sale, outcome);
        return outcome;
    }

    /// <summary>
    /// Group commit: applies <paramref name="sales"/> in one transaction, each behind its own savepoint. A sale that
    /// throws is rolled back to its savepoint alone and its exception returned at its index (null for a sale that
    /// was applied), so the caller can fail that one message and acknowledge the others. Every sale still claims
    /// its inbox key and writes its unique award row, so a sale applied here and delivered again changes nothing.
    /// </summary>
    public async Task<IReadOnlyList<Exception?>> ApplySalesAsync(IReadOnlyList<SaleCompleted> sales, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sales);
        db.Database.AutoSavepointsEnabled = false;
        if (sales.Count > 1)
        {
            // Optimistic first: no savepoints, one write of the rows at the end. Should any sale fail, the whole
            // transaction is rolled back and the batch applied again with a savepoint around each sale.
            try
            {
                return await ApplyBatchAsync(sales, savepoints: false, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                work.Forget();
                LoyaltyEngineLog.LogBatchRetried(logger, sales.Count, ex.GetType().Name);
            }
        }

        return await ApplyBatchAsync(sales, savepoints: true, cancellationToken);
    }

    private async Task<IReadOnlyList<Exception?>> ApplyBatchAsync(IReadOnlyList<SaleCompleted> sales, bool savepoints, CancellationToken cancellationToken)
    {
        _programs.Clear();
        work.MintedCycles.Clear();
        var errors = new Exception?[sales.Count];
        var outcomes = new SaleOutcome?[sales.Count];
        await using var transaction = await work.BeginAsync(cancellationToken);

        if (savepoints)
        {
            await ApplyEachBehindASavepointAsync(transaction, sales, outcomes, errors, cancellationToken);
        }
        else
        {
            // Without savepoints the batch stands or falls as a whole, so its reads can be made once for all its sales.
            var reads = await ReadBatchAsync(sales, timeProvider.GetUtcNow(), cancellationToken);
            await ApplyWithReadsAsync(sales, reads, outcomes, cancellationToken);
        }

        await work.CommitAsync(transaction, cancellationToken);
        for (var i = 0; i < sales.Count; i++)
        {
            if (outcomes[i] is { } outcome)
            {
                Report(sales[i], outcome);
            }
        }

        return errors;
    }

    /// <summary>
    /// Applies each sale on its own behind a savepoint: a sale that throws is rolled back alone, its exception kept at
    /// its index, and the others go on.
    /// </summary>
    private async Task ApplyEachBehindASavepointAsync(IDbContextTransaction transaction, IReadOnlyList<SaleCompleted> sales, SaleOutcome?[] outcomes, Exception?[] errors, CancellationToken cancellationToken)
    {
        for (var i = 0; i < sales.Count; i++)
        {
            await transaction.CreateSavepointAsync("sale", cancellationToken);
            try
            {
                outcomes[i] = await ApplySaleInTransactionAsync(sales[i], null, cancellationToken);
                await db.SaveChangesAsync(cancellationToken);
                await transaction.ReleaseSavepointAsync("sale", cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                await transaction.RollbackToSavepointAsync("sale", cancellationToken);
                work.Forget();
                outcomes[i] = null;
                errors[i] = ex;
            }
        }
    }

    /// <summary>
    /// The sale's changes, written inside the caller's transaction; nothing is committed here. With
    /// <paramref name="reads"/> (a batch without savepoints) its inbox claim, customer links and refunds were read
    /// for the whole batch; without, the sale reads its own.
    /// </summary>
    private async Task<SaleOutcome> ApplySaleInTransactionAsync(SaleCompleted sale, BatchReads? reads, CancellationToken cancellationToken)
    {
        var prepared = await PrepareSaleAsync(sale, reads, cancellationToken);
        return prepared.Stamp is { } stamp ? await StampAloneAsync(stamp, reads, cancellationToken) : prepared.Outcome;
    }

    /// <summary>
    /// Adds a sale's stamps to its card on their own, with one statement that creates the card or adds to it and locks
    /// its row until commit, then records the award.
    /// </summary>
    private async Task<SaleOutcome> StampAloneAsync(PendingStamp stamp, BatchReads? reads, CancellationToken cancellationToken)
    {
        var (cardId, counters, created) = await cards.AddToCardAsync(stamp.Program, stamp.CustomerId, stamp.Stamps, stamp.Now, cancellationToken);
        if (created)
        {
            IssuedBySale(stamp.Sale, cardId, stamp.CustomerId, stamp.Now);
        }

        return await AwardAsync(stamp, cardId, counters, reads, cancellationToken);
    }

    /// <summary>
    /// Everything of the sale up to its stamps: the inbox claim, its program, the Redeem Codes it carries, its customer.
    /// Returns the sale's outcome when it ends there (a repeat, unmatched, nothing to stamp), or the stamps it earns.
    /// </summary>
    private async Task<PreparedSale> PrepareSaleAsync(SaleCompleted sale, BatchReads? reads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sale);
        var now = timeProvider.GetUtcNow();
        var claimed = reads is null
            ? await inbox.ClaimAsync(sale.MerchantId, SaleSource.Of(sale), sale.ConnectorId, Inbox.SaleKind, sale.ExternalSaleId, now, cancellationToken)
            : reads.TakeClaim(sale);
        if (!claimed)
        {
            if (reads is not null)
            {
                await inbox.CountRepeatAsync(sale.MerchantId, SaleSource.Of(sale), Inbox.SaleKind, sale.ExternalSaleId, cancellationToken);
            }

            return new PreparedSale(new SaleOutcome { Duplicate = true });
        }

        if (reads is null)
        {
            // Before any refund of this sale is read (a batch locks all its sales at once in ReadBatchAsync).
            await db.LockSalesAsync([LoyaltyDbContext.SaleLockKey(sale.MerchantId, SaleSource.Of(sale), sale.ExternalSaleId)], cancellationToken);
        }

        var program = await ProgramOfAsync(sale.MerchantId, cancellationToken);
        if (program is null)
        {
            RecordUnmatched(sale, UnmatchedReason.NoProgram, now);
            return new PreparedSale(new SaleOutcome { Unmatched = UnmatchedReason.NoProgram });
        }

        // Any program's sale may carry Redeem Codes: milestone and campaign vouchers name their own path.
        var (redeemed, rejected) = sale.Discounts.Count > 0
            && !(reads?.IsFullyRefunded(sale) ?? await IsFullyRefundedAsync(sale, cancellationToken))
            ? await redemption.RedeemCodesAsync(sale, program, now, cancellationToken)
            : (0, 0);

        var identifiers = CustomerIdentity.Of(sale);
        var customerId = identifiers.Count == 0 ? null : await customers.ResolveAsync(sale.MerchantId, identifiers, CustomerIdentity.LegacyPosIdentifier(sale), program.AutoEnroll, reads?.Links, now, cancellationToken);
        if (customerId is null)
        {
            var reason = identifiers.Count == 0 ? UnmatchedReason.NoCustomer : UnmatchedReason.UnknownCustomer;
            RecordUnmatched(sale, reason, now);
            return new PreparedSale(new SaleOutcome { Unmatched = reason, VouchersRedeemed = redeemed, CodesRejected = rejected });
        }

        var stamps = EarningRules.StampsFor(program, sale);
        if (stamps <= 0)
        {
            var (card, created) = await cards.EnsureCardAsync(program, customerId.Value, now, cancellationToken);
            if (created)
            {
                IssuedBySale(sale, card, customerId.Value, now);
            }

            return new PreparedSale(new SaleOutcome { CardId = card, StampsAwarded = 0, VouchersRedeemed = redeemed, CodesRejected = rejected });
        }

        return new PreparedSale(new SaleOutcome(), new PendingStamp(sale, program, customerId.Value, stamps, redeemed, rejected, now));
    }

    /// <summary>
    /// Records a sale's stamps once its card holds them (<paramref name="counters"/>: the card's total with them, and
    /// the cycles it had completed before): the award row, the event, the goals the total reaches and their vouchers,
    /// and a refund that arrived before the sale.
    /// </summary>
    private async Task<SaleOutcome> AwardAsync(PendingStamp stamp, Guid cardId, CardCounters counters, BatchReads? reads, CancellationToken cancellationToken)
    {
        var (sale, program, _, stamps, redeemed, rejected, now) = stamp;
        db.StampAwards.Add(new StampAward
        {
            MerchantId = sale.MerchantId,
            SourceSystem = SaleSource.Of(sale),
            ConnectorId = sale.ConnectorId,
            ExternalSaleId = sale.ExternalSaleId,
            CardId = cardId,
            Stamps = stamps,
            SaleTotal = sale.Total,
            LocationId = sale.LocationId is { Length: <= LoyaltyDbContext.ExternalIdLength } location ? location : null,
            AwardedAt = now,
        });
        var after = counters with { CyclesCompleted = CyclesReached(program, counters) };
        Outbox.Enqueue(db, new StampsAwarded
        {
            MerchantId = sale.MerchantId,
            CardId = cardId,
            ConnectorId = sale.ConnectorId,
            ExternalSaleId = sale.ExternalSaleId,
            Stamps = stamps,
            Balance = Card.Progress(after.TotalStamps, after.CyclesCompleted, program.StampGoal),
            Goal = program.StampGoal,
            Debt = Card.Debt(after.TotalStamps, after.CyclesCompleted, program.StampGoal),
            LocationId = sale.LocationId,
            AwardedAt = now,
        }, now);
        var issued = await CompleteCyclesAsync(program, cardId, counters, sale.LocationId, now, cancellationToken);
        issued += await ledger.ReachMilestonesAsync(program, cardId, now, cancellationToken);

        // A refund that arrived before its sale is applied now (it needs the award row written first).
        var source = SaleSource.Of(sale);
        if (reads?.HasRefund(sale) ?? await db.Refunds.AnyAsync(r => r.MerchantId == sale.MerchantId && r.SourceSystem == source && r.ExternalSaleId == sale.ExternalSaleId, cancellationToken))
        {
            await db.SaveChangesAsync(cancellationToken);
            await ApplyRefundsAsync(program, sale.MerchantId, source, sale.ConnectorId, sale.ExternalSaleId, null, now, cancellationToken);
        }

        return new SaleOutcome { CardId = cardId, StampsAwarded = stamps, VouchersIssued = issued, VouchersRedeemed = redeemed, CodesRejected = rejected };
    }

    /// <summary>The event of a card the sale's stamps (or its visit) made: the sale's customer had none in the program.</summary>
    private void IssuedBySale(SaleCompleted sale, Guid cardId, Guid customerId, DateTimeOffset now) =>
        Outbox.Enqueue(db, new CardIssued { MerchantId = sale.MerchantId, CardId = cardId, CustomerId = customerId, Origin = CardOrigin.Sale, LocationId = sale.LocationId, IssuedAt = now }, now);

    /// <summary>Logs and counts a sale once its transaction committed.</summary>
    private void Report(SaleCompleted sale, SaleOutcome outcome)
    {
        if (outcome.Duplicate)
        {
            LoyaltyEngineLog.LogDuplicate(logger, Inbox.SaleKind, sale.MerchantId, sale.ConnectorId, sale.ExternalSaleId);
            LoyaltyMetrics.SaleApplied(sale.MerchantId, "duplicate");
            return;
        }

        if (outcome.CardId is null)
        {
            return; // Unmatched: logged and counted where it was recorded.
        }

        LoyaltyEngineLog.LogApplied(logger, sale.MerchantId, sale.ConnectorId, sale.ExternalSaleId, outcome.StampsAwarded, outcome.VouchersIssued, outcome.VouchersRedeemed, outcome.CodesRejected);
        LoyaltyMetrics.SaleApplied(sale.MerchantId, "awarded");
        LoyaltyMetrics.StampsAwarded(sale.MerchantId, outcome.StampsAwarded);
        LoyaltyMetrics.VouchersIssued(sale.MerchantId, outcome.VouchersIssued);
    }

    /// <summary>The merchant's program, read once per call (a batch reads it once for all its sales).</summary>
    private async Task<LoyaltyProgram?> ProgramOfAsync(string merchantId, CancellationToken cancellationToken)
    {
        if (_programs.TryGetValue(merchantId, out var cached))
        {
            return cached;
        }

        var program = await db.Programs.AsNoTracking().SingleOrDefaultAsync(p => p.MerchantId == merchantId, cancellationToken);
        _programs[merchantId] = program;
        return program;
    }

    private void RecordUnmatched(SaleCompleted sale, UnmatchedReason reason, DateTimeOffset now)
    {
        db.UnmatchedSales.Add(new UnmatchedSale
        {
            MerchantId = sale.MerchantId,
            SourceSystem = SaleSource.Of(sale),
            ConnectorId = sale.ConnectorId,
            ExternalSaleId = sale.ExternalSaleId,
            Reason = reason,
            Total = sale.Total,
            Currency = sale.Currency,
            OccurredAt = sale.OccurredAt,
            RecordedAt = now,
        });
        Outbox.Enqueue(db, new SaleUnmatched
        {
            MerchantId = sale.MerchantId,
            ConnectorId = sale.ConnectorId,
            ExternalSaleId = sale.ExternalSaleId,
            Reason = reason,
            OccurredAt = sale.OccurredAt,
        }, now);
        LoyaltyEngineLog.LogUnmatched(logger, sale.MerchantId, sale.ConnectorId, sale.ExternalSaleId, reason);
        LoyaltyMetrics.SaleApplied(sale.MerchantId, "unmatched");
    }

    private async Task<bool> IsFullyRefundedAsync(SaleCompleted sale, CancellationToken cancellationToken)
    {
        var source = SaleSource.Of(sale);
        return await db.Refunds.AnyAsync(r => r.MerchantId == sale.MerchantId && r.SourceSystem == source && r.ExternalSaleId == sale.ExternalSaleId && r.IsFullRefund, cancellationToken);
    }

    /// <summary>
    /// Records every goal the card's total now reaches (a sale may complete several, each a <see cref="GoalReached"/>
    /// at the sale's location) and mints their vouchers, plus any voucher still owed from an earlier cycle. Runs while
    /// the card row is locked.
    /// </summary>
    private async Task<int> CompleteCyclesAsync(LoyaltyProgram program, Guid cardId, CardCounters counters, string? locationId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cycles = CyclesReached(program, counters);
        if (cycles == counters.CyclesCompleted)
        {
            return 0;
        }

        await cards.SetCyclesCompletedAsync(cardId, cycles, cancellationToken);
        return await ledger.ReachGoalsAsync(program, cardId, counters.CyclesCompleted, cycles, locationId, now, cancellationToken);
    }

    /// <summary>The cycles a card has completed once its total is <paramref name="counters"/>'s: cycles never go back.</summary>
    private static int CyclesReached(LoyaltyProgram program, CardCounters counters) =>
        Math.Max(counters.CyclesCompleted, counters.TotalStamps / Math.Max(1, program.StampGoal));

    /// <summary>A sale prepared up to its stamps: its outcome if it ends there, else the stamps it earns.</summary>
    private sealed record PreparedSale(SaleOutcome Outcome, PendingStamp? Stamp = null);

    /// <summary>Stamps a sale earns, not yet added to its customer's card.</summary>
    private sealed record PendingStamp(SaleCompleted Sale, LoyaltyProgram Program, Guid CustomerId, int Stamps, int Redeemed, int Rejected, DateTimeOffset Now);
}
