using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Queries;

/// <summary>One card in an overview: its first customer identifier, stamps toward the goal, and its vouchers.</summary>
public sealed record CardSummary(Guid CardId, string? Customer, int Progress, int Goal, int Vouchers, int Redeemed);

/// <summary>The oldest cards, and how many sales found no card.</summary>
public sealed record CardOverview(IReadOnlyList<CardSummary> Cards, int UnmatchedSales);

/// <summary>A glance at the cards, for the demo's console: what loyalty shows another area without lending it its store.</summary>
public interface ICardOverview
{
    /// <summary>The first <paramref name="maxCards"/> cards by creation, and the count of sales without a card.</summary>
    Task<CardOverview> ReadAsync(int maxCards, CancellationToken cancellationToken);
}

/// <summary>Reads the overview from the loyalty store.</summary>
internal sealed class CardOverviewQuery(LoyaltyDbContext db) : ICardOverview
{
    public async Task<CardOverview> ReadAsync(int maxCards, CancellationToken cancellationToken)
    {
#pragma warning disable VSTHRD103 // Inside the query: translated to SQL subqueries, nothing blocks.
        var cards = await (
            from card in db.Cards.AsNoTracking()
            join program in db.Programs.AsNoTracking() on card.ProgramId equals program.Id
            orderby card.CreatedAt
            select new
            {
                card.Id,
                card.TotalStamps,
                card.CyclesCompleted,
                program.StampGoal,
                Customer = db.CustomerLinks.Where(l => l.CustomerId == card.CustomerId).OrderBy(l => l.Id).Select(l => l.Value).FirstOrDefault(),
                Vouchers = db.Vouchers.Count(v => v.CardId == card.Id),
                Redeemed = db.Vouchers.Count(v => v.CardId == card.Id && v.State == VoucherState.Redeemed),
            }).Take(maxCards).ToListAsync(cancellationToken);
#pragma warning restore VSTHRD103
        var unmatched = await db.UnmatchedSales.CountAsync(cancellationToken);
        return new CardOverview(
            [.. cards.Select(c => new CardSummary(c.Id, c.Customer, Card.Progress(c.TotalStamps, c.CyclesCompleted, c.StampGoal), c.StampGoal, c.Vouchers, c.Redeemed))],
            unmatched);
    }
}
