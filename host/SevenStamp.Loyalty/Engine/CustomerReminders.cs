using Microsoft.EntityFrameworkCore;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Messaging;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// The reminders a program asks for, found by a periodic sweep on every replica: a voucher about to expire
/// (<see cref="LoyaltyProgram.ExpiryReminderDays"/> before) and a customer who has not visited for
/// <see cref="LoyaltyProgram.InactivityNudgeDays"/>. Each is marked with one conditional update, written with its
/// event in the same transaction, so whichever replica's sweep comes first sends it and the others find it done: at
/// most one reminder per voucher and one nudge per inactivity period. The wallet consumers turn the events into a
/// pass update with a lock-screen message.
/// </summary>
internal sealed class CustomerReminders(LoyaltyDbContext db, EngineTransaction work, TimeProvider timeProvider)
{
    /// <summary>The most reminders (or nudges) one sweep sends; the next sweep takes the rest.</summary>
    public const int BatchSize = 500;

    /// <summary>Marks and announces the vouchers due a reminder; returns how many.</summary>
    public async Task<int> RemindExpiringVouchersAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var programs = await db.Programs.AsNoTracking()
            .Where(p => p.ExpiryReminderDays != null)
            .Select(p => new { p.Id, Days = p.ExpiryReminderDays!.Value })
            .ToListAsync(cancellationToken);
        var reminded = 0;
        foreach (var program in programs)
        {
            var horizon = now.AddDays(program.Days);
            var due = await db.Vouchers.AsNoTracking()
                .Where(v => v.ProgramId == program.Id && v.State == VoucherState.Issued && v.ReminderSentAt == null
                    && v.ExpiresAt != null && v.ExpiresAt > now && v.ExpiresAt <= horizon)
                .OrderBy(v => v.ExpiresAt)
                .Take(BatchSize - reminded)
                .Select(v => new { v.Id, v.MerchantId, v.CardId, ExpiresAt = v.ExpiresAt!.Value })
                .ToListAsync(cancellationToken);
            if (due.Count == 0)
            {
                continue;
            }

            await using var transaction = await work.BeginAsync(cancellationToken);
            foreach (var voucher in due)
            {
                var marked = await db.Vouchers
                    .Where(v => v.Id == voucher.Id && v.ReminderSentAt == null && v.State == VoucherState.Issued)
                    .ExecuteUpdateAsync(s => s.SetProperty(v => v.ReminderSentAt, now), cancellationToken);
                if (marked == 1)
                {
                    Outbox.Enqueue(db, new VoucherExpiringSoon { MerchantId = voucher.MerchantId, CardId = voucher.CardId, VoucherId = voucher.Id, ExpiresAt = voucher.ExpiresAt, RemindedAt = now }, now);
                    reminded++;
                }
            }

            await work.CommitAsync(transaction, cancellationToken);
            if (reminded >= BatchSize)
            {
                break;
            }
        }

        return reminded;
    }

    /// <summary>
    /// Marks and announces the cards whose last visit (a sale that earned stamps or a stamp given at the counter; the
    /// card's creation when it has none) is at least the program's nudge days ago and that were not nudged since that
    /// visit; returns how many.
    /// </summary>
    public async Task<int> NudgeInactiveCustomersAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var programs = await db.Programs.AsNoTracking()
            .Where(p => p.InactivityNudgeDays != null)
            .Select(p => new { p.Id, Days = p.InactivityNudgeDays!.Value })
            .ToListAsync(cancellationToken);
        var nudged = 0;
        foreach (var program in programs)
        {
            var quietSince = now.AddDays(-program.Days);
            var due = await db.Cards.AsNoTracking()
                .Where(c => c.ProgramId == program.Id && c.CreatedAt <= quietSince
                    && !db.StampAwards.Any(a => a.CardId == c.Id && a.Stamps > 0 && a.AwardedAt > quietSince)
                    && !db.StampAdjustments.Any(a => a.CardId == c.Id && a.Stamps > 0 && a.At > quietSince)
                    && (c.NudgedAt == null
                        || db.StampAwards.Any(a => a.CardId == c.Id && a.Stamps > 0 && a.AwardedAt > c.NudgedAt)
                        || db.StampAdjustments.Any(a => a.CardId == c.Id && a.Stamps > 0 && a.At > c.NudgedAt)))
                .OrderBy(c => c.Id)
                .Take(BatchSize - nudged)
                .Select(c => new
                {
                    c.Id,
                    c.MerchantId,
                    c.CreatedAt,
                    LastAward = db.StampAwards.Where(a => a.CardId == c.Id && a.Stamps > 0).Max(a => (DateTimeOffset?)a.AwardedAt),
                    LastAdjustment = db.StampAdjustments.Where(a => a.CardId == c.Id && a.Stamps > 0).Max(a => (DateTimeOffset?)a.At),
                })
                .ToListAsync(cancellationToken);
            if (due.Count == 0)
            {
                continue;
            }

            await using var transaction = await work.BeginAsync(cancellationToken);
            foreach (var card in due)
            {
                var lastVisit = new[] { card.LastAward, card.LastAdjustment, card.CreatedAt }.Max()!.Value;
                var marked = await db.Cards
                    .Where(c => c.Id == card.Id && (c.NudgedAt == null || c.NudgedAt < lastVisit))
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.NudgedAt, now), cancellationToken);
                if (marked == 1)
                {
                    Outbox.Enqueue(db, new CustomerNudged { MerchantId = card.MerchantId, CardId = card.Id, LastVisitAt = lastVisit, NudgedAt = now }, now);
                    nudged++;
                }
            }

            await work.CommitAsync(transaction, cancellationToken);
            if (nudged >= BatchSize)
            {
                break;
            }
        }

        return nudged;
    }
}
