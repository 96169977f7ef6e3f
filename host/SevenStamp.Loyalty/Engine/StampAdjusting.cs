using Microsoft.EntityFrameworkCore;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Messaging;

namespace SevenStamp.Loyalty.Engine;

/// <summary>How a stamp adjustment went.</summary>
public enum StampAdjustmentOutcome
{
    Adjusted = 0,

    /// <summary>No such card for this merchant; nothing changed.</summary>
    NoCard = 1,

    /// <summary>The adjustment would take away stamps the card does not have toward its next voucher; nothing changed.</summary>
    BelowZero = 2,

    /// <summary>
    /// An adjustment of the same kind (<see cref="StampGuard"/>) stamped the card within the guard's interval; nothing
    /// changed, and <see cref="StampAdjustmentResult.NextAllowedAt"/> says from when the next one goes through.
    /// </summary>
    TooSoon = 3,
}

/// <summary>
/// At most one adjustment whose reason starts with <paramref name="ReasonPrefix"/> per card within
/// <paramref name="Interval"/> (a kiosk's stamp: one per visit). Kept by the stamp ledger itself, checked under the
/// card's row lock, so two requests at the same moment cannot both pass.
/// </summary>
public sealed record StampGuard(string ReasonPrefix, TimeSpan Interval);

/// <summary>
/// What a stamp adjustment did: its ledger row (when adjusted) and the card's stamps toward the goal afterwards (or,
/// when refused, as they stand).
/// </summary>
public sealed record StampAdjustmentResult(StampAdjustmentOutcome Outcome, StampAdjustment? Entry, int Progress, int Goal, int Debt)
{
    /// <summary>For <see cref="StampAdjustmentOutcome.TooSoon"/>: when the guard lets the next adjustment through.</summary>
    public DateTimeOffset? NextAllowedAt { get; init; }
}

/// <summary>
/// Stamps added to or taken from a card by hand, with a reason. One transaction: one conditional statement changes
/// the card's total (and locks its row until commit, as a sale's does), the ledger row records who and why, and an
/// adjustment that reaches the goal completes the cycle and mints its voucher exactly as a sale would (the card row
/// lock and the unique (card, cycle) index keep it once). Taking stamps away is refused when the card has fewer stamps
/// toward its next voucher than that: an adjustment never takes back stamps a minted voucher used, nor goes below zero.
/// The wallet passes learn of it from the events a sale or refund would send (<see cref="StampsAwarded"/>,
/// <see cref="StampsRevoked"/>), named by connector <see cref="ConnectorId"/> and sale id <c>adjustment-{id}</c>.
/// </summary>
internal sealed class StampAdjusting(LoyaltyDbContext db, EngineTransaction work, CardTotals cards, VoucherLedger ledger, TimeProvider timeProvider)
{
    /// <summary>The connector id the events of an adjustment carry: no connector, a person's hand.</summary>
    public const string ConnectorId = "adjustment";

    /// <summary>
    /// Adjusts the card; with a <paramref name="guard"/> (adding stamps only), first takes the card's row lock and
    /// refuses with <see cref="StampAdjustmentOutcome.TooSoon"/> when the ledger holds a guarded adjustment younger
    /// than its interval. The lock is taken before the ledger is read: on PostgreSQL a second request for the same card
    /// waits at the lock until the first commits, then (read committed: each statement sees what was committed before
    /// it) finds the first one's row; SQLite has one writer at a time. <paramref name="locationId"/>: the counter's
    /// location, for a stamp staff or a kiosk add there; the events carry it.
    /// </summary>
    public async Task<StampAdjustmentResult> AdjustAsync(string merchantId, Guid cardId, int stamps, string reason, string? actor, StampGuard? guard, string? locationId, CancellationToken cancellationToken)
    {
        if (guard is not null && (stamps < 0 || !reason.StartsWith(guard.ReasonPrefix, StringComparison.Ordinal)))
        {
            throw new ArgumentException("A guarded adjustment adds stamps, and its reason starts with the guard's prefix.", nameof(guard));
        }

        if (stamps == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(stamps), "An adjustment adds or takes away at least one stamp.");
        }

        var now = timeProvider.GetUtcNow();
        await using var transaction = await work.BeginAsync(cancellationToken);
        var programId = await db.Cards.AsNoTracking().Where(c => c.Id == cardId && c.MerchantId == merchantId).Select(c => (Guid?)c.ProgramId).SingleOrDefaultAsync(cancellationToken);
        if (programId is null)
        {
            return new StampAdjustmentResult(StampAdjustmentOutcome.NoCard, null, 0, 0, 0);
        }

