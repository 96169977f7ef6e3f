using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Messaging;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// Redemption, by all three paths: a Redeem Code carried by a sale (the Zero-Integration path, in the sale's
/// transaction), a staff scan at the counter and the customer's self-redeem. Each is the same conditional update
/// (<c>… WHERE state = 'Issued'</c>): a voucher is redeemed exactly once, whoever comes first, and the others are
/// told who did.
/// </summary>
internal sealed class VoucherRedemption(LoyaltyDbContext db, EngineTransaction work, VoucherLedger ledger, TimeProvider timeProvider, ILogger logger)
{
    /// <summary>
    /// Redeems a voucher at the counter (<see cref="RedemptionMethod.StaffScan"/>, by its code or QR content) or by
    /// the customer (<see cref="RedemptionMethod.SelfRedeem"/>, by its id from their voucher link), with the same
    /// conditional update as a sale: exactly once, whoever comes first. <paramref name="locationId"/>: the counter's
    /// location, when the scan named one.
    /// </summary>
    public async Task<RedemptionResult> RedeemAsync(string merchantId, Guid? voucherId, string? code, RedemptionMethod method, string? staffId, string? locationId, CancellationToken cancellationToken)
    {
        var normalized = RedeemCodes.Normalize(code);
        var voucher = await db.Vouchers.AsNoTracking()
            .Where(v => v.MerchantId == merchantId && (voucherId != null ? v.Id == voucherId : v.NormalizedCode == normalized))
            .SingleOrDefaultAsync(cancellationToken);
        if (voucher is null)
        {
            return RedemptionResult.NotFound;
        }

        var path = voucher.RedemptionPath ?? await db.Programs.Where(p => p.Id == voucher.ProgramId).Select(p => p.RedemptionPath).SingleAsync(cancellationToken);
        if (method == RedemptionMethod.SelfRedeem && path != RedemptionPath.SelfRedeem)
        {
            return new RedemptionResult(RedemptionOutcome.NotAllowed, voucher);
        }

        var now = timeProvider.GetUtcNow();
        await using var transaction = await work.BeginAsync(cancellationToken);
        if (Voucher.IsRedeemable(voucher.State, voucher.ExpiresAt, now))
        {
            var won = await db.Vouchers
                .Where(v => v.Id == voucher.Id && v.State == VoucherState.Issued)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(v => v.State, VoucherState.Redeemed)
                    .SetProperty(v => v.ClosedAt, now)
                    .SetProperty(v => v.RedeemedBy, method)
                    .SetProperty(v => v.RedeemedByStaffId, staffId), cancellationToken);
            if (won == 1)
            {
                db.VoucherHistory.Add(new VoucherHistoryEntry { VoucherId = voucher.Id, State = VoucherState.Redeemed, At = now, Method = method, StaffId = staffId });
                Outbox.Enqueue(db, new VoucherRedeemed { MerchantId = voucher.MerchantId, CardId = voucher.CardId, VoucherId = voucher.Id, Method = method, StaffId = staffId, LocationId = locationId, RedeemedAt = now }, now);
                await work.CommitAsync(transaction, cancellationToken);
                LoyaltyEngineLog.LogRedeemedAtCounter(logger, merchantId, voucher.Id, method);
                LoyaltyMetrics.Redeemed(merchantId, method);
                return new RedemptionResult(RedemptionOutcome.RedeemedNow, await db.Vouchers.AsNoTracking().SingleAsync(v => v.Id == voucher.Id, cancellationToken));
            }

            voucher = await db.Vouchers.AsNoTracking().SingleAsync(v => v.Id == voucher.Id, cancellationToken);
        }

        if (voucher.State == VoucherState.Issued && await ledger.ExpireAsync(voucher.Id, voucher.MerchantId, voucher.CardId, now, cancellationToken))
        {
            voucher = await db.Vouchers.AsNoTracking().SingleAsync(v => v.Id == voucher.Id, cancellationToken);
        }

