using Microsoft.EntityFrameworkCore;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Loyalty.Api;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// A merchant's campaigns, for the API and the console alike: create (validated field by field), preview (how many
/// cards, a sample), cancel while scheduled, read one or all with their progress, and import codes into a campaign's
/// own pool (which resumes a campaign that ran out). <see cref="CampaignRunner"/> issues the vouchers.
/// </summary>
public sealed class CampaignService(LoyaltyDbContext db, LoyaltyEngine engine, CampaignSignal signal, TimeProvider timeProvider)
{
    /// <summary>Cards a preview shows.</summary>
    public const int SampleSize = 10;

    /// <summary>Card-list problems reported at most (the rest are counted).</summary>
    private const int MaxReported = 20;

    /// <summary>
    /// Validates <paramref name="definition"/> and, when valid, stores the campaign (and its card list): scheduled, or
    /// due at once when it starts now (the runner is woken). <paramref name="createdBy"/> is the person, key or
    /// "operator" creating it. Returns the errors by field (nothing stored), or the campaign.
    /// </summary>
    public async Task<CampaignChange> CreateAsync(string merchantId, CampaignDefinition definition, string? createdBy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var now = timeProvider.GetUtcNow();
        var (program, cards, errors) = await CheckAsync(merchantId, definition, now, cancellationToken);
        if (program is null || errors.Count > 0)
        {
            return new CampaignChange(program is null ? CampaignOutcome.NoProgram : CampaignOutcome.Invalid, errors, null);
        }

        var campaign = definition.ToCampaign(merchantId, program.Id, createdBy, now);
        db.Campaigns.Add(campaign);
        if (campaign.Segment == CampaignSegment.CardList)
        {
            db.CampaignCards.AddRange(cards.Select(id => new CampaignCard { CampaignId = campaign.Id, CardId = id }));
        }

        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
        if (campaign.StartAt <= now)
        {
            signal.Notify();
        }

        return new CampaignChange(CampaignOutcome.Done, [], campaign);
    }

    /// <summary>
    /// What <paramref name="definition"/> would send if it started now: the cards in its segment and a sample of up to
    /// <see cref="SampleSize"/> of them with their stamps; or its errors.
    /// </summary>
    public async Task<CampaignPreview> PreviewAsync(string merchantId, CampaignDefinition definition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var now = timeProvider.GetUtcNow();
        var (program, cards, errors) = await CheckAsync(merchantId, definition, now, cancellationToken);
        if (program is null || errors.Count > 0)
        {
            return new CampaignPreview(program is null ? CampaignOutcome.NoProgram : CampaignOutcome.Invalid, errors, 0, []);
        }

        if (definition.Segment == CampaignSegment.CardList)
        {
            var sampleIds = cards.Take(SampleSize).ToList();
            var rows = await db.Cards.AsNoTracking().Where(c => sampleIds.Contains(c.Id))
                .Select(c => new { c.Id, c.TotalStamps, c.CyclesCompleted }).ToListAsync(cancellationToken);
            var sample = sampleIds.Select(id => rows.Single(r => r.Id == id)).Select(r => new CampaignSampleCard(r.Id, Card.Progress(r.TotalStamps, r.CyclesCompleted, program.StampGoal))).ToList();
            return new CampaignPreview(CampaignOutcome.Done, [], cards.Count, sample);
        }

        var spec = new CampaignSegments.Spec(definition.Segment, definition.SegmentValue, null, now, program.StampGoal);
        return new CampaignPreview(
            CampaignOutcome.Done,
            [],
            await CampaignSegments.CountAsync(db, program.Id, spec, cancellationToken),
            await CampaignSegments.SampleAsync(db, program.Id, spec, SampleSize, cancellationToken));
    }

