using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Queries;

/// <summary>
/// Cards and their vouchers as another area may read them (the wallet's passes and card page): a snapshot, never
/// the loyalty store's rows, so loyalty's tables stay loyalty's to change.
/// </summary>
public interface ICardSnapshots
{
    /// <summary>The snapshot of a card; null when the card does not exist.</summary>
    Task<CardSnapshot?> FindAsync(Guid cardId, CancellationToken cancellationToken);
}

/// <summary>Reads snapshots from the loyalty store: the card with its program, then its vouchers.</summary>
internal sealed class CardSnapshots(LoyaltyDbContext db) : ICardSnapshots
{
    public async Task<CardSnapshot?> FindAsync(Guid cardId, CancellationToken cancellationToken)
    {
        var row = await db.Cards.AsNoTracking()
            .Where(c => c.Id == cardId)
            .Join(db.Programs.AsNoTracking(), c => c.ProgramId, p => p.Id, (c, p) => new { Card = c, Program = p })
            .SingleOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return null;
        }

        var vouchers = await db.Vouchers.AsNoTracking()
            .Where(v => v.CardId == cardId)
            .Select(v => new VoucherSnapshot(v.Id, v.Cycle, v.Code, v.Reward, v.State, v.IssuedAt, v.ExpiresAt, v.ClosedAt) { Kind = v.Kind, RedemptionPath = v.RedemptionPath, ReminderSentAt = v.ReminderSentAt })
            .ToListAsync(cancellationToken);
        vouchers.Sort((a, b) => b.IssuedAt != a.IssuedAt ? b.IssuedAt.CompareTo(a.IssuedAt) : b.Cycle.CompareTo(a.Cycle));

        var goal = row.Program.StampGoal;
        var updated = vouchers.Select(v => v.ClosedAt ?? (v.ReminderSentAt > v.IssuedAt ? v.ReminderSentAt.Value : v.IssuedAt))
            .Append(row.Card.UpdatedAt)
            .Append(row.Card.NudgedAt ?? row.Card.UpdatedAt)
            .Max();
        var snapshot = new CardSnapshot(
            row.Card.Id,
            row.Card.MerchantId,
            row.Program.Id,
            row.Program.Name,
            row.Program.Reward,
            goal,
            Card.Progress(row.Card.TotalStamps, row.Card.CyclesCompleted, goal),
            Card.Debt(row.Card.TotalStamps, row.Card.CyclesCompleted, goal),
            updated,
            vouchers)
        {
            RedemptionPath = row.Program.RedemptionPath,
        };
        return snapshot with { Reminder = ReminderOf(snapshot.Featured, row.Card) };
    }

    /// <summary>
    /// The featured voucher's expiry reminder while it is redeemable; else the nudge while no stamp came after it (a
    /// visit changes the card, so its <c>UpdatedAt</c> passes the nudge).
    /// </summary>
    private static PassReminder? ReminderOf(VoucherSnapshot? featured, Card card)
    {
        if (featured is { State: VoucherState.Issued, ReminderSentAt: { } reminded })
        {
            return new PassReminder(PassReminderKind.VoucherExpiringSoon, reminded, featured.ExpiresAt);
        }

        return card.NudgedAt is { } nudged && card.UpdatedAt <= nudged ? new PassReminder(PassReminderKind.ComeBack, nudged, null) : null;
    }
}
