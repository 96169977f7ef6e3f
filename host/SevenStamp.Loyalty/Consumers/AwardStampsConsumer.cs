using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Consumers;

/// <summary>
/// Awards stamps for a completed sale: one stamp per sale on the customer's card. The ledger row and the
/// balance change commit together; the ledger's unique key makes a redelivered sale a no-op, and
/// <see cref="StampsAwarded"/> is published again from the stored row so the event is never lost between
/// commit and publish.
/// </summary>
public sealed partial class AwardStampsConsumer(LoyaltyDbContext db, TimeProvider timeProvider, ILogger<AwardStampsConsumer> logger) : IConsumer<SaleCompleted>
{
    private const int StampsPerSale = 1;

    public async Task Consume(ConsumeContext<SaleCompleted> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var sale = context.Message;
        var cancellationToken = context.CancellationToken;

        var customerKey = CustomerKey.For(sale);
        if (customerKey is null)
        {
            LogUnmatched(sale.MerchantId, sale.ConnectorId, sale.ExternalSaleId);
            return;
        }

        var existing = await FindAwardAsync(sale, cancellationToken);
        if (existing is not null)
        {
            LogDuplicate(sale.MerchantId, sale.ConnectorId, sale.ExternalSaleId);
            await context.Publish(ToEvent(existing), cancellationToken);
            return;
        }

        var now = timeProvider.GetUtcNow();
        StampAward award;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            var card = await db.Cards.SingleOrDefaultAsync(c => c.MerchantId == sale.MerchantId && c.CustomerKey == customerKey, cancellationToken);
            if (card is null)
            {
                // A concurrent first sale of the same customer may insert the card too; the unique index
                // makes one of them fail and the retry policy runs it again, finding the card.
                card = new Card { Id = Guid.NewGuid(), MerchantId = sale.MerchantId, CustomerKey = customerKey, CreatedAt = now, UpdatedAt = now };
                db.Cards.Add(card);
                await db.SaveChangesAsync(cancellationToken);
            }

            // One atomic increment: concurrent awards on the same card never lose an update.
            await db.Cards.Where(c => c.Id == card.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.Stamps, c => c.Stamps + StampsPerSale).SetProperty(c => c.UpdatedAt, now), cancellationToken);
            var balance = await db.Cards.Where(c => c.Id == card.Id).Select(c => c.Stamps).SingleAsync(cancellationToken);

            award = new StampAward
            {
                MerchantId = sale.MerchantId,
                ConnectorId = sale.ConnectorId,
                ExternalSaleId = sale.ExternalSaleId,
                CardId = card.Id,
                Stamps = StampsPerSale,
                BalanceAfter = balance,
                AwardedAt = now,
            };
            db.StampAwards.Add(award);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            catch (DbUpdateException ex) when (DbErrors.IsUniqueViolation(ex))
            {
                // The same sale was awarded concurrently by another delivery; that one won.
                await transaction.RollbackAsync(cancellationToken);
                db.ChangeTracker.Clear();
                LogDuplicate(sale.MerchantId, sale.ConnectorId, sale.ExternalSaleId);
                var winner = await FindAwardAsync(sale, cancellationToken)
                    ?? throw new InvalidOperationException("A unique violation on the stamp ledger left no winning row.");
                await context.Publish(ToEvent(winner), cancellationToken);
                return;
            }
        }

        LogAwarded(sale.MerchantId, sale.ConnectorId, sale.ExternalSaleId, award.CardId, award.Stamps, award.BalanceAfter);
        await context.Publish(ToEvent(award), cancellationToken);
    }

    private Task<StampAward?> FindAwardAsync(SaleCompleted sale, CancellationToken cancellationToken) =>
        db.StampAwards.AsNoTracking().SingleOrDefaultAsync(
            a => a.MerchantId == sale.MerchantId && a.ConnectorId == sale.ConnectorId && a.ExternalSaleId == sale.ExternalSaleId,
            cancellationToken);

    private static StampsAwarded ToEvent(StampAward award) => new()
    {
        MerchantId = award.MerchantId,
        CardId = award.CardId,
        ConnectorId = award.ConnectorId,
        ExternalSaleId = award.ExternalSaleId,
        Stamps = award.Stamps,
        Balance = award.BalanceAfter,
        AwardedAt = award.AwardedAt,
    };

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Sale {MerchantId}/{ConnectorId}/{ExternalSaleId} has no known customer; no stamp awarded")]
    private partial void LogUnmatched(string merchantId, string connectorId, string externalSaleId);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Sale {MerchantId}/{ConnectorId}/{ExternalSaleId} was already awarded; nothing changed")]
    private partial void LogDuplicate(string merchantId, string connectorId, string externalSaleId);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Sale {MerchantId}/{ConnectorId}/{ExternalSaleId}: {Stamps} stamp(s) on card {CardId}, balance {Balance}")]
    private partial void LogAwarded(string merchantId, string connectorId, string externalSaleId, Guid cardId, int stamps, int balance);
}
