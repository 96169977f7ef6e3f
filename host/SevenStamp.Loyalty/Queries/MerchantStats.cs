using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Queries;

/// <summary>One day of a merchant's loyalty (UTC): stamps given (net of refunds), vouchers issued and redeemed, cards that earned.</summary>
public sealed record DayStats(DateOnly Day, int Stamps, int VouchersIssued, int VouchersRedeemed, int ActiveCards);

/// <summary>
/// A merchant's loyalty over the last <see cref="Days"/> days (today included, UTC): totals and each day.
/// <see cref="RedemptionRate"/> is the share of the vouchers issued in the period that are redeemed (null without any);
/// <see cref="ActiveCards"/> counts the cards that earned a stamp in the period.
/// </summary>
public sealed record MerchantStatsView(int Days, int Stamps, int VouchersIssued, int VouchersRedeemed, double? RedemptionRate, int ActiveCards, IReadOnlyList<DayStats> ByDay);

/// <summary>The numbers of the console's dashboard and of <c>GET /api/merchants/{merchantId}/stats</c>, from the database.</summary>
public sealed class MerchantStats(LoyaltyDbContext db, TimeProvider time)
{
    public const int MaxDays = 366;

    public async Task<MerchantStatsView> ReadAsync(string merchantId, int days, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(days, MaxDays);
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var first = today.AddDays(1 - days);
        var from = new DateTimeOffset(first.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

        // The rows of the period, few columns each, summed here: the day of an instant is not translated alike by
        // every database, and a period's rows of one merchant are few enough.
        var awards = await db.StampAwards.AsNoTracking().Where(a => a.MerchantId == merchantId && a.AwardedAt >= from)
            .Select(a => new { a.AwardedAt, Stamps = a.Stamps - a.StampsRevoked, a.CardId }).ToListAsync(cancellationToken);
        var issued = await db.Vouchers.AsNoTracking().Where(v => v.MerchantId == merchantId && v.IssuedAt >= from)
            .Select(v => new { v.IssuedAt, v.State }).ToListAsync(cancellationToken);
        var redeemed = await db.Vouchers.AsNoTracking().Where(v => v.MerchantId == merchantId && v.State == VoucherState.Redeemed && v.ClosedAt >= from)
            .Select(v => v.ClosedAt!.Value).ToListAsync(cancellationToken);

        static DateOnly Day(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime);
        var byDay = Enumerable.Range(0, days).Select(i => first.AddDays(i)).Select(day => new DayStats(
            day,
            awards.Where(a => Day(a.AwardedAt) == day).Sum(a => a.Stamps),
            issued.Count(v => Day(v.IssuedAt) == day),
            redeemed.Count(at => Day(at) == day),
            awards.Where(a => Day(a.AwardedAt) == day).Select(a => a.CardId).Distinct().Count())).ToList();
        var redeemedOfIssued = issued.Count(v => v.State == VoucherState.Redeemed);
        return new MerchantStatsView(
            days,
            byDay.Sum(d => d.Stamps),
            issued.Count,
            redeemed.Count,
            issued.Count == 0 ? null : (double)redeemedOfIssued / issued.Count,
            awards.Select(a => a.CardId).Distinct().Count(),
            byDay);
    }
}
