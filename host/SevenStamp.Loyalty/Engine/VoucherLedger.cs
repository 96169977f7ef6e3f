using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Messaging;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// The vouchers' life apart from their redemption: minting one per completed cycle (with a generated code or one
/// claimed from the merchant's pool), the pool's import, expiry, voiding, and reinstatement when the sale that
/// redeemed a voucher is refunded. Every change of a voucher's state is one conditional update, written with its
/// history row and its event (in the outbox) in the caller's transaction.
/// </summary>
internal sealed class VoucherLedger(LoyaltyDbContext db, EngineTransaction work, CardTotals cards, TimeProvider timeProvider, ILogger logger)
{
    /// <summary>
    /// Voids an issued voucher (one conditional update); returns the voucher as it now stands, or null when unknown.
    /// <paramref name="actor"/>, who voided it (a person, key or "operator"), goes into its history.
    /// </summary>
    public async Task<(bool Voided, Voucher? Voucher)> VoidAsync(string merchantId, Guid voucherId, string? reason, string? actor, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        await using var transaction = await work.BeginAsync(cancellationToken);
        var changed = await db.Vouchers.Where(v => v.Id == voucherId && v.MerchantId == merchantId && v.State == VoucherState.Issued)
            .ExecuteUpdateAsync(s => s.SetProperty(v => v.State, VoucherState.Voided).SetProperty(v => v.ClosedAt, now), cancellationToken);
        var voucher = await db.Vouchers.AsNoTracking().SingleOrDefaultAsync(v => v.Id == voucherId && v.MerchantId == merchantId, cancellationToken);
        if (changed == 1 && voucher is not null)
        {
            db.VoucherHistory.Add(new VoucherHistoryEntry { VoucherId = voucherId, State = VoucherState.Voided, At = now, Note = reason, Actor = actor });
            Outbox.Enqueue(db, new VoucherVoided { MerchantId = merchantId, CardId = voucher.CardId, VoucherId = voucherId, Reason = reason, VoidedAt = now }, now);
        }

        await work.CommitAsync(transaction, cancellationToken);
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
            await using var transaction = await work.BeginAsync(cancellationToken);
            if (await ExpireAsync(voucher.Id, voucher.MerchantId, voucher.CardId, now, cancellationToken))
            {
                expired++;
            }

            await work.CommitAsync(transaction, cancellationToken);
        }