    /// <summary>
    /// Cancels a scheduled campaign with one conditional update (<c>… WHERE state = Scheduled</c>), so a campaign a
    /// runner has just started is never cancelled half-sent. <see cref="CampaignOutcome.NotFound"/> for another
    /// merchant's or an unknown id, <see cref="CampaignOutcome.Conflict"/> (with the campaign) once it has started.
    /// </summary>
    public async Task<CampaignChange> CancelAsync(string merchantId, Guid campaignId, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var cancelled = await db.Campaigns.Where(c => c.Id == campaignId && c.MerchantId == merchantId && c.State == CampaignState.Scheduled)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.State, CampaignState.Cancelled).SetProperty(c => c.CancelledAt, now), cancellationToken);
        var campaign = await GetAsync(merchantId, campaignId, cancellationToken);
        return campaign is null ? new CampaignChange(CampaignOutcome.NotFound, [], null)
            : cancelled == 1 ? new CampaignChange(CampaignOutcome.Done, [], campaign)
            : new CampaignChange(CampaignOutcome.Conflict, [], campaign);
    }

    /// <summary>Whether the merchant has a program (campaigns send its vouchers).</summary>
    public Task<bool> HasProgramAsync(string merchantId, CancellationToken cancellationToken) => db.Programs.AnyAsync(p => p.MerchantId == merchantId, cancellationToken);

    /// <summary>The merchant's campaign, with its progress; null for another merchant's or an unknown id.</summary>
    public Task<Campaign?> GetAsync(string merchantId, Guid campaignId, CancellationToken cancellationToken) =>
        db.Campaigns.AsNoTracking().SingleOrDefaultAsync(c => c.Id == campaignId && c.MerchantId == merchantId, cancellationToken);

    /// <summary>The merchant's campaigns, newest first (at most <paramref name="take"/>).</summary>
    public Task<List<Campaign>> ListAsync(string merchantId, int take, CancellationToken cancellationToken) =>
        db.Campaigns.AsNoTracking().Where(c => c.MerchantId == merchantId)
            .OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id).Take(Math.Clamp(take, 1, 500)).ToListAsync(cancellationToken);

    /// <summary>
    /// Adds Redeem Codes to the campaign's own pool (read like the program's pool file: CSV or a JSON array); a
    /// completed campaign that ran out of codes is taken up again (one conditional update) and sends to the cards
    /// still waiting. Returns null when the campaign is not the merchant's.
    /// </summary>
    public async Task<PoolImport?> ImportPoolAsync(string merchantId, Guid campaignId, string contentType, byte[] body, CancellationToken cancellationToken)
    {
        var campaign = await GetAsync(merchantId, campaignId, cancellationToken);
        if (campaign is null)
        {
            return null;
        }

        var (codes, error) = PoolFile.Parse(contentType, body);
        if (error is not null)
        {
            return new PoolImport(PoolImportOutcome.Invalid, error, 0, 0, 0);
        }

        var (added, _) = await engine.ImportPoolCodesAsync(campaign.ProgramId, PoolCode.CampaignPool(campaignId), codes, cancellationToken);
        if (added > 0 && await ResumeAsync(campaignId, cancellationToken))
        {
            signal.Notify();
        }

        return new PoolImport(PoolImportOutcome.Imported, null, codes.Count, added, 0);
    }

    /// <summary>Codes left unassigned in the campaign's pool.</summary>
    public Task<int> PoolLeftAsync(Campaign campaign, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        var pool = PoolCode.CampaignPool(campaign.Id);
        return db.PoolCodes.CountAsync(p => p.ProgramId == campaign.ProgramId && p.Pool == pool && p.VoucherId == null, cancellationToken);
    }

    /// <summary>Takes a completed campaign that ran out of pool codes up again: due at once for the runner.</summary>
    private async Task<bool> ResumeAsync(Guid campaignId, CancellationToken cancellationToken) =>
        await db.Campaigns.Where(c => c.Id == campaignId && c.State == CampaignState.Completed && c.PoolShortfall > 0)
            .ExecuteUpdateAsync(
                s => s.SetProperty(c => c.State, CampaignState.Running).SetProperty(c => c.LockedBy, (string?)null).SetProperty(c => c.LockedUntil, (DateTimeOffset?)null),
                cancellationToken) == 1;

    /// <summary>The merchant's program, the listed cards (checked to be the merchant's), and every problem.</summary>
    private async Task<(LoyaltyProgram? Program, List<Guid> Cards, List<SettingError> Errors)> CheckAsync(string merchantId, CampaignDefinition definition, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var program = await db.Programs.AsNoTracking().SingleOrDefaultAsync(p => p.MerchantId == merchantId, cancellationToken);
        if (program is null)
        {
            return (null, [], [new SettingError("merchantId", $"merchant '{merchantId}' has no program yet: set up the stamp card program first")]);
        }

        var errors = definition.Validate(now).ToList();
        var cards = new List<Guid>();
        if (definition.Segment != CampaignSegment.CardList || errors.Any(e => e.Field == "cardIds"))
        {
            return (program, cards, errors);
        }

        var field = definition.CardIds is { Count: > 0 } ? "cardIds" : "cardListCsv";
        var (listed, problems) = definition.ReadCardList();
        var reported = problems.ToList();
        var ids = listed.Select(l => l.CardId).ToList();
        var known = new HashSet<Guid>();
        foreach (var chunk in ids.Chunk(1000))
        {
            known.UnionWith(await db.Cards.AsNoTracking().Where(c => chunk.Contains(c.Id) && c.MerchantId == merchantId && c.ProgramId == program.Id).Select(c => c.Id).ToListAsync(cancellationToken));
        }

        foreach (var (where, id) in listed.Where(l => !known.Contains(l.CardId)))
        {
            reported.Add($"{where}: no card of yours has the id {id}; check the export it came from");
        }

        errors.AddRange(reported.Take(MaxReported).Select(p => new SettingError(field, p)));
        if (reported.Count > MaxReported)
        {
            errors.Add(new SettingError(field, $"and {reported.Count - MaxReported} more problems; fix the list and send it again"));
        }

        return (program, [.. listed.Select(l => l.CardId)], errors);
    }
}

public enum CampaignOutcome
{
    Done = 0,

    /// <summary>The definition has errors (<see cref="CampaignChange.Errors"/>): nothing was stored.</summary>
    Invalid = 1,

    /// <summary>The merchant has no program yet.</summary>
    NoProgram = 2,

    /// <summary>No such campaign for this merchant.</summary>
    NotFound = 3,

    /// <summary>The campaign is no longer scheduled, so it cannot be cancelled.</summary>
    Conflict = 4,
}

/// <summary>A campaign created or cancelled, or why not.</summary>
public sealed record CampaignChange(CampaignOutcome Outcome, IReadOnlyList<SettingError> Errors, Campaign? Campaign);

/// <summary>A campaign's preview: the cards its segment holds now and a sample of them, or why not.</summary>
public sealed record CampaignPreview(CampaignOutcome Outcome, IReadOnlyList<SettingError> Errors, int CardsInSegment, IReadOnlyList<CampaignSampleCard> Sample);