        await work.CommitAsync(transaction, cancellationToken);
        return new RedemptionResult(
            voucher.State switch
            {
                VoucherState.Redeemed => RedemptionOutcome.AlreadyRedeemed,
                VoucherState.Voided => RedemptionOutcome.Voided,
                _ => RedemptionOutcome.Expired,
            },
            voucher);
    }

    /// <summary>
    /// Redeems the vouchers whose codes the sale's discounts carry, each with one conditional update, in the sale's
    /// transaction; a code that cannot be redeemed (already redeemed by another sale or at the counter, expired, voided,
    /// unknown) is refused with <see cref="RedeemCodeRejected"/>. A replay of the sale that redeemed a code is not a refusal.
    /// </summary>
    public async Task<(int Redeemed, int Rejected)> RedeemCodesAsync(SaleCompleted sale, LoyaltyProgram program, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var candidates = sale.Discounts
            .SelectMany(d => new[] { d.Code, d.Name, d.CatalogObjectId })
            .Select(RedeemCodes.Normalize)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (candidates.Count == 0)
        {
            return (0, 0);
        }

        // Only vouchers redeemed by Redeem Code: a sale carrying the code of a scan-only or self-redeem voucher leaves it be.
        var found = await db.Vouchers.AsNoTracking()
            .Where(v => v.MerchantId == sale.MerchantId && candidates.Contains(v.NormalizedCode))
            .ToListAsync(cancellationToken);
        var vouchers = found.Where(v => (v.RedemptionPath ?? program.RedemptionPath) == RedemptionPath.RedeemCode).ToList();
        int redeemed = 0, rejected = 0;
        var source = SaleSource.Of(sale);
        foreach (var voucher in vouchers)
        {
            var current = voucher;
            if (Voucher.IsRedeemable(current.State, current.ExpiresAt, sale.OccurredAt))
            {
                var won = await db.Vouchers
                    .Where(v => v.Id == current.Id && v.State == VoucherState.Issued)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(v => v.State, VoucherState.Redeemed)
                        .SetProperty(v => v.ClosedAt, now)
                        .SetProperty(v => v.RedeemedBy, RedemptionMethod.RedeemCode)
                        .SetProperty(v => v.RedeemedByConnectorId, sale.ConnectorId)
                        .SetProperty(v => v.RedeemedBySourceSystem, source)
                        .SetProperty(v => v.RedeemedBySaleId, sale.ExternalSaleId), cancellationToken);
                if (won == 1)
                {
                    db.VoucherHistory.Add(new VoucherHistoryEntry { VoucherId = current.Id, State = VoucherState.Redeemed, At = now, Method = RedemptionMethod.RedeemCode, ConnectorId = sale.ConnectorId, SaleId = sale.ExternalSaleId });
                    Outbox.Enqueue(db, new VoucherRedeemed
                    {
                        MerchantId = current.MerchantId,
                        CardId = current.CardId,
                        VoucherId = current.Id,
                        Method = RedemptionMethod.RedeemCode,
                        ExternalSaleId = sale.ExternalSaleId,
                        LocationId = sale.LocationId,
                        RedeemedAt = now,
                    }, now);
                    redeemed++;
                    LoyaltyMetrics.Redeemed(sale.MerchantId, RedemptionMethod.RedeemCode);
                    continue;
                }

                // Lost a race: see who won.
                current = await db.Vouchers.AsNoTracking().SingleAsync(v => v.Id == voucher.Id, cancellationToken);
            }

            if (current.State == VoucherState.Redeemed && (current.RedeemedBySourceSystem ?? current.RedeemedByConnectorId) == source && current.RedeemedBySaleId == sale.ExternalSaleId)
            {
                continue; // This very sale redeemed it: a replay, not a rejection.
            }

            var reason = current.State switch
            {
                VoucherState.Redeemed => RedeemCodeRejectionReason.AlreadyRedeemed,
                VoucherState.Voided => RedeemCodeRejectionReason.Voided,
                _ => RedeemCodeRejectionReason.Expired,
            };
            if (current.State == VoucherState.Issued)
            {
                await ledger.ExpireAsync(current.Id, current.MerchantId, current.CardId, now, cancellationToken);
            }

            Reject(sale, current.Code, reason, current, now);
            rejected++;
        }

        // Codes of ours that match no voucher: a generated-looking code, or a pool code not handed out yet.
        var matched = found.Select(v => v.NormalizedCode).ToHashSet(StringComparer.Ordinal);
        var unmatched = candidates.Where(c => !matched.Contains(c)).ToList();
        if (unmatched.Count > 0 && program.RedemptionPath == RedemptionPath.RedeemCode)
        {
            var unusedPoolCodes = await db.PoolCodes.AsNoTracking()
                .Where(p => p.MerchantId == sale.MerchantId && unmatched.Contains(p.NormalizedCode))
                .Select(p => p.NormalizedCode)
                .ToListAsync(cancellationToken);
            foreach (var code in unmatched.Where(c => unusedPoolCodes.Contains(c) || (program.CodeSource == RedeemCodeSource.Generated && RedeemCodes.LooksGenerated(c, program.CodePrefix, program.CodeLength))))
            {
                Reject(sale, code, RedeemCodeRejectionReason.Unknown, null, now);
                rejected++;
            }
        }

        return (redeemed, rejected);
    }

    private void Reject(SaleCompleted sale, string code, RedeemCodeRejectionReason reason, Voucher? voucher, DateTimeOffset now)
    {
        Outbox.Enqueue(db, new RedeemCodeRejected
        {
            MerchantId = sale.MerchantId,
            ConnectorId = sale.ConnectorId,
            ExternalSaleId = sale.ExternalSaleId,
            Code = code,
            Reason = reason,
            VoucherId = voucher?.Id,
            RedeemedBySaleId = reason == RedeemCodeRejectionReason.AlreadyRedeemed ? voucher?.RedeemedBySaleId ?? voucher?.RedeemedByStaffId : null,
            RedeemedAt = reason == RedeemCodeRejectionReason.AlreadyRedeemed ? voucher?.ClosedAt : null,
            LocationId = sale.LocationId,
            RejectedAt = now,
        }, now);
        LoyaltyEngineLog.LogRejected(logger, sale.MerchantId, sale.ConnectorId, sale.ExternalSaleId, reason);
        LoyaltyMetrics.Rejected(sale.MerchantId, reason);
    }
}
