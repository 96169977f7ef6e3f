using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Messaging;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// Applies sales and refunds to cards, vouchers and Redeem Codes. Each call is one database transaction that
/// starts by claiming the event in the inbox (a second delivery changes nothing), writes every state change
/// with keyed or conditional statements (safe under concurrent consumers on PostgreSQL; SQLite serializes
/// writers), and writes the events it causes to the outbox in the same transaction.
/// </summary>
public sealed partial class LoyaltyEngine(LoyaltyDbContext db, TimeProvider timeProvider, OutboxSignal outboxSignal, ILogger<LoyaltyEngine> logger)
{
    private const string SaleKind = "sale";
    private const string RefundKind = "refund";

    private readonly Dictionary<string, LoyaltyProgram?> _programs = new(StringComparer.Ordinal);

    /// <summary>
    /// Cycles whose vouchers this transaction minted, by card: they are written with the transaction's next
    /// <c>SaveChanges</c>, so a later sale of the same card in the batch learns of them here, not from the database.
    /// Emptied whenever the change tracker is (a rollback) and at each commit.
    /// </summary>
    private readonly Dictionary<Guid, HashSet<int>> _mintedInTransaction = [];

    public async Task<SaleOutcome> ApplySaleAsync(SaleCompleted sale, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sale);
        // One transaction: a failed statement fails the whole sale, so EF's savepoint around each SaveChanges is not needed.
        db.Database.AutoSavepointsEnabled = false;
        _programs.Clear();
        _mintedInTransaction.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var outcome = await ApplySaleInTransactionAsync(sale, null, cancellationToken);
        await CommitAsync(transaction, cancellationToken);
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
                db.ChangeTracker.Clear();
                _mintedInTransaction.Clear();
                LogBatchRetried(logger, sales.Count, ex.GetType().Name);
            }
        }

        return await ApplyBatchAsync(sales, savepoints: true, cancellationToken);
    }

    private async Task<IReadOnlyList<Exception?>> ApplyBatchAsync(IReadOnlyList<SaleCompleted> sales, bool savepoints, CancellationToken cancellationToken)
    {
        _programs.Clear();
        _mintedInTransaction.Clear();
        var errors = new Exception?[sales.Count];
        var outcomes = new SaleOutcome?[sales.Count];
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

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

        await CommitAsync(transaction, cancellationToken);
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
                db.ChangeTracker.Clear();
                _mintedInTransaction.Clear();
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
        var (cardId, counters) = await AddStampsToCardAsync(stamp.Program, stamp.CustomerId, stamp.Stamps, stamp.Now, cancellationToken);
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
            ? await ClaimAsync(sale.MerchantId, SaleSource.Of(sale), sale.ConnectorId, SaleKind, sale.ExternalSaleId, now, cancellationToken)
            : reads.TakeClaim(sale);
        if (!claimed)
        {
            if (reads is not null)
            {
                await CountRepeatAsync(sale.MerchantId, SaleSource.Of(sale), SaleKind, sale.ExternalSaleId, cancellationToken);
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

        var (redeemed, rejected) = program.RedemptionPath == RedemptionPath.RedeemCode && sale.Discounts.Count > 0
            && !(reads?.IsFullyRefunded(sale) ?? await IsFullyRefundedAsync(sale, cancellationToken))
            ? await RedeemCodesAsync(sale, program, now, cancellationToken)
            : (0, 0);

        var identifiers = CustomerIdentity.Of(sale);
        var customerId = identifiers.Count == 0 ? null : await FindCustomerAsync(sale.MerchantId, identifiers, CustomerIdentity.LegacyPosIdentifier(sale), program.AutoEnroll, reads, now, cancellationToken);
        if (customerId is null)
        {
            var reason = identifiers.Count == 0 ? UnmatchedReason.NoCustomer : UnmatchedReason.UnknownCustomer;
            RecordUnmatched(sale, reason, now);
            return new PreparedSale(new SaleOutcome { Unmatched = reason, VouchersRedeemed = redeemed, CodesRejected = rejected });
        }

        var stamps = EarningRules.StampsFor(program, sale);
        if (stamps <= 0)
        {
            var card = await EnsureCardAsync(program, customerId.Value, now, cancellationToken);
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
            AwardedAt = now,
        }, now);
        var issued = await CompleteCyclesAsync(program, cardId, counters, now, cancellationToken);

        // A refund that arrived before its sale is applied now (it needs the award row written first).
        var source = SaleSource.Of(sale);
        if (reads?.HasRefund(sale) ?? await db.Refunds.AnyAsync(r => r.MerchantId == sale.MerchantId && r.SourceSystem == source && r.ExternalSaleId == sale.ExternalSaleId, cancellationToken))
        {
            await db.SaveChangesAsync(cancellationToken);
            await ApplyRefundsAsync(program, sale.MerchantId, source, sale.ConnectorId, sale.ExternalSaleId, null, now, cancellationToken);
        }

        return new SaleOutcome { CardId = cardId, StampsAwarded = stamps, VouchersIssued = issued, VouchersRedeemed = redeemed, CodesRejected = rejected };
    }

    /// <summary>Logs and counts a sale once its transaction committed.</summary>
    private void Report(SaleCompleted sale, SaleOutcome outcome)
    {
        if (outcome.Duplicate)
        {
            LogDuplicate(logger, SaleKind, sale.MerchantId, sale.ConnectorId, sale.ExternalSaleId);
            LoyaltyMetrics.SaleApplied(sale.MerchantId, "duplicate");
            return;
        }

        if (outcome.CardId is null)
        {
            return; // Unmatched: logged and counted where it was recorded.
        }

        LogApplied(logger, sale.MerchantId, sale.ConnectorId, sale.ExternalSaleId, outcome.StampsAwarded, outcome.VouchersIssued, outcome.VouchersRedeemed, outcome.CodesRejected);
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

    public async Task<bool> ApplyRefundAsync(SaleRefunded refund, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(refund);
        var now = timeProvider.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var source = SaleSource.Of(refund);
        if (!await ClaimAsync(refund.MerchantId, source, refund.ConnectorId, RefundKind, refund.ExternalRefundId, now, cancellationToken))
        {
            await transaction.CommitAsync(cancellationToken);
            LogDuplicate(logger, RefundKind, refund.MerchantId, refund.ConnectorId, refund.ExternalRefundId);
            return false;
        }

        // The sale's lock, before its award is read: were the sale being applied at this moment, the refund waits for
        // its commit and then finds the award; a sale applied after this commit finds the refund instead.
        await db.LockSalesAsync([LoyaltyDbContext.SaleLockKey(refund.MerchantId, source, refund.ExternalSaleId)], cancellationToken);

        db.Refunds.Add(new SaleRefund
        {
            MerchantId = refund.MerchantId,
            SourceSystem = source,
            ConnectorId = refund.ConnectorId,
            ExternalRefundId = refund.ExternalRefundId,
            ExternalSaleId = refund.ExternalSaleId,
            Amount = refund.Amount,
            IsFullRefund = refund.IsFullRefund,
            OccurredAt = refund.OccurredAt,
        });
        await db.SaveChangesAsync(cancellationToken);

        var program = await db.Programs.AsNoTracking().SingleOrDefaultAsync(p => p.MerchantId == refund.MerchantId, cancellationToken);
        if (program is not null)
        {
            await ApplyRefundsAsync(program, refund.MerchantId, source, refund.ConnectorId, refund.ExternalSaleId, refund.ExternalRefundId, now, cancellationToken);
            if (refund.IsFullRefund && program.ReinstateVoucherOnRefund)
            {
                await ReinstateVouchersAsync(refund, now, cancellationToken);
            }
        }

        await CommitAsync(transaction, cancellationToken);
        return true;
    }

    /// <summary>
    /// Redeems a voucher at the counter (<see cref="RedemptionMethod.StaffScan"/>, by its code or QR content) or by
    /// the customer (<see cref="RedemptionMethod.SelfRedeem"/>, by its id from their voucher link), with the same
    /// conditional update as a sale: exactly once, whoever comes first.
    /// </summary>
    public async Task<RedemptionResult> RedeemAsync(string merchantId, Guid? voucherId, string? code, RedemptionMethod method, string? staffId, CancellationToken cancellationToken)
    {
        var normalized = RedeemCodes.Normalize(code);
        var voucher = await db.Vouchers.AsNoTracking()
            .Where(v => v.MerchantId == merchantId && (voucherId != null ? v.Id == voucherId : v.NormalizedCode == normalized))
            .SingleOrDefaultAsync(cancellationToken);
        if (voucher is null)
        {
            return RedemptionResult.NotFound;
        }

        var path = await db.Programs.Where(p => p.Id == voucher.ProgramId).Select(p => p.RedemptionPath).SingleAsync(cancellationToken);
        if (method == RedemptionMethod.SelfRedeem && path != RedemptionPath.SelfRedeem)
        {
            return new RedemptionResult(RedemptionOutcome.NotAllowed, voucher);
        }

        var now = timeProvider.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (voucher.State == VoucherState.Issued && !IsExpired(voucher, now))
        {
            var won = await db.Vouchers
                .Where(v => v.Id == voucher.Id && v.State == VoucherState.Issued)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(v => v.State, VoucherState.Redeemed)
                    .SetProperty(v => v.ClosedAt, now)
                    .SetProperty(v => v.RedeemedBy, method)
                    .SetProperty(v => v.RedeemedByStaffId, staffId), cancellationToken);
            if (won == 1)
            {
                db.VoucherHistory.Add(new VoucherHistoryEntry { VoucherId = voucher.Id, State = VoucherState.Redeemed, At = now, Method = method, StaffId = staffId });
                Outbox.Enqueue(db, new VoucherRedeemed { MerchantId = voucher.MerchantId, CardId = voucher.CardId, VoucherId = voucher.Id, Method = method, StaffId = staffId, RedeemedAt = now }, now);
                await CommitAsync(transaction, cancellationToken);
                LogRedeemedAtCounter(logger, merchantId, voucher.Id, method);
                LoyaltyMetrics.Redeemed(merchantId, method);
                return new RedemptionResult(RedemptionOutcome.RedeemedNow, await db.Vouchers.AsNoTracking().SingleAsync(v => v.Id == voucher.Id, cancellationToken));
            }

            voucher = await db.Vouchers.AsNoTracking().SingleAsync(v => v.Id == voucher.Id, cancellationToken);
        }

        if (voucher.State == VoucherState.Issued && await ExpireAsync(voucher.Id, voucher.MerchantId, voucher.CardId, now, cancellationToken))
        {
            voucher = await db.Vouchers.AsNoTracking().SingleAsync(v => v.Id == voucher.Id, cancellationToken);
        }

        await CommitAsync(transaction, cancellationToken);
        return new RedemptionResult(
            voucher.State switch
            {
                VoucherState.Redeemed => RedemptionOutcome.AlreadyRedeemed,
                VoucherState.Voided => RedemptionOutcome.Voided,
                _ => RedemptionOutcome.Expired,
            },
            voucher);
    }

    /// <summary>Voids an issued voucher (one conditional update); returns the voucher as it now stands, or null when unknown.</summary>
    public async Task<(bool Voided, Voucher? Voucher)> VoidAsync(string merchantId, Guid voucherId, string? reason, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var changed = await db.Vouchers.Where(v => v.Id == voucherId && v.MerchantId == merchantId && v.State == VoucherState.Issued)
            .ExecuteUpdateAsync(s => s.SetProperty(v => v.State, VoucherState.Voided).SetProperty(v => v.ClosedAt, now), cancellationToken);
        var voucher = await db.Vouchers.AsNoTracking().SingleOrDefaultAsync(v => v.Id == voucherId && v.MerchantId == merchantId, cancellationToken);
        if (changed == 1 && voucher is not null)
        {
            db.VoucherHistory.Add(new VoucherHistoryEntry { VoucherId = voucherId, State = VoucherState.Voided, At = now, Note = reason });
            Outbox.Enqueue(db, new VoucherVoided { MerchantId = merchantId, CardId = voucher.CardId, VoucherId = voucherId, Reason = reason, VoidedAt = now }, now);
        }

        await CommitAsync(transaction, cancellationToken);
        return (changed == 1, voucher);
    }

    /// <summary>Moves every issued voucher whose expiry has passed to <see cref="VoucherState.Expired"/>; returns how many.</summary>
    public async Task<int> ExpireDueVouchersAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var due = await db.Vouchers.AsNoTracking()
            .Where(v => v.State == VoucherState.Issued && v.ExpiresAt != null && v.ExpiresAt <= now)
            .OrderBy(v => v.ExpiresAt)
            .Take(500)
            .Select(v => new { v.Id, v.MerchantId, v.CardId })
            .ToListAsync(cancellationToken);
        var expired = 0;
        foreach (var voucher in due)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (await ExpireAsync(voucher.Id, voucher.MerchantId, voucher.CardId, now, cancellationToken))
            {
                expired++;
            }

            await CommitAsync(transaction, cancellationToken);
        }

        return expired;
    }

    /// <summary>Mints the vouchers owed to cards of <paramref name="programId"/> (a pool ran dry earlier); returns how many.</summary>
    public async Task<int> MintOwedVouchersAsync(Guid programId, CancellationToken cancellationToken)
    {
        var program = await db.Programs.AsNoTracking().SingleAsync(p => p.Id == programId, cancellationToken);
        var owed = await db.Cards.AsNoTracking()
            .Where(c => c.ProgramId == programId && c.CyclesCompleted > db.Vouchers.Count(v => v.CardId == c.Id))
            .Select(c => c.Id)
            .ToListAsync(cancellationToken);
        var minted = 0;
        foreach (var cardId in owed)
        {
            var now = timeProvider.GetUtcNow();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            // Lock the card row (PostgreSQL) so a concurrent award does not mint the same cycle.
            var counters = await AddStampsAsync(cardId, 0, now, cancellationToken);
            minted += await MintMissingVouchersAsync(program, cardId, counters.CyclesCompleted, now, cancellationToken);
            await CommitAsync(transaction, cancellationToken);
        }

        return minted;
    }

    /// <summary>
    /// Adds Redeem Codes the merchant created in the POS to the program's pool (codes already known are skipped),
    /// then mints the vouchers that were waiting for codes. Returns (codes added, vouchers minted).
    /// </summary>
    public async Task<(int Added, int Minted)> ImportPoolCodesAsync(Guid programId, IEnumerable<string> codes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(codes);
        var program = await db.Programs.AsNoTracking().SingleAsync(p => p.Id == programId, cancellationToken);
        var now = timeProvider.GetUtcNow();
        var added = 0;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            foreach (var code in codes.Select(c => c.Trim()).Where(c => c.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                added += await db.Database.ExecuteSqlInterpolatedAsync(
                    $"""
                    INSERT INTO pool_codes (program_id, merchant_id, code, normalized_code, imported_at)
                    VALUES ({programId}, {program.MerchantId}, {code}, {RedeemCodes.Normalize(code)}, {now})
                    ON CONFLICT (merchant_id, normalized_code) DO NOTHING
                    """,
                    cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        return (added, await MintOwedVouchersAsync(programId, cancellationToken));
    }

    private async Task CommitAsync(Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction transaction, CancellationToken cancellationToken)
    {
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        _mintedInTransaction.Clear();
        outboxSignal.Notify();
    }

    /// <summary>The inbox: true when this event is new, false when it was applied before.</summary>
    private async Task<bool> ClaimAsync(string merchantId, string sourceSystem, string connectorId, string kind, string externalId, DateTimeOffset now, CancellationToken cancellationToken)
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

    /// <summary>Counts a repeat delivery, for operators (and tests) to see that it arrived and changed nothing else.</summary>
    private Task<int> CountRepeatAsync(string merchantId, string sourceSystem, string kind, string externalId, CancellationToken cancellationToken) =>
        db.ProcessedEvents
            .Where(p => p.MerchantId == merchantId && p.SourceSystem == sourceSystem && p.Kind == kind && p.ExternalId == externalId)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Deliveries, p => p.Deliveries + 1), cancellationToken);

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
        LogUnmatched(logger, sale.MerchantId, sale.ConnectorId, sale.ExternalSaleId, reason);
        LoyaltyMetrics.SaleApplied(sale.MerchantId, "unmatched");
    }

    /// <summary>
    /// The customer an identifier already points to (strongest identifier first), linking the sale's other
    /// identifiers to them; or, when the program enrols from sales, a new customer. Concurrent first sales of the
    /// same new customer agree on one: the link's unique key picks the winner. With <paramref name="reads"/>, the
    /// links come from the batch's read, and the links written here are added to it.
    /// </summary>
    private async Task<Guid?> FindCustomerAsync(string merchantId, IReadOnlyList<(string Kind, string Value)> identifiers, (string Kind, string Value)? legacy, bool autoEnroll, BatchReads? reads, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // The legacy identifier (CustomerIdentity.LegacyPosIdentifier) is looked up last and never written.
        IReadOnlyList<(string Kind, string Value)> lookedUp = legacy is { } old ? [.. identifiers, old] : identifiers;
        List<(string Kind, string Value, Guid CustomerId)> links;
        if (reads?.Links is { } batchLinks)
        {
            links = [];
            foreach (var (kind, value) in lookedUp)
            {
                if (batchLinks.TryGetValue(new LinkKey(merchantId, kind, value), out var linked))
                {
                    links.Add((kind, value, linked));
                }
            }
        }
        else
        {
            var values = lookedUp.Select(i => i.Value).ToList();
            links = [.. (await db.CustomerLinks.AsNoTracking()
                .Where(l => l.MerchantId == merchantId && values.Contains(l.Value))
                .Select(l => new { l.Kind, l.Value, l.CustomerId })
                .ToListAsync(cancellationToken)).Select(l => (l.Kind, l.Value, l.CustomerId))];
        }

        var known = lookedUp
            .SelectMany(i => links.Where(l => l.Kind == i.Kind && l.Value == i.Value).Take(1))
            .Select(l => (Guid?)l.CustomerId)
            .FirstOrDefault();

        Guid customerId;
        if (known is { } found)
        {
            customerId = found;
        }
        else if (!autoEnroll)
        {
            return null;
        }
        else
        {
            var candidate = Guid.NewGuid();
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"INSERT INTO customers (id, merchant_id, created_at) VALUES ({candidate}, {merchantId}, {now})",
                cancellationToken);
            var (kind, value) = identifiers[0];
            if (await InsertLinkAsync(merchantId, kind, value, candidate, reads, now, cancellationToken) == 1)
            {
                customerId = candidate;
            }
            else
            {
                // Another sale enrolled the same customer first.
                customerId = await db.CustomerLinks.Where(l => l.MerchantId == merchantId && l.Kind == kind && l.Value == value).Select(l => l.CustomerId).SingleAsync(cancellationToken);
                await db.Customers.Where(c => c.Id == candidate).ExecuteDeleteAsync(cancellationToken);
            }
        }

        foreach (var (kind, value) in identifiers.Where(i => !links.Any(l => l.Kind == i.Kind && l.Value == i.Value)))
        {
            await InsertLinkAsync(merchantId, kind, value, customerId, reads, now, cancellationToken);
        }

        return customerId;
    }

    /// <summary>Links an identifier to a customer unless it already points to one; keeps the batch's links current.</summary>
    private async Task<int> InsertLinkAsync(string merchantId, string kind, string value, Guid customerId, BatchReads? reads, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var inserted = await InsertLinkRowAsync(merchantId, kind, value, customerId, now, cancellationToken);
        if (reads?.Links is { } links)
        {
            if (inserted == 1)
            {
                links[new LinkKey(merchantId, kind, value)] = customerId;
            }
            else
            {
                // Another transaction linked it after the batch read: from now on each sale reads its own links.
                reads.Links = null;
            }
        }

        return inserted;
    }

    private Task<int> InsertLinkRowAsync(string merchantId, string kind, string value, Guid customerId, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO customer_links (merchant_id, kind, value, customer_id, created_at)
            VALUES ({merchantId}, {kind}, {value}, {customerId}, {now})
            ON CONFLICT (merchant_id, kind, value) DO NOTHING
            """,
            cancellationToken);

    private async Task<Guid> EnsureCardAsync(LoyaltyProgram program, Guid customerId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO cards (id, program_id, customer_id, merchant_id, total_stamps, cycles_completed, created_at, updated_at)
            VALUES ({Guid.NewGuid()}, {program.Id}, {customerId}, {program.MerchantId}, 0, 0, {now}, {now})
            ON CONFLICT (program_id, customer_id) DO NOTHING
            """,
            cancellationToken);
        return await db.Cards.Where(c => c.ProgramId == program.Id && c.CustomerId == customerId).Select(c => c.Id).SingleAsync(cancellationToken);
    }

    /// <summary>
    /// Creates the customer's card with <paramref name="stamps"/> (> 0), or adds them to the card they have, in one
    /// statement; returns the card and its counters after the change. The row stays locked until commit.
    /// </summary>
    private async Task<(Guid CardId, CardCounters Counters)> AddStampsToCardAsync(LoyaltyProgram program, Guid customerId, int stamps, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = await db.Database.SqlQuery<CardRow>(
            $"""
            INSERT INTO cards (id, program_id, customer_id, merchant_id, total_stamps, cycles_completed, created_at, updated_at)
            VALUES ({Guid.NewGuid()}, {program.Id}, {customerId}, {program.MerchantId}, {stamps}, 0, {db.DbInstant(now)}, {db.DbInstant(now)})
            ON CONFLICT (program_id, customer_id) DO UPDATE
            SET total_stamps = CASE WHEN cards.total_stamps + {stamps} < 0 THEN 0 ELSE cards.total_stamps + {stamps} END, updated_at = {db.DbInstant(now)}
            RETURNING id AS "Id", total_stamps AS "TotalStamps", cycles_completed AS "CyclesCompleted"
            """).ToListAsync(cancellationToken);
        var row = rows.Single();
        return (row.Id, new CardCounters(row.TotalStamps, row.CyclesCompleted));
    }

    /// <summary>One atomic change of the card's total (never below zero); the row stays locked until commit.</summary>
    private async Task<CardCounters> AddStampsAsync(Guid cardId, int stamps, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = await db.Database.SqlQuery<CardCounters>(
            $"""
            UPDATE cards
            SET total_stamps = CASE WHEN total_stamps + {stamps} < 0 THEN 0 ELSE total_stamps + {stamps} END, updated_at = {db.DbInstant(now)}
            WHERE id = {cardId}
            RETURNING total_stamps AS "TotalStamps", cycles_completed AS "CyclesCompleted"
            """).ToListAsync(cancellationToken);
        return rows.Single();
    }

    /// <summary>
    /// Records every goal the card's total now reaches (a sale may complete several) and mints their vouchers,
    /// plus any voucher still owed from an earlier cycle. Runs while the card row is locked.
    /// </summary>
    private async Task<int> CompleteCyclesAsync(LoyaltyProgram program, Guid cardId, CardCounters counters, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cycles = CyclesReached(program, counters);
        if (cycles == counters.CyclesCompleted)
        {
            return 0;
        }

        await db.Database.ExecuteSqlInterpolatedAsync($"UPDATE cards SET cycles_completed = {cycles} WHERE id = {cardId} AND cycles_completed < {cycles}", cancellationToken);
        return await MintMissingVouchersAsync(program, cardId, cycles, now, cancellationToken);
    }

    /// <summary>The cycles a card has completed once its total is <paramref name="counters"/>'s: cycles never go back.</summary>
    private static int CyclesReached(LoyaltyProgram program, CardCounters counters) =>
        Math.Max(counters.CyclesCompleted, counters.TotalStamps / Math.Max(1, program.StampGoal));

    /// <summary>Mints the vouchers of cycles 1..<paramref name="cycles"/> the card does not have yet; stops when a pool runs dry.</summary>
    private async Task<int> MintMissingVouchersAsync(LoyaltyProgram program, Guid cardId, int cycles, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var minted = (await db.Vouchers.Where(v => v.CardId == cardId).Select(v => v.Cycle).ToListAsync(cancellationToken)).ToHashSet();
        if (_mintedInTransaction.TryGetValue(cardId, out var unsaved))
        {
            minted.UnionWith(unsaved);
        }

        var issued = 0;
        for (var cycle = 1; cycle <= cycles; cycle++)
        {
            if (minted.Contains(cycle))
            {
                continue;
            }

            if (!await MintVoucherAsync(program, cardId, cycle, now, cancellationToken))
            {
                break;
            }

            issued++;
        }

        return issued;
    }

    private async Task<bool> MintVoucherAsync(LoyaltyProgram program, Guid cardId, int cycle, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var voucherId = Guid.NewGuid();
        string code;
        if (program.CodeSource == RedeemCodeSource.Pool)
        {
            var claimed = await ClaimPoolCodeAsync(program.Id, voucherId, cancellationToken);
            if (claimed is null)
            {
                Outbox.Enqueue(db, new RedeemCodePoolEmpty { MerchantId = program.MerchantId, ProgramId = program.Id, CardId = cardId, Cycle = cycle, At = now }, now);
                LogPoolEmpty(logger, program.MerchantId, cycle);
                return false;
            }

            code = claimed;
        }
        else
        {
            code = RedeemCodes.Generate(program.CodePrefix, program.CodeLength);
        }

        DateTimeOffset? expiresAt = program.VoucherExpiry switch
        {
            VoucherExpiryKind.DaysAfterIssue => now.AddDays(program.VoucherValidDays ?? 30),
            VoucherExpiryKind.FixedDate => program.VoucherExpiresAt,
            _ => null,
        };
        db.Vouchers.Add(new Voucher
        {
            Id = voucherId,
            MerchantId = program.MerchantId,
            ProgramId = program.Id,
            CardId = cardId,
            Cycle = cycle,
            Code = code,
            NormalizedCode = RedeemCodes.Normalize(code)!,
            Reward = program.Reward,
            State = VoucherState.Issued,
            IssuedAt = now,
            ExpiresAt = expiresAt,
        });
        db.VoucherHistory.Add(new VoucherHistoryEntry { VoucherId = voucherId, State = VoucherState.Issued, At = now, Note = $"cycle {cycle} completed" });
        Outbox.Enqueue(db, new VoucherIssued
        {
            MerchantId = program.MerchantId,
            CardId = cardId,
            VoucherId = voucherId,
            Cycle = cycle,
            RedeemCode = code,
            Reward = program.Reward,
            IssuedAt = now,
            ExpiresAt = expiresAt,
        }, now);
        if (!_mintedInTransaction.TryGetValue(cardId, out var cycles))
        {
            _mintedInTransaction[cardId] = cycles = [];
        }

        cycles.Add(cycle);
        return true;
    }

    /// <summary>Takes the oldest unused pool code with one conditional update; a concurrent claimer moves on to the next.</summary>
    private async Task<string?> ClaimPoolCodeAsync(Guid programId, Guid voucherId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var candidate = await db.PoolCodes.AsNoTracking()
                .Where(p => p.ProgramId == programId && p.VoucherId == null)
                .OrderBy(p => p.Id)
                .Skip(attempt)
                .Select(p => new { p.Id, p.Code })
                .FirstOrDefaultAsync(cancellationToken);
            if (candidate is null)
            {
                return null;
            }

            var taken = await db.PoolCodes.Where(p => p.Id == candidate.Id && p.VoucherId == null)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.VoucherId, voucherId), cancellationToken);
            if (taken == 1)
            {
                return candidate.Code;
            }
        }

        throw new InvalidOperationException("Could not claim a pool code after 20 attempts; retrying the sale.");
    }

    private async Task<bool> IsFullyRefundedAsync(SaleCompleted sale, CancellationToken cancellationToken)
    {
        var source = SaleSource.Of(sale);
        return await db.Refunds.AnyAsync(r => r.MerchantId == sale.MerchantId && r.SourceSystem == source && r.ExternalSaleId == sale.ExternalSaleId && r.IsFullRefund, cancellationToken);
    }

    /// <summary>Redeems the vouchers whose codes the sale's discounts carry, each with one conditional update.</summary>
    private async Task<(int Redeemed, int Rejected)> RedeemCodesAsync(SaleCompleted sale, LoyaltyProgram program, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var candidates = sale.Discounts
            .SelectMany(d => new[] { d.Code, d.Name, d.CatalogObjectId })
            .Select(RedeemCodes.Normalize)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (candidates.Count == 0)
        {
            return (0, 0);
        }

        var vouchers = await db.Vouchers.AsNoTracking()
            .Where(v => v.MerchantId == sale.MerchantId && candidates.Contains(v.NormalizedCode))
            .ToListAsync(cancellationToken);
        int redeemed = 0, rejected = 0;
        var source = SaleSource.Of(sale);
        foreach (var voucher in vouchers)
        {
            var current = voucher;
            if (current.State == VoucherState.Issued && !IsExpired(current, sale.OccurredAt))
            {
                var won = await db.Vouchers
                    .Where(v => v.Id == current.Id && v.State == VoucherState.Issued)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(v => v.State, VoucherState.Redeemed)
                        .SetProperty(v => v.ClosedAt, now)
                        .SetProperty(v => v.RedeemedBy, RedemptionMethod.RedeemCode)
                        .SetProperty(v => v.RedeemedByConnectorId, sale.ConnectorId)
                        .SetProperty(v => v.RedeemedBySourceSystem, source)
                        .SetProperty(v => v.RedeemedBySaleId, sale.ExternalSaleId), cancellationToken);
                if (won == 1)
                {
                    db.VoucherHistory.Add(new VoucherHistoryEntry { VoucherId = current.Id, State = VoucherState.Redeemed, At = now, Method = RedemptionMethod.RedeemCode, ConnectorId = sale.ConnectorId, SaleId = sale.ExternalSaleId });
                    Outbox.Enqueue(db, new VoucherRedeemed
                    {
                        MerchantId = current.MerchantId,
                        CardId = current.CardId,
                        VoucherId = current.Id,
                        Method = RedemptionMethod.RedeemCode,
                        ExternalSaleId = sale.ExternalSaleId,
                        RedeemedAt = now,
                    }, now);
                    redeemed++;
                    LoyaltyMetrics.Redeemed(sale.MerchantId, RedemptionMethod.RedeemCode);
                    continue;
                }

                // Lost a race: see who won.
                current = await db.Vouchers.AsNoTracking().SingleAsync(v => v.Id == voucher.Id, cancellationToken);
            }

            if (current.State == VoucherState.Redeemed && (current.RedeemedBySourceSystem ?? current.RedeemedByConnectorId) == source && current.RedeemedBySaleId == sale.ExternalSaleId)
            {
                continue; // This very sale redeemed it: a replay, not a rejection.
            }

            var reason = current.State switch
            {
                VoucherState.Redeemed => RedeemCodeRejectionReason.AlreadyRedeemed,
                VoucherState.Voided => RedeemCodeRejectionReason.Voided,
                _ => RedeemCodeRejectionReason.Expired,
            };
            if (current.State == VoucherState.Issued)
            {
                await ExpireAsync(current.Id, current.MerchantId, current.CardId, now, cancellationToken);
            }

            Reject(sale, current.Code, reason, current, now);
            rejected++;
        }

        // Codes of ours that match no voucher: a generated-looking code, or a pool code not handed out yet.
        var matched = vouchers.Select(v => v.NormalizedCode).ToHashSet(StringComparer.Ordinal);
        var unmatched = candidates.Where(c => !matched.Contains(c)).ToList();
        if (unmatched.Count > 0)
        {
            var unusedPoolCodes = await db.PoolCodes.AsNoTracking()
                .Where(p => p.MerchantId == sale.MerchantId && unmatched.Contains(p.NormalizedCode))
                .Select(p => p.NormalizedCode)
                .ToListAsync(cancellationToken);
            foreach (var code in unmatched.Where(c => unusedPoolCodes.Contains(c) || (program.CodeSource == RedeemCodeSource.Generated && RedeemCodes.LooksGenerated(c, program.CodePrefix, program.CodeLength))))
            {
                Reject(sale, code, RedeemCodeRejectionReason.Unknown, null, now);
                rejected++;
            }
        }

        return (redeemed, rejected);
    }

    private static bool IsExpired(Voucher voucher, DateTimeOffset at) => voucher.ExpiresAt is { } expires && expires <= at;

    private void Reject(SaleCompleted sale, string code, RedeemCodeRejectionReason reason, Voucher? voucher, DateTimeOffset now)
    {
        Outbox.Enqueue(db, new RedeemCodeRejected
        {
            MerchantId = sale.MerchantId,
            ConnectorId = sale.ConnectorId,
            ExternalSaleId = sale.ExternalSaleId,
            Code = code,
            Reason = reason,
            VoucherId = voucher?.Id,
            RedeemedBySaleId = reason == RedeemCodeRejectionReason.AlreadyRedeemed ? voucher?.RedeemedBySaleId ?? voucher?.RedeemedByStaffId : null,
            RedeemedAt = reason == RedeemCodeRejectionReason.AlreadyRedeemed ? voucher?.ClosedAt : null,
            RejectedAt = now,
        }, now);
        LogRejected(logger, sale.MerchantId, sale.ConnectorId, sale.ExternalSaleId, reason);
        LoyaltyMetrics.Rejected(sale.MerchantId, reason);
    }

    private async Task<bool> ExpireAsync(Guid voucherId, string merchantId, Guid cardId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var changed = await db.Vouchers.Where(v => v.Id == voucherId && v.State == VoucherState.Issued)
            .ExecuteUpdateAsync(s => s.SetProperty(v => v.State, VoucherState.Expired).SetProperty(v => v.ClosedAt, now), cancellationToken);
        if (changed == 0)
        {
            return false;
        }

        db.VoucherHistory.Add(new VoucherHistoryEntry { VoucherId = voucherId, State = VoucherState.Expired, At = now, Note = "expiry date passed" });
        Outbox.Enqueue(db, new VoucherExpired { MerchantId = merchantId, CardId = cardId, VoucherId = voucherId, ExpiredAt = now }, now);
        return true;
    }

    /// <summary>
    /// Brings the stamps a sale's refunds take back up to date: all of them for a full refund (or refunds adding up
    /// to the sale's total), the proportion of the refunded amount under an amount rule, none otherwise.
    /// </summary>
    private async Task ApplyRefundsAsync(LoyaltyProgram program, string merchantId, string sourceSystem, string connectorId, string saleId, string? refundId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var award = await db.StampAwards.SingleOrDefaultAsync(a => a.MerchantId == merchantId && a.SourceSystem == sourceSystem && a.ExternalSaleId == saleId, cancellationToken);
        if (award is null)
        {
            return;
        }

        var refunds = await db.Refunds.AsNoTracking()
            .Where(r => r.MerchantId == merchantId && r.SourceSystem == sourceSystem && r.ExternalSaleId == saleId)
            .Select(r => new { r.Amount, r.IsFullRefund, r.ExternalRefundId })
            .ToListAsync(cancellationToken);
        if (refunds.Count == 0)
        {
            return;
        }

        var refunded = Math.Min(award.SaleTotal, refunds.Sum(r => r.Amount));
        var full = refunds.Any(r => r.IsFullRefund) || (award.SaleTotal > 0 && refunded >= award.SaleTotal);
        var revoke = full
            ? award.Stamps
            : program.EarningRule == EarningRuleKind.PerAmount
                ? Math.Max(0, award.Stamps - EarningRules.ForAmount(program, program.Currency ?? string.Empty, award.SaleTotal - refunded))
                : 0;
        var delta = revoke - award.StampsRevoked;
        award.AmountRefunded = refunded;
        if (delta <= 0)
        {
            await db.SaveChangesAsync(cancellationToken);
            return;
        }

        award.StampsRevoked = revoke;
        await db.SaveChangesAsync(cancellationToken);
        var counters = await AddStampsAsync(award.CardId, -delta, now, cancellationToken);
        LoyaltyMetrics.Revoked(merchantId, delta);
        Outbox.Enqueue(db, new StampsRevoked
        {
            MerchantId = merchantId,
            CardId = award.CardId,
            ConnectorId = connectorId,
            ExternalSaleId = saleId,
            ExternalRefundId = refundId ?? refunds[^1].ExternalRefundId,
            Stamps = delta,
            Balance = Card.Progress(counters.TotalStamps, counters.CyclesCompleted, program.StampGoal),
            Goal = program.StampGoal,
            Debt = Card.Debt(counters.TotalStamps, counters.CyclesCompleted, program.StampGoal),
            RevokedAt = now,
        }, now);
    }

    private async Task ReinstateVouchersAsync(SaleRefunded refund, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Vouchers redeemed before the source system was recorded name only their connector.
        var source = SaleSource.Of(refund);
        var vouchers = await db.Vouchers.AsNoTracking()
            .Where(v => v.MerchantId == refund.MerchantId && v.State == VoucherState.Redeemed && v.RedeemedBy == RedemptionMethod.RedeemCode
                && (v.RedeemedBySourceSystem ?? v.RedeemedByConnectorId) == source && v.RedeemedBySaleId == refund.ExternalSaleId)
            .ToListAsync(cancellationToken);
        foreach (var voucher in vouchers)
        {
            var changed = await db.Vouchers
                .Where(v => v.Id == voucher.Id && v.State == VoucherState.Redeemed && v.RedeemedBySaleId == refund.ExternalSaleId)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(v => v.State, VoucherState.Issued)
                    .SetProperty(v => v.ClosedAt, (DateTimeOffset?)null)
                    .SetProperty(v => v.RedeemedBy, (RedemptionMethod?)null)
                    .SetProperty(v => v.RedeemedByConnectorId, (string?)null)
                    .SetProperty(v => v.RedeemedBySourceSystem, (string?)null)
                    .SetProperty(v => v.RedeemedBySaleId, (string?)null), cancellationToken);
            if (changed == 1)
            {
                db.VoucherHistory.Add(new VoucherHistoryEntry { VoucherId = voucher.Id, State = VoucherState.Issued, At = now, ConnectorId = refund.ConnectorId, SaleId = refund.ExternalSaleId, Note = $"refund {refund.ExternalRefundId} of the redeeming sale" });
                Outbox.Enqueue(db, new VoucherReinstated { MerchantId = voucher.MerchantId, CardId = voucher.CardId, VoucherId = voucher.Id, ExternalSaleId = refund.ExternalSaleId, ReinstatedAt = now }, now);
            }
        }
    }

    internal sealed record CardCounters(int TotalStamps, int CyclesCompleted);

    internal sealed record CardRow(Guid Id, int TotalStamps, int CyclesCompleted);

    /// <summary>A sale prepared up to its stamps: its outcome if it ends there, else the stamps it earns.</summary>
    private sealed record PreparedSale(SaleOutcome Outcome, PendingStamp? Stamp = null);

    /// <summary>Stamps a sale earns, not yet added to its customer's card.</summary>
    private sealed record PendingStamp(SaleCompleted Sale, LoyaltyProgram Program, Guid CustomerId, int Stamps, int Redeemed, int Rejected, DateTimeOffset Now);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "A batch of {Count} sales failed as a whole ({ExceptionType}); applying it again with a savepoint per sale")]
    private static partial void LogBatchRetried(ILogger logger, int count, string exceptionType);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Merchant {MerchantId}: voucher {VoucherId} redeemed by {Method}")]
    private static partial void LogRedeemedAtCounter(ILogger logger, string merchantId, Guid voucherId, RedemptionMethod method);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Sale {MerchantId}/{ConnectorId}/{ExternalSaleId} earned nothing: {Reason}")]
    private static partial void LogUnmatched(ILogger logger, string merchantId, string connectorId, string externalSaleId, UnmatchedReason reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "The {Kind} {MerchantId}/{ConnectorId}/{ExternalId} was applied before; nothing changed")]
    private static partial void LogDuplicate(ILogger logger, string kind, string merchantId, string connectorId, string externalId);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Sale {MerchantId}/{ConnectorId}/{ExternalSaleId}: {Stamps} stamp(s), {Issued} voucher(s) issued, {Redeemed} redeemed, {Rejected} code(s) rejected")]
    private static partial void LogApplied(ILogger logger, string merchantId, string connectorId, string externalSaleId, int stamps, int issued, int redeemed, int rejected);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Sale {MerchantId}/{ConnectorId}/{ExternalSaleId} carried a Redeem Code that was refused: {Reason}")]
    private static partial void LogRejected(ILogger logger, string merchantId, string connectorId, string externalSaleId, RedeemCodeRejectionReason reason);

    // A warning, not an error: an empty pool is a normal state the merchant is told of (the voucher is owed and minted on import).
    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Merchant {MerchantId}: the Redeem Code pool is empty; the voucher for cycle {Cycle} is owed until codes are imported")]
    private static partial void LogPoolEmpty(ILogger logger, string merchantId, int cycle);
}
