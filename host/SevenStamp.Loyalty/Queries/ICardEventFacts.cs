using Microsoft.EntityFrameworkCore;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Queries;

/// <summary>
/// What other areas need to describe a card or voucher event beyond the event itself (the outbound webhooks' payloads):
/// whose card it is and the card's goal, a voucher's Redeem Code and state. One indexed read each; no contact data.
/// </summary>
public interface ICardEventFacts
{
    Task<CardFacts?> CardAsync(Guid cardId, CancellationToken cancellationToken);

    Task<VoucherFacts?> VoucherAsync(Guid voucherId, CancellationToken cancellationToken);
}

/// <summary>A card as an event describes it: its customer, the goal, its stamps toward the next goal and goals reached.</summary>
public sealed record CardFacts(Guid CardId, Guid CustomerId, string? Language, int Goal, int Stamps, int CyclesCompleted);

/// <summary>A voucher as an event describes it.</summary>
public sealed record VoucherFacts(
    Guid VoucherId,
    Guid CardId,
    int Cycle,
    string RedeemCode,
    string Reward,
    VoucherState State,
    DateTimeOffset? ExpiresAt,
    RedemptionMethod? RedeemedBy)
{
    /// <summary>Why it was minted.</summary>
    public VoucherKind Kind { get; init; }

    /// <summary>A campaign's voucher: the campaign.</summary>
    public Guid? CampaignId { get; init; }

    /// <summary>A milestone's voucher: the qualifying visit it rewards.</summary>
    public int? MilestoneVisit { get; init; }
}

internal sealed class CardEventFacts(LoyaltyDbContext db) : ICardEventFacts
{
    public async Task<CardFacts?> CardAsync(Guid cardId, CancellationToken cancellationToken)
    {
        var row = await (from card in db.Cards.AsNoTracking()
                         join program in db.Programs.AsNoTracking() on card.ProgramId equals program.Id
                         join customer in db.Customers.AsNoTracking() on card.CustomerId equals customer.Id
                         where card.Id == cardId
                         select new { card.Id, card.CustomerId, customer.Language, card.TotalStamps, card.CyclesCompleted, program.StampGoal })
            .SingleOrDefaultAsync(cancellationToken);
        return row is null
            ? null
            : new CardFacts(row.Id, row.CustomerId, row.Language, row.StampGoal, Card.Progress(row.TotalStamps, row.CyclesCompleted, row.StampGoal), row.CyclesCompleted);
    }

    public async Task<VoucherFacts?> VoucherAsync(Guid voucherId, CancellationToken cancellationToken) =>
        await db.Vouchers.AsNoTracking()
            .Where(v => v.Id == voucherId)
            .Select(v => new VoucherFacts(v.Id, v.CardId, v.Cycle, v.Code, v.Reward, v.State, v.ExpiresAt, v.RedeemedBy) { Kind = v.Kind, CampaignId = v.CampaignId, MilestoneVisit = v.MilestoneVisit })
            .SingleOrDefaultAsync(cancellationToken);
}