        var program = await db.Programs.AsNoTracking().SingleAsync(p => p.Id == programId, cancellationToken);
        var goal = Math.Max(1, program.StampGoal);
        if (guard is not null && await TooSoonAsync(cardId, guard, goal, now, cancellationToken) is { } refused)
        {
            return refused;
        }

        // Adding always goes through (it pays a refund's debt first); taking away only what is there toward the goal.
        var rows = await db.Database.SqlQuery<CardCounters>(
            $"""
            UPDATE cards
            SET total_stamps = total_stamps + {stamps}, updated_at = {db.DbInstant(now)}
            WHERE id = {cardId} AND ({stamps} > 0 OR total_stamps + {stamps} >= cycles_completed * {goal})
            RETURNING total_stamps AS "TotalStamps", cycles_completed AS "CyclesCompleted"
            """).ToListAsync(cancellationToken);
        if (rows.Count == 0)
        {
            var current = await db.Cards.AsNoTracking().Where(c => c.Id == cardId).Select(c => new CardCounters(c.TotalStamps, c.CyclesCompleted)).SingleAsync(cancellationToken);
            return new StampAdjustmentResult(StampAdjustmentOutcome.BelowZero, null, Card.Progress(current.TotalStamps, current.CyclesCompleted, goal), goal, Card.Debt(current.TotalStamps, current.CyclesCompleted, goal));
        }

        var counters = rows[0];
        var cycles = Math.Max(counters.CyclesCompleted, counters.TotalStamps / goal);
        var entry = new StampAdjustment { Id = Guid.NewGuid(), MerchantId = merchantId, CardId = cardId, Stamps = stamps, Reason = reason, Actor = actor, At = now };
        db.StampAdjustments.Add(entry);
        var progress = Card.Progress(counters.TotalStamps, cycles, goal);
        var debt = Card.Debt(counters.TotalStamps, cycles, goal);
        var saleId = $"adjustment-{entry.Id:N}";

        // The stamps first, then the goals they reached and their vouchers: the order a sale writes them in.
        if (stamps > 0)
        {
            Outbox.Enqueue(db, new StampsAwarded { MerchantId = merchantId, CardId = cardId, ConnectorId = ConnectorId, ExternalSaleId = saleId, Stamps = stamps, Balance = progress, Goal = goal, Debt = debt, LocationId = locationId, AwardedAt = now }, now);
        }
        else
        {
            Outbox.Enqueue(db, new StampsRevoked { MerchantId = merchantId, CardId = cardId, ConnectorId = ConnectorId, ExternalSaleId = saleId, ExternalRefundId = saleId, Stamps = -stamps, Balance = progress, Goal = goal, Debt = debt, LocationId = locationId, RevokedAt = now }, now);
        }

        var issued = 0;
        if (cycles > counters.CyclesCompleted)
        {
            await cards.SetCyclesCompletedAsync(cardId, cycles, cancellationToken);
            issued = await ledger.ReachGoalsAsync(program, cardId, counters.CyclesCompleted, cycles, locationId, now, cancellationToken);
        }

        entry.VouchersIssued = issued;

        await work.CommitAsync(transaction, cancellationToken);
        if (stamps > 0)
        {
            LoyaltyMetrics.StampsAwarded(merchantId, stamps);
            LoyaltyMetrics.VouchersIssued(merchantId, issued);
        }
        else
        {
            LoyaltyMetrics.Revoked(merchantId, -stamps);
        }

        return new StampAdjustmentResult(StampAdjustmentOutcome.Adjusted, entry, progress, goal, debt);
    }

    /// <summary>Takes the card's row lock, then looks for a guarded adjustment within the interval: the refusal, or null.</summary>
    private async Task<StampAdjustmentResult?> TooSoonAsync(Guid cardId, StampGuard guard, int goal, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var current = (await db.Database.SqlQuery<CardCounters>(
            $"""
            UPDATE cards SET updated_at = updated_at WHERE id = {cardId}
            RETURNING total_stamps AS "TotalStamps", cycles_completed AS "CyclesCompleted"
            """).ToListAsync(cancellationToken)).Single();
        var since = now - guard.Interval;
        var last = await db.StampAdjustments.AsNoTracking()
            .Where(a => a.CardId == cardId && a.Stamps > 0 && a.At > since && a.Reason.StartsWith(guard.ReasonPrefix))
            .OrderByDescending(a => a.At)
            .Select(a => (DateTimeOffset?)a.At)
            .FirstOrDefaultAsync(cancellationToken);
        return last is { } at
            ? new StampAdjustmentResult(StampAdjustmentOutcome.TooSoon, null, Card.Progress(current.TotalStamps, current.CyclesCompleted, goal), goal, Card.Debt(current.TotalStamps, current.CyclesCompleted, goal)) { NextAllowedAt = at + guard.Interval }
            : null;
    }
}
