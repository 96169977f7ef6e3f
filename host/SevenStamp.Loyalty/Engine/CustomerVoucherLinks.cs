using Microsoft.EntityFrameworkCore;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// What the customer's own voucher link (<c>/v/{voucherId}/{token}</c>, <see cref="VoucherLinks"/>) opens and does,
/// for its JSON answers and its page alike: a wrong token is the same as no voucher, and "Use now" is the engine's
/// self-redeem (<see cref="LoyaltyEngine.RedeemAsync"/>), which the program must allow.
/// </summary>
public sealed class CustomerVoucherLinks(VoucherLinks links, LoyaltyDbContext db, LoyaltyEngine engine)
{
    /// <summary>The voucher of the link; null when the token is not the voucher's or the voucher does not exist.</summary>
    public async Task<Voucher?> OpenAsync(Guid voucherId, string? token, CancellationToken cancellationToken) =>
        links.Verify(voucherId, token)
            ? await db.Vouchers.AsNoTracking().SingleOrDefaultAsync(v => v.Id == voucherId, cancellationToken)
            : null;

    /// <summary>
    /// The customer redeems the voucher of their link: <see cref="RedemptionOutcome.RedeemedNow"/> exactly once, then
    /// what happened before; <see cref="RedemptionOutcome.NotFound"/> for a wrong token or an unknown voucher.
    /// </summary>
    public async Task<RedemptionResult> SelfRedeemAsync(Guid voucherId, string? token, CancellationToken cancellationToken)
    {
        if (!links.Verify(voucherId, token))
        {
            return RedemptionResult.NotFound;
        }

        var merchantId = await db.Vouchers.Where(v => v.Id == voucherId).Select(v => v.MerchantId).SingleOrDefaultAsync(cancellationToken);
        return merchantId is null
            ? RedemptionResult.NotFound
            : await engine.RedeemAsync(merchantId, voucherId, null, RedemptionMethod.SelfRedeem, null, null, cancellationToken);
    }
}
