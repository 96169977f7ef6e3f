using Microsoft.EntityFrameworkCore;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Messaging;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// Refunds: the refund is recorded under the sale's lock, and the stamps the sale's refunds take back are revoked
/// (all of them for a full refund, the refunded share under an amount rule). A refund that arrives before its sale
/// is applied when the sale is.
/// </summary>
internal sealed partial class SaleStamping
{
    /// <summary>
    /// Applies a refund in one transaction: claims it in the inbox (false for a repeat, which changes nothing), records
    /// it, revokes the stamps it takes back and, for a full refund when the program says so, reinstates the vouchers
    /// the sale had redeemed.
    /// </summary>
    public async Task<bool> ApplyRefundAsync(SaleRefunded refund, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(refund);
        var now = timeProvider.GetUtcNow();
        await using var transaction = await work.BeginAsync(cancellationToken);
        var source = SaleSource.Of(refund);
        if (!await inbox.ClaimAsync(refund.MerchantId, source, refund.ConnectorId, Inbox.RefundKind, refund.ExternalRefundId, now, cancellationToken))
        {
            await transaction.CommitAsync(cancellationToken);
            LoyaltyEngineLog.LogDuplicate(logger, Inbox.RefundKind, refund.MerchantId, refund.ConnectorId, refund.ExternalRefundId);
            return false;
        }

        // The sale's lock, before its award is read: were the sale being applied at this moment, the refund waits for
        // its commit and then finds the award; a sale applied after this commit finds the refund instead.
        await db.LockSalesAsync([LoyaltyDbContext.SaleLockKey(refund.MerchantId, source, refund.ExternalSaleId)], cancellationToken);

        db.Refunds.Add(new SaleRefund
        {
            MerchantId = refund.MerchantId,
            SourceSystem = source,
            ConnectorId = refund.ConnectorId,
            ExternalRefundId = refund.ExternalRefundId,
            ExternalSaleId = refund.ExternalSaleId,
            Amount = refund.Amount,
            IsFullRefund = refund.IsFullRefund,
            OccurredAt = refund.OccurredAt,
        });
        await db.SaveChangesAsync(cancellationToken);

        var program = await db.Programs.AsNoTracking().SingleOrDefaultAsync(p => p.MerchantId == refund.MerchantId, cancellationToken);
        if (program is not null)
        {
            await ApplyRefundsAsync(program, refund.MerchantId, source, refund.ConnectorId, refund.ExternalSaleId, refund.ExternalRefundId, now, cancellationToken);
            if (refund.IsFullRefund && program.ReinstateVoucherOnRefund)
            {
                await ledger.ReinstateVouchersAsync(refund, now, cancellationToken);
            }
        }

        await work.CommitAsync(transaction, cancellationToken);
        return true;
    }

    /// <summary>
    /// Brings the stamps a sale's refunds take back up to date: all of them for a full refund (or refunds adding up
    /// to the sale's total), the proportion of the refunded amount under an amount rule, none otherwise.
    /// </summary>
    private async Task ApplyRefundsAsync(LoyaltyProgram program, string merchantId, string sourceSystem, string connectorId, string saleId, string? refundId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var award = await db.StampAwards.SingleOrDefaultAsync(a => a.MerchantId == merchantId && a.SourceSystem == sourceSystem && a.ExternalSaleId == saleId, cancellationToken);
        if (award is null)
        {
            return;
        }

        var refunds = await db.Refunds.AsNoTracking()
            .Where(r => r.MerchantId == merchantId && r.SourceSystem == sourceSystem && r.ExternalSaleId == saleId)
            .Select(r => new { r.Amount, r.IsFullRefund, r.ExternalRefundId })
            .ToListAsync(cancellationToken);
        if (refunds.Count == 0)
        {
            return;
        }

        var refunded = Math.Min(award.SaleTotal, refunds.Sum(r => r.Amount));
        var full = refunds.Any(r => r.IsFullRefund) || (award.SaleTotal > 0 && refunded >= award.SaleTotal);
        var revoke = full
            ? award.Stamps
            : program.EarningRule == EarningRuleKind.PerAmount
                ? Math.Max(0, award.Stamps - EarningRules.ForAmount(program, program.Currency ?? string.Empty, award.SaleTotal - refunded))
                : 0;
        var delta = revoke - award.StampsRevoked;
        award.AmountRefunded = refunded;
        if (delta <= 0)
        {
            await db.SaveChangesAsync(cancellationToken);
            return;
        }

        award.StampsRevoked = revoke;
        await db.SaveChangesAsync(cancellationToken);
        var counters = await cards.AddAsync(award.CardId, -delta, now, cancellationToken);
        LoyaltyMetrics.Revoked(merchantId, delta);
        Outbox.Enqueue(db, new StampsRevoked
        {
            MerchantId = merchantId,
            CardId = award.CardId,
            ConnectorId = connectorId,
            ExternalSaleId = saleId,
            ExternalRefundId = refundId ?? refunds[^1].ExternalRefundId,
            Stamps = delta,
            Balance = Card.Progress(counters.TotalStamps, counters.CyclesCompleted, program.StampGoal),
            Goal = program.StampGoal,
            Debt = Card.Debt(counters.TotalStamps, counters.CyclesCompleted, program.StampGoal),
            LocationId = award.LocationId,
            RevokedAt = now,
        }, now);
    }
}
