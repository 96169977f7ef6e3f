using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Wallet;

/// <summary>
/// What a wallet pass shows for one card: the program, the stamps toward the goal (<c>Stamps</c>, never negative),
/// the stamps owed after refunds (<c>Debt</c>), every voucher newest first, and <c>UpdatedAt</c>, the latest change to
/// the card or any of its vouchers (a pass's Last-Modified).
/// </summary>
public sealed record CardSnapshot(
    Guid CardId,
    string MerchantId,
    Guid ProgramId,
    string ProgramName,
    string Reward,
    int Goal,
    int Stamps,
    int Debt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<VoucherSnapshot> Vouchers)
{
    /// <summary>The voucher the pass features: the oldest one still redeemable, else the newest.</summary>
    public VoucherSnapshot? Featured =>
        Vouchers.Where(v => v.State == VoucherState.Issued).OrderBy(v => v.Cycle).FirstOrDefault() ?? Vouchers.FirstOrDefault();

    /// <summary>Loads the snapshot of a card; null when the card does not exist.</summary>
    public static async Task<CardSnapshot?> LoadAsync(LoyaltyDbContext db, Guid cardId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
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
            .Select(v => new VoucherSnapshot(v.Id, v.Cycle, v.Code, v.Reward, v.State, v.IssuedAt, v.ExpiresAt, v.ClosedAt))
            .ToListAsync(cancellationToken);
        vouchers.Sort((a, b) => b.Cycle.CompareTo(a.Cycle));

        var goal = row.Program.StampGoal;
        var updated = vouchers.Select(v => v.ClosedAt ?? v.IssuedAt).Append(row.Card.UpdatedAt).Max();
        return new CardSnapshot(
            row.Card.Id,
            row.Card.MerchantId,
            row.Program.Id,
            row.Program.Name,
            row.Program.Reward,
            goal,
            Card.Progress(row.Card.TotalStamps, row.Card.CyclesCompleted, goal),
            Card.Debt(row.Card.TotalStamps, row.Card.CyclesCompleted, goal),
            updated,
            vouchers);
    }
}

/// <summary>One voucher as a pass shows it; <c>ClosedAt</c> is when it was redeemed, expired or voided (null while redeemable).</summary>
public sealed record VoucherSnapshot(
    Guid VoucherId,
    int Cycle,
    string RedeemCode,
    string Reward,
    VoucherState State,
    DateTimeOffset IssuedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? ClosedAt);
