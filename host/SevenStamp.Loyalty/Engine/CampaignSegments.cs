using System.Globalization;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// Which cards a campaign's segment holds, as one SQL condition on the program's cards (alias <c>c</c>), the same for
/// the preview, the count at start and every batch of the issue. The segment is read as of <c>at</c>, the time the
/// campaign started (or now, for a preview), so a run resumed later picks the same cards.
/// </summary>
internal static class CampaignSegments
{
    /// <summary>What a segment is: its kind, its number, and (for a card list) the campaign whose list it is.</summary>
    internal sealed record Spec(CampaignSegment Segment, int? Value, Guid? CampaignId, DateTimeOffset At, int Goal);

    /// <summary>The spec of a stored campaign, read as of <paramref name="at"/>.</summary>
    public static Spec Of(Campaign campaign, int goal, DateTimeOffset at) => new(campaign.Segment, campaign.SegmentValue, campaign.Id, at, goal);

    /// <summary>Appends <c> AND …</c>: the segment's condition on the card <c>c</c>.</summary>
    public static void AppendCondition(SqlText sql, LoyaltyDbContext db, Spec spec)
    {
        switch (spec.Segment)
        {
            case CampaignSegment.AllCards:
                break;
            case CampaignSegment.VisitedWithinDays:
                sql.Append($" AND EXISTS (SELECT 1 FROM stamp_awards a WHERE a.card_id = c.id AND a.stamps > a.stamps_revoked AND a.awarded_at >= {sql.Parameter(db.DbInstant(Since(spec)))})");
                break;
            case CampaignSegment.NotVisitedForDays:
                var since = sql.Parameter(db.DbInstant(Since(spec)));
                sql.Append($" AND c.created_at <= {since} AND NOT EXISTS (SELECT 1 FROM stamp_awards a WHERE a.card_id = c.id AND a.stamps > a.stamps_revoked AND a.awarded_at >= {since})");
                break;
            case CampaignSegment.AtLeastStamps:
                sql.Append($" AND c.total_stamps - (c.cycles_completed * {sql.Parameter(spec.Goal)}) >= {sql.Parameter(spec.Value ?? 1)}");
                break;
            case CampaignSegment.BirthdayThisMonth:
                sql.Append($" AND EXISTS (SELECT 1 FROM customers u WHERE u.id = c.customer_id AND u.birth_month = {sql.Parameter(spec.At.UtcDateTime.Month)})");
                break;
            case CampaignSegment.CardList:
                sql.Append($" AND EXISTS (SELECT 1 FROM campaign_cards l WHERE l.campaign_id = {sql.Parameter(spec.CampaignId ?? Guid.Empty)} AND l.card_id = c.id)");
                break;
            default:
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Unknown campaign segment {spec.Segment}."));
        }
    }

    /// <summary>How many of the program's cards the segment holds (those of a card list: those still cards of the program).</summary>
    public static async Task<int> CountAsync(LoyaltyDbContext db, Guid programId, Spec spec, CancellationToken cancellationToken)
    {
        var sql = new SqlText("SELECT COUNT(*) AS \"Value\" FROM cards c WHERE c.program_id = ");
        sql.Append(sql.Parameter(programId));
        AppendCondition(sql, db, spec);
        return (int)await db.Database.SqlQueryRaw<long>(sql.Text, sql.Parameters).SingleAsync(cancellationToken);
    }

    /// <summary>Up to <paramref name="take"/> cards of the segment, with the stamps each holds toward its next voucher.</summary>
    public static async Task<List<CampaignSampleCard>> SampleAsync(LoyaltyDbContext db, Guid programId, Spec spec, int take, CancellationToken cancellationToken)
    {
        var sql = new SqlText("SELECT c.id AS \"CardId\", c.total_stamps AS \"TotalStamps\", c.cycles_completed AS \"CyclesCompleted\" FROM cards c WHERE c.program_id = ");
        sql.Append(sql.Parameter(programId));
        AppendCondition(sql, db, spec);
        sql.Append(" ORDER BY c.created_at, c.id LIMIT ").Append(sql.Parameter(take));
        var rows = await db.Database.SqlQueryRaw<CardRow>(sql.Text, sql.Parameters).ToListAsync(cancellationToken);
        return [.. rows.Select(r => new CampaignSampleCard(r.CardId, Card.Progress(r.TotalStamps, r.CyclesCompleted, spec.Goal)))];
    }

    private static DateTimeOffset Since(Spec spec) => spec.At.AddDays(-(spec.Value ?? 0));

    internal sealed record CardRow(Guid CardId, int TotalStamps, int CyclesCompleted);
}

/// <summary>A card of a campaign's preview: its id and the stamps it holds toward its next voucher.</summary>
public sealed record CampaignSampleCard(Guid CardId, int Stamps);
