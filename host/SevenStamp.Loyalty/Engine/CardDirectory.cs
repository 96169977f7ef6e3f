using Microsoft.EntityFrameworkCore;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Messaging;

namespace SevenStamp.Loyalty.Engine;

/// <summary>How linking an identifier to a card went.</summary>
public enum LinkOutcome
{
    Linked = 0,

    /// <summary>The identifier already pointed at this card's customer.</summary>
    AlreadyLinked = 1,

    /// <summary>The identifier belongs to another customer; nothing changed.</summary>
    LinkedElsewhere = 2,
}

/// <summary>A card as the API shows it: stamps toward the goal, debt, and its vouchers.</summary>
public sealed record CardView(Guid CardId, string MerchantId, Guid ProgramId, int TotalStamps, int CyclesCompleted, int Progress, int Goal, int Debt, IReadOnlyList<Voucher> Vouchers);

/// <summary>
/// Enrols customers, finds their cards and links POS identifiers to them. Customers and their links are made by
/// <see cref="CustomerResolver"/>, as the engine's are.
/// </summary>
public sealed class CardDirectory(LoyaltyDbContext db, TimeProvider timeProvider, OutboxSignal outboxSignal)
{
    private readonly CustomerResolver _customers = new(db);

    /// <summary>
    /// Gives a customer a card in the merchant's program (a wallet sign-up), optionally under a loyalty card id the
    /// POS will scan. Enrolling the same loyalty card id again returns the same card. Null when the merchant has no program.
    /// A new card is written with its <see cref="CardIssued"/> event (origin <see cref="CardOrigin.Api"/>) in the outbox.
    /// </summary>
    public async Task<Guid?> EnrollAsync(string merchantId, string? loyaltyCardId, CancellationToken cancellationToken)
    {
        var program = await db.Programs.AsNoTracking().SingleOrDefaultAsync(p => p.MerchantId == merchantId, cancellationToken);
        if (program is null)
        {
            return null;
        }

        if (loyaltyCardId is not null && await FindByIdentifierAsync(merchantId, CustomerIdentity.Card, loyaltyCardId, cancellationToken) is { } existing)
        {
            return existing;
        }

        var now = timeProvider.GetUtcNow();
        var customer = _customers.Enroll(merchantId, loyaltyCardId, now);
        var card = new Card { Id = Guid.NewGuid(), ProgramId = program.Id, CustomerId = customer.Id, MerchantId = merchantId, CreatedAt = now, UpdatedAt = now };
        db.Cards.Add(card);
        Outbox.Enqueue(db, new CardIssued { MerchantId = merchantId, CardId = card.Id, CustomerId = customer.Id, Origin = CardOrigin.Api, IssuedAt = now }, now);
        await db.SaveChangesAsync(cancellationToken);
        outboxSignal.Notify();
        return card.Id;
    }

    /// <summary>The card of the customer an identifier points at, in the merchant's program.</summary>
    public Task<Guid?> FindByIdentifierAsync(string merchantId, string kind, string value, CancellationToken cancellationToken) =>
        db.Cards.AsNoTracking()
            .Where(c => c.MerchantId == merchantId && db.CustomerLinks.Any(l => l.MerchantId == merchantId && l.Kind == kind && l.Value == value && l.CustomerId == c.CustomerId))
            .Select(c => (Guid?)c.Id)
            .FirstOrDefaultAsync(cancellationToken);

    public async Task<CardView?> ViewAsync(string merchantId, Guid cardId, CancellationToken cancellationToken)
    {
        var card = await db.Cards.AsNoTracking().SingleOrDefaultAsync(c => c.Id == cardId && c.MerchantId == merchantId, cancellationToken);
        if (card is null)
        {
            return null;
        }

        var goal = await db.Programs.Where(p => p.Id == card.ProgramId).Select(p => p.StampGoal).SingleAsync(cancellationToken);
        var vouchers = await db.Vouchers.AsNoTracking().Where(v => v.CardId == card.Id).OrderBy(v => v.IssuedAt).ThenBy(v => v.Cycle).ToListAsync(cancellationToken);
        return new CardView(card.Id, card.MerchantId, card.ProgramId, card.TotalStamps, card.CyclesCompleted,
            Card.Progress(card.TotalStamps, card.CyclesCompleted, goal), goal, Card.Debt(card.TotalStamps, card.CyclesCompleted, goal), vouchers);
    }

    /// <summary>Links an identifier (<see cref="CustomerIdentity"/> kind and value) to the card's customer.</summary>
    public async Task<LinkOutcome?> LinkAsync(string merchantId, Guid cardId, string kind, string value, CancellationToken cancellationToken)
    {
        var customerId = await db.Cards.Where(c => c.Id == cardId && c.MerchantId == merchantId).Select(c => (Guid?)c.CustomerId).SingleOrDefaultAsync(cancellationToken);
        if (customerId is null)
        {
            return null;
        }

        return await _customers.LinkAsync(merchantId, kind, value, customerId.Value, timeProvider.GetUtcNow(), cancellationToken);
    }
}
