using Microsoft.EntityFrameworkCore;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Messaging;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// The card events that happen outside loyalty: the wallet tells loyalty through this, and loyalty writes them to its
/// outbox, so they reach the bus (and the merchant's webhooks) like every other card event. The wallet never touches
/// loyalty's store itself.
/// </summary>
public interface ICardEvents
{
    /// <summary>The wallet names of <see cref="CardSaved.Wallet"/>.</summary>
    public const string Apple = "apple";

    /// <inheritdoc cref="Apple"/>
    public const string Google = "google";

    /// <summary>
    /// Records that the customer added card <paramref name="cardId"/> to <paramref name="wallet"/>
    /// (<see cref="Apple"/> or <see cref="Google"/>): one <see cref="CardSaved"/> in the outbox, committed when this
    /// returns. False, and nothing written, when no card has this id. The caller says when a save is a new one (a
    /// device's first registration of the pass): every call writes an event.
    /// </summary>
    Task<bool> RecordSavedAsync(Guid cardId, string wallet, CancellationToken cancellationToken);
}

/// <inheritdoc cref="ICardEvents"/>
internal sealed class CardEvents(LoyaltyDbContext db, TimeProvider timeProvider, OutboxSignal outboxSignal) : ICardEvents
{
    public async Task<bool> RecordSavedAsync(Guid cardId, string wallet, CancellationToken cancellationToken)
    {
        if (wallet is not (ICardEvents.Apple or ICardEvents.Google))
        {
            throw new ArgumentException($"The wallet is \"{ICardEvents.Apple}\" or \"{ICardEvents.Google}\".", nameof(wallet));
        }

        var merchantId = await db.Cards.AsNoTracking().Where(c => c.Id == cardId).Select(c => c.MerchantId).SingleOrDefaultAsync(cancellationToken);
        if (merchantId is null)
        {
            return false;
        }

        var now = timeProvider.GetUtcNow();
        Outbox.Enqueue(db, new CardSaved { MerchantId = merchantId, CardId = cardId, Wallet = wallet, SavedAt = now }, now);
        await db.SaveChangesAsync(cancellationToken);
        outboxSignal.Notify();
        return true;
    }
}
