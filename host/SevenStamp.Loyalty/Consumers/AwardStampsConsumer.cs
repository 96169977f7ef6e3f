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
            var cardId = await EnsureCardAsync(sale.MerchantId, customerKey, now, cancellationToken);

            // The ledger row goes in first; ON CONFLICT DO NOTHING (SQLite and PostgreSQL alike) turns a
            // concurrent delivery of the same sale into "0 rows" instead of an error.
            var inserted = await db.Database.ExecuteSqlInterpolatedAsync(
                $"""
                INSERT INTO stamp_awards (merchant_id, connector_id, external_sale_id, card_id, stamps, balance_after, awarded_at)
                VALUES ({sale.MerchantId}, {sale.ConnectorId}, {sale.ExternalSaleId}, {cardId}, {StampsPerSale}, 0, {now})
                ON CONFLICT (merchant_id, connector_id, external_sale_id) DO NOTHING
                """,
                cancellationToken);
            if (inserted == 0)
            {
                await transaction.RollbackAsync(cancellationToken);
                LogDuplicate(sale.MerchantId, sale.ConnectorId, sale.ExternalSaleId);
                var winner = await FindAwardAsync(sale, cancellationToken)
                    ?? throw new InvalidOperationException("The stamp ledger refused a duplicate but holds no winning row yet.");
                await context.Publish(ToEvent(winner), cancellationToken);
                return;
            }

            // One atomic increment: concurrent awards on the same card never lose an update.
            var balance = (await db.Database.SqlQuery<int>(
                $"""
                UPDATE cards SET stamps = stamps + {StampsPerSale}, updated_at = {now} WHERE id = {cardId} RETURNING stamps AS "Value"
                """).ToListAsync(cancellationToken)).Single();
            await db.StampAwards
                .Where(a => a.MerchantId == sale.MerchantId && a.ConnectorId == sale.ConnectorId && a.ExternalSaleId == sale.ExternalSaleId)
                .ExecuteUpdateAsync(u => u.SetProperty(a => a.BalanceAfter, balance), cancellationToken);
            await transaction.CommitAsync(cancellationToken);

            award = new StampAward
            {
                MerchantId = sale.MerchantId,
                ConnectorId = sale.ConnectorId,
                ExternalSaleId = sale.ExternalSaleId,
                CardId = cardId,
                Stamps = StampsPerSale,
                BalanceAfter = balance,
                AwardedAt = now,
            };
        }

        LogAwarded(sale.MerchantId, sale.ConnectorId, sale.ExternalSaleId, award.CardId, award.Stamps, award.BalanceAfter);
        await context.Publish(ToEvent(award), cancellationToken);
    }

    /// <summary>Finds the customer's card, creating it if needed; a concurrent creation of the same card is not an error.</summary>
    private async Task<Guid> EnsureCardAsync(string merchantId, string customerKey, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO cards (id, merchant_id, customer_key, stamps, created_at, updated_at)
            VALUES ({Guid.NewGuid()}, {merchantId}, {customerKey}, 0, {now}, {now})
            ON CONFLICT (merchant_id, customer_key) DO NOTHING
            """,
            cancellationToken);
        return await db.Cards.Where(c => c.MerchantId == merchantId && c.CustomerKey == customerKey).Select(c => c.Id).SingleAsync(cancellationToken);
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