        return expired;
    }

    /// <summary>
    /// Moves an issued voucher to <see cref="VoucherState.Expired"/> in the caller's transaction (one conditional
    /// update); false when it was no longer issued.
    /// </summary>
    public async Task<bool> ExpireAsync(Guid voucherId, string merchantId, Guid cardId, DateTimeOffset now, CancellationToken cancellationToken)
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

    /// <summary>Mints the vouchers owed to cards of <paramref name="programId"/> (a pool ran dry earlier); returns how many.</summary>
    public async Task<int> MintOwedVouchersAsync(Guid programId, CancellationToken cancellationToken)
    {
        var program = await db.Programs.AsNoTracking().SingleAsync(p => p.Id == programId, cancellationToken);
        var owed = await db.Cards.AsNoTracking()
            .Where(c => c.ProgramId == programId && c.CyclesCompleted > db.Vouchers.Count(v => v.CardId == c.Id && v.Kind == VoucherKind.Goal))
            .Select(c => c.Id)
            .ToListAsync(cancellationToken);
        var minted = 0;
        foreach (var cardId in owed)
        {
            var now = timeProvider.GetUtcNow();
            await using var transaction = await work.BeginAsync(cancellationToken);
            // Lock the card row (PostgreSQL) so a concurrent award does not mint the same cycle.
            var counters = await cards.AddAsync(cardId, 0, now, cancellationToken);
            minted += await MintMissingVouchersAsync(program, cardId, counters.CyclesCompleted, now, cancellationToken);
            await work.CommitAsync(transaction, cancellationToken);
        }

        return minted;
    }

    /// <summary>
    /// Adds Redeem Codes the merchant created in the POS to one of the program's pools (<paramref name="pool"/>: the
    /// stamp goal's, a milestone's or a campaign's; codes already known are skipped), then mints the goal or milestone
    /// vouchers that were waiting for codes. Returns (codes added, vouchers minted).
    /// </summary>
    public async Task<(int Added, int Minted)> ImportPoolCodesAsync(Guid programId, string pool, IEnumerable<string> codes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(codes);
        var program = await db.Programs.AsNoTracking().SingleAsync(p => p.Id == programId, cancellationToken);
        var now = timeProvider.GetUtcNow();
        var added = 0;
        await using (var transaction = await work.BeginAsync(cancellationToken))
        {
            foreach (var code in codes.Select(c => c.Trim()).Where(c => c.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                added += await db.Database.ExecuteSqlInterpolatedAsync(
                    $"""
                    INSERT INTO pool_codes (program_id, merchant_id, pool, code, normalized_code, imported_at)
                    VALUES ({programId}, {program.MerchantId}, {pool}, {code}, {RedeemCodes.Normalize(code)}, {now})
                    ON CONFLICT (merchant_id, normalized_code) DO NOTHING
                    """,
                    cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        var minted = pool == PoolCode.GoalPool ? await MintOwedVouchersAsync(programId, cancellationToken)
            : pool.StartsWith("milestone:", StringComparison.Ordinal) ? await MintOwedMilestonesAsync(programId, cancellationToken)
            : 0;
        return (added, minted);
    }

    /// <summary>
    /// Mints the vouchers of cycles 1..<paramref name="cycles"/> the card does not have yet, in the caller's transaction
    /// while the card row is locked; stops when a pool runs dry. Returns how many it minted. Reaches no goal: the
    /// cycles were reached before (<see cref="ReachGoalsAsync"/> wrote their <see cref="GoalReached"/>).
    /// </summary>
    public Task<int> MintMissingVouchersAsync(LoyaltyProgram program, Guid cardId, int cycles, DateTimeOffset now, CancellationToken cancellationToken) =>
        ReachGoalsAsync(program, cardId, cycles, cycles, null, now, cancellationToken);

    /// <summary>
    /// Records the goals a change of the card reached, in the caller's transaction while the card row is locked: one
    /// <see cref="GoalReached"/> for each cycle after <paramref name="before"/> up to <paramref name="cycles"/>, each
    /// written just before the <see cref="VoucherIssued"/> of its cycle, and the vouchers of cycles 1..<paramref name="cycles"/>
    /// the card does not have yet (one owed from an earlier cycle too). A pool that runs dry stops the minting, not the
    /// goals: a goal reached with no code left is still reached. Returns how many vouchers it minted.
    /// </summary>
    public async Task<int> ReachGoalsAsync(LoyaltyProgram program, Guid cardId, int before, int cycles, string? locationId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var minted = (await db.Vouchers.Where(v => v.CardId == cardId && v.Kind == VoucherKind.Goal).Select(v => v.Cycle).ToListAsync(cancellationToken)).ToHashSet();
        if (work.MintedCycles.TryGetValue(cardId, out var unsaved))
        {
            minted.UnionWith(unsaved);
        }

        var issued = 0;
        var minting = true;
        for (var cycle = 1; cycle <= cycles; cycle++)
        {
            if (cycle > before)
            {
                Outbox.Enqueue(db, new GoalReached { MerchantId = program.MerchantId, CardId = cardId, Cycle = cycle, Goal = program.StampGoal, LocationId = locationId, ReachedAt = now }, now);
            }

            if (!minting || minted.Contains(cycle))
            {
                continue;
            }

            if (!await MintVoucherAsync(program, cardId, cycle, now, cancellationToken))
            {
                minting = false;
                continue;
            }

            issued++;
        }

        return issued;
    }

    /// <summary>
    /// Puts back to <see cref="VoucherState.Issued"/> the vouchers whose Redeem Code the refunded sale redeemed, each with
    /// one conditional update, in the caller's transaction.
    /// </summary>
    public async Task ReinstateVouchersAsync(SaleRefunded refund, DateTimeOffset now, CancellationToken cancellationToken)
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

    private async Task<bool> MintVoucherAsync(LoyaltyProgram program, Guid cardId, int cycle, DateTimeOffset now, CancellationToken cancellationToken)
    {
        DateTimeOffset? expiresAt = program.VoucherExpiry switch
        {
            VoucherExpiryKind.DaysAfterIssue => now.AddDays(program.VoucherValidDays ?? 30),
            VoucherExpiryKind.FixedDate => program.VoucherExpiresAt,
            _ => null,
        };
        var minted = await MintAsync(
            new VoucherSpec(program, cardId, VoucherKind.Goal, program.Reward, expiresAt, program.RedemptionPath, program.CodeSource, PoolCode.GoalPool, $"cycle {cycle} completed") { Cycle = cycle },
            now,
            cancellationToken);
        if (minted is null)
        {
            return false;
        }

        if (!work.MintedCycles.TryGetValue(cardId, out var cycles))
        {
            work.MintedCycles[cardId] = cycles = [];
        }

        cycles.Add(cycle);
        return true;
    }

    /// <summary>
    /// Mints the vouchers of the visit milestones a card's new qualifying visit reached, in the caller's transaction
    /// while the card row is locked: a milestone is reached by the visit that brings the card's count of qualifying
    /// visits (sales that earned stamps and were not refunded in full) to it, and minted once per card (a unique index
    /// backs that). A pool with no code left leaves the milestone owed until codes are imported. Returns how many it minted.
    /// </summary>
    public async Task<int> ReachMilestonesAsync(LoyaltyProgram program, Guid cardId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (program.Milestones.Count == 0)
        {
            return 0;
        }

        // This visit's award, and those of a batch not saved yet, are tracked but not in the database.
        var unsaved = db.ChangeTracker.Entries<StampAward>()
            .Count(e => e.State == EntityState.Added && e.Entity.CardId == cardId && e.Entity.Stamps > e.Entity.StampsRevoked);
        var visits = unsaved + await db.StampAwards.CountAsync(a => a.CardId == cardId && a.Stamps > a.StampsRevoked, cancellationToken);
        var issued = 0;
        foreach (var milestone in program.Milestones.Where(m => m.Visit == visits))
        {
            if (await MintMilestoneAsync(program, milestone, cardId, now, cancellationToken))
            {
                issued++;
            }
        }

        return issued;
    }

    /// <summary>Mints a milestone's voucher for the card unless it has it; false when it has, or the pool ran dry.</summary>
    private async Task<bool> MintMilestoneAsync(LoyaltyProgram program, VisitMilestone milestone, Guid cardId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await db.Vouchers.AnyAsync(v => v.CardId == cardId && v.MilestoneVisit == milestone.Visit, cancellationToken)
            || db.ChangeTracker.Entries<Voucher>().Any(e => e.State == EntityState.Added && e.Entity.CardId == cardId && e.Entity.MilestoneVisit == milestone.Visit))
        {
            return false;
        }

        var spec = new VoucherSpec(
            program,
            cardId,
            VoucherKind.Milestone,
            milestone.Reward,
            milestone.ValidDays is { } days ? now.AddDays(days) : null,
            milestone.RedemptionPath,
            milestone.CodeSource,
            PoolCode.MilestonePool(milestone.Visit),
            $"visit {milestone.Visit} reached") { MilestoneVisit = milestone.Visit };
        return await MintAsync(spec, now, cancellationToken) is not null;
    }

    /// <summary>
    /// Mints the milestone vouchers owed to cards of <paramref name="programId"/>: cards that reached the visit of a
    /// pool-backed milestone while its pool was empty. Returns how many.
    /// </summary>
    public async Task<int> MintOwedMilestonesAsync(Guid programId, CancellationToken cancellationToken)
    {
        var program = await db.Programs.AsNoTracking().SingleAsync(p => p.Id == programId, cancellationToken);
        var minted = 0;
        foreach (var milestone in program.Milestones.Where(m => m.CodeSource == RedeemCodeSource.Pool))
        {
            var owed = await db.Cards.AsNoTracking()
                .Where(c => c.ProgramId == programId
                    && db.StampAwards.Count(a => a.CardId == c.Id && a.Stamps > a.StampsRevoked) >= milestone.Visit
                    && !db.Vouchers.Any(v => v.CardId == c.Id && v.MilestoneVisit == milestone.Visit))
                .Select(c => c.Id)
                .ToListAsync(cancellationToken);
            foreach (var cardId in owed)
            {
                var now = timeProvider.GetUtcNow();
                await using var transaction = await work.BeginAsync(cancellationToken);
                await cards.AddAsync(cardId, 0, now, cancellationToken); // locks the card row (PostgreSQL)
                var done = await MintMilestoneAsync(program, milestone, cardId, now, cancellationToken);
                await work.CommitAsync(transaction, cancellationToken);
                if (!done)
                {
                    break; // the pool ran dry again (or the card has it): stop for this milestone
                }

                minted++;
            }
        }

        return minted;
    }

    /// <summary>
    /// Adds a voucher (with a generated code, or one claimed from its pool), its history row and its
    /// <see cref="VoucherIssued"/>, in the caller's transaction; null when its pool had no code left (then a
    /// <see cref="RedeemCodePoolEmpty"/> is written instead).
    /// </summary>
    internal async Task<Voucher?> MintAsync(VoucherSpec spec, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var program = spec.Program;
        var voucherId = Guid.NewGuid();
        string code;
        if (spec.CodeSource == RedeemCodeSource.Pool)
        {
            var claimed = await ClaimPoolCodeAsync(program.Id, spec.Pool, voucherId, cancellationToken);
            if (claimed is null)
            {
                Outbox.Enqueue(db, new RedeemCodePoolEmpty { MerchantId = program.MerchantId, ProgramId = program.Id, CardId = spec.CardId, Cycle = spec.Cycle, At = now }, now);
                LoyaltyEngineLog.LogPoolEmpty(logger, program.MerchantId, spec.Cycle);
                return null;
            }

            code = claimed;
        }
        else
        {
            code = RedeemCodes.Generate(spec.CodePrefix ?? program.CodePrefix, program.CodeLength);
        }

        var voucher = new Voucher
        {
            Id = voucherId,
            MerchantId = program.MerchantId,
            ProgramId = program.Id,
            CardId = spec.CardId,
            Kind = spec.Kind,
            Cycle = spec.Cycle,
            MilestoneVisit = spec.MilestoneVisit,
            CampaignId = spec.CampaignId,
            RedemptionPath = spec.RedemptionPath,
            Code = code,
            NormalizedCode = RedeemCodes.Normalize(code)!,
            Reward = spec.Reward,
            State = VoucherState.Issued,
            IssuedAt = now,
            ExpiresAt = spec.ExpiresAt,
        };
        db.Vouchers.Add(voucher);
        db.VoucherHistory.Add(new VoucherHistoryEntry { VoucherId = voucherId, State = VoucherState.Issued, At = now, Note = spec.Note });
        Outbox.Enqueue(db, IssuedEvent(voucher), now);
        return voucher;
    }

    /// <summary>The <see cref="VoucherIssued"/> of a voucher just minted.</summary>
    internal static VoucherIssued IssuedEvent(Voucher voucher) => new()
    {
        MerchantId = voucher.MerchantId,
        CardId = voucher.CardId,
        VoucherId = voucher.Id,
        Cycle = voucher.Cycle,
        Kind = voucher.Kind switch { VoucherKind.Milestone => "milestone", VoucherKind.Campaign => "campaign", _ => "goal" },
        MilestoneVisit = voucher.MilestoneVisit,
        CampaignId = voucher.CampaignId,
        RedeemCode = voucher.Code,
        Reward = voucher.Reward,
        IssuedAt = voucher.IssuedAt,
        ExpiresAt = voucher.ExpiresAt,
    };

    /// <summary>Takes the oldest unused pool code with one conditional update; a concurrent claimer moves on to the next.</summary>
    internal async Task<string?> ClaimPoolCodeAsync(Guid programId, string pool, Guid voucherId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var candidate = await db.PoolCodes.AsNoTracking()
                .Where(p => p.ProgramId == programId && p.Pool == pool && p.VoucherId == null)
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
}

/// <summary>What a voucher about to be minted is: its card, why, its reward, expiry, path and where its code comes from.</summary>
internal sealed record VoucherSpec(
    LoyaltyProgram Program,
    Guid CardId,
    VoucherKind Kind,
    string Reward,
    DateTimeOffset? ExpiresAt,
    RedemptionPath RedemptionPath,
    RedeemCodeSource CodeSource,
    string Pool,
    string Note)
{
    public int Cycle { get; init; }

    public int? MilestoneVisit { get; init; }

    public Guid? CampaignId { get; init; }

    /// <summary>Generated codes: the prefix; null for the program's.</summary>
    public string? CodePrefix { get; init; }
}
