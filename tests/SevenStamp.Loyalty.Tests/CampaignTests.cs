using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Engine;
using static SevenStamp.Loyalty.Tests.LoyaltyHarness;

namespace SevenStamp.Loyalty.Tests;

/// <summary>
/// Campaigns: each segment picks its cards; each card of the segment gets exactly one voucher of the campaign however
/// the run goes (twice, failed mid-way and taken over, two hosts racing on one database); a cancelled campaign sends
/// nothing; a pool that runs dry is counted and resumed by an import. On every provider (see the subclasses).
/// </summary>
public abstract class CampaignTests
{
    private const string OtherMerchant = "m-2";

    protected abstract LoyaltyStoreProvider Provider { get; }

    /// <summary>A card to seed: its age, its stamps, its customer's birth month and its sales (when, and whether refunded in full).</summary>
    private sealed record Seed(int AgeDays, int TotalStamps = 0, int Cycles = 0, int? BirthMonth = null, params (int DaysAgo, bool Refunded)[] Visits);

    /// <summary>Writes cards straight to the store (a customer each), with their stamp awards; returns their ids in order.</summary>
    private static Task<List<Guid>> SeedAsync(LoyaltyHarness loyalty, IEnumerable<Seed> seeds, string merchantId = MerchantId) => loyalty.QueryAsync(async db =>
    {
        var programId = await db.Programs.Where(p => p.MerchantId == merchantId).Select(p => p.Id).SingleAsync();
        var now = loyalty.Time.GetUtcNow();
        var ids = new List<Guid>();
        var sale = 0;
        foreach (var seed in seeds)
        {
            var customer = new Customer { Id = Guid.NewGuid(), MerchantId = merchantId, CreatedAt = now.AddDays(-seed.AgeDays), BirthMonth = seed.BirthMonth, BirthDay = seed.BirthMonth is null ? null : 15 };
            var card = new Card { Id = Guid.NewGuid(), ProgramId = programId, CustomerId = customer.Id, MerchantId = merchantId, TotalStamps = seed.TotalStamps, CyclesCompleted = seed.Cycles, CreatedAt = customer.CreatedAt, UpdatedAt = now };
            db.Customers.Add(customer);
            db.Cards.Add(card);
            foreach (var (daysAgo, refunded) in seed.Visits)
            {
                db.StampAwards.Add(new StampAward
                {
                    MerchantId = merchantId,
                    SourceSystem = ConnectorId,
                    ConnectorId = ConnectorId,
                    ExternalSaleId = $"seed-{card.Id:N}-{sale++}",
                    CardId = card.Id,
                    Stamps = 1,
                    StampsRevoked = refunded ? 1 : 0,
                    AwardedAt = now.AddDays(-daysAgo),
                });
            }

            ids.Add(card.Id);
        }

        await db.SaveChangesAsync();
        return ids;
    });

    private static Task<List<Guid>> SeedManyAsync(LoyaltyHarness loyalty, int count) => SeedAsync(loyalty, Enumerable.Range(0, count).Select(_ => new Seed(10)));

    private static CampaignDefinition Definition(CampaignSegment segment = CampaignSegment.AllCards, int? value = null) => new()
    {
        Name = "Spring thank-you",
        Reward = "A free cinnamon bun",
        ValidDays = 14,
        Segment = segment,
        SegmentValue = value,
    };

    private static async Task<Campaign> CreateAsync(LoyaltyHarness loyalty, CampaignDefinition definition, string merchantId = MerchantId)
    {
        var created = await loyalty.UseAsync<CampaignService, CampaignChange>(s => s.CreateAsync(merchantId, definition, "owner@example.test", CancellationToken.None));
        Assert.True(created.Outcome == CampaignOutcome.Done, string.Join("; ", created.Errors));
        return created.Campaign!;
    }

    private static Task<int> RunDueAsync(LoyaltyHarness loyalty) => loyalty.Services.GetRequiredService<CampaignRunner>().RunDueAsync(CancellationToken.None);

    private static Task<List<Voucher>> VouchersOfAsync(LoyaltyHarness loyalty, Guid campaignId) =>
        loyalty.QueryAsync(db => db.Vouchers.AsNoTracking().Where(v => v.CampaignId == campaignId).ToListAsync());

    private static Task<Campaign> ReloadAsync(LoyaltyHarness loyalty, Guid campaignId) =>
        loyalty.QueryAsync(db => db.Campaigns.AsNoTracking().SingleAsync(c => c.Id == campaignId));

    private static async Task<List<VoucherIssued>> IssuedEventsAsync(LoyaltyHarness loyalty, Guid campaignId) =>
        [.. (await loyalty.OutboxAsync<VoucherIssued>()).Where(e => e.CampaignId == campaignId)];

    private static void SetBatchSize(LoyaltyHarness loyalty, int size) => loyalty.Services.GetRequiredService<CampaignOptions>().BatchSize = size;

    [Fact]
    public async Task Run_EachSegment_GivesExactlyItsCardsOneVoucher()
    {
        // Arrange: today is 23 November; the goal is 10 stamps.
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider);
        var other = DefaultProgram();
        other.MerchantId = OtherMerchant;
        await loyalty.UseAsync<ProgramStore, LoyaltyProgram>(s => s.UpsertAsync(other, CancellationToken.None));
        var cards = await SeedAsync(loyalty, [
            new Seed(100, TotalStamps: 4, BirthMonth: 11, Visits: [(5, false)]),                  // a: visited lately, 4 stamps, birthday now
            new Seed(100, TotalStamps: 12, Cycles: 1, BirthMonth: 12, Visits: [(60, false)]),    // b: away 60 days, 2 stamps toward the next
            new Seed(100),                                                                        // c: never visited, an old card
            new Seed(10),                                                                         // d: never visited, a new card
            new Seed(100, TotalStamps: 7, Visits: [(2, true), (40, false)]),                      // e: its recent visit refunded in full
        ]);
        var (a, b, c, d, e) = (cards[0], cards[1], cards[2], cards[3], cards[4]);
        await SeedAsync(loyalty, [new Seed(100, TotalStamps: 9, BirthMonth: 11, Visits: [(1, false)])], OtherMerchant);
        var expected = new (CampaignDefinition Definition, Guid[] Cards)[]
        {
            (Definition(), [a, b, c, d, e]),
            (Definition(CampaignSegment.VisitedWithinDays, 30), [a]),
            (Definition(CampaignSegment.NotVisitedForDays, 30), [b, c, e]),
            (Definition(CampaignSegment.AtLeastStamps, 4), [a, e]),
            (Definition(CampaignSegment.BirthdayThisMonth), [a]),
            (new CampaignDefinition { Name = "Listed", Reward = "A free tea", Segment = CampaignSegment.CardList, CardListCsv = $"card_id\n{b}\n\n{d:N},note\n{b}\n" }, [b, d]),
        };

        // Act
        var previews = new List<CampaignPreview>();
        var campaigns = new List<Campaign>();
        foreach (var (definition, _) in expected)
        {
            previews.Add(await loyalty.UseAsync<CampaignService, CampaignPreview>(s => s.PreviewAsync(MerchantId, definition, CancellationToken.None)));
            campaigns.Add(await CreateAsync(loyalty, definition));
        }

        var completed = await RunDueAsync(loyalty);

        // Assert
        Assert.Equal(expected.Length, completed);
        for (var i = 0; i < expected.Length; i++)
        {
            var want = expected[i].Cards.Order().ToList();
            Assert.Equal(want.Count, previews[i].CardsInSegment);
            Assert.Equal(want, previews[i].Sample.Select(s => s.CardId).Order());
            var vouchers = await VouchersOfAsync(loyalty, campaigns[i].Id);
            Assert.Equal(want, vouchers.Select(v => v.CardId).Order());
            var campaign = await ReloadAsync(loyalty, campaigns[i].Id);
            Assert.Equal((CampaignState.Completed, want.Count, want.Count, 0), (campaign.State, campaign.CardsInSegment, campaign.VouchersIssued, campaign.PoolShortfall));
        }

        Assert.Equal(new[] { (a, 4), (e, 7) }.OrderBy(s => s.Item1), previews[3].Sample.Select(s => (s.CardId, s.Stamps)).OrderBy(s => s.CardId));
        var sent = await loyalty.OutboxAsync<CampaignSent>();
        Assert.Equal(campaigns.Select(c => c.Id).Order(), sent.Select(s => s.CampaignId).Order());
    }

    [Fact]
    public async Task Run_Twice_IssuesEachCardsVoucherOnceWithItsHistoryAndEvent()
    {
        // Arrange
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider);
        SetBatchSize(loyalty, 7);
        var cards = await SeedManyAsync(loyalty, 25);
        var campaign = await CreateAsync(loyalty, Definition());
        await RunDueAsync(loyalty);

        // Act: the campaign is put back to running, as if its completion had never been written, and runs again.
        await loyalty.QueryAsync(db => db.Campaigns.Where(c => c.Id == campaign.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.State, CampaignState.Running).SetProperty(c => c.LockedBy, (string?)null)));
        var again = await RunDueAsync(loyalty);

        // Assert
        Assert.Equal(1, again);
        var vouchers = await VouchersOfAsync(loyalty, campaign.Id);
        Assert.Equal(cards.Order(), vouchers.Select(v => v.CardId).Order());
        Assert.All(vouchers, v => Assert.Equal((VoucherKind.Campaign, "A free cinnamon bun", (RedemptionPath?)RedemptionPath.RedeemCode, v.IssuedAt.AddDays(14)), (v.Kind, v.Reward, v.RedemptionPath, v.ExpiresAt!.Value)));
        Assert.Equal(25, vouchers.Select(v => v.NormalizedCode).Distinct().Count());
        var events = await IssuedEventsAsync(loyalty, campaign.Id);
        Assert.Equal(vouchers.Select(v => v.Id).Order(), events.Select(e => e.VoucherId).Order());
        Assert.All(events, e => Assert.Equal("campaign", e.Kind));
        var ids = vouchers.Select(v => v.Id).ToList();
        var notes = await loyalty.QueryAsync(db => db.VoucherHistory.Where(h => ids.Contains(h.VoucherId)).Select(h => h.Note).ToListAsync());
        Assert.Equal(25, notes.Count);
        Assert.All(notes, n => Assert.Contains("Spring thank-you", n, StringComparison.Ordinal));
        Assert.Equal(25, (await ReloadAsync(loyalty, campaign.Id)).VouchersIssued);
    }

    [Fact]
    public async Task Run_BatchSpanningSeveralStatementsWithCardsThatHaveTheirVoucher_IssuesOnlyTheMissingOnes()
    {
        // Arrange: one batch of 600 cards is written as several multi-row statements; half the cards, spread over
        // every statement, keep the voucher of a first run.
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider);
        var cards = await SeedManyAsync(loyalty, 600);
        var campaign = await CreateAsync(loyalty, Definition());
        await RunDueAsync(loyalty);
        var first = (await VouchersOfAsync(loyalty, campaign.Id)).ToDictionary(v => v.CardId, v => v.Id);
        var dropped = cards.Order().Where((_, i) => i % 2 == 0).ToList();
        var droppedVouchers = dropped.Select(c => first[c]).ToList();
        await loyalty.QueryAsync(db => db.Vouchers.Where(v => droppedVouchers.Contains(v.Id)).ExecuteDeleteAsync());
        await loyalty.QueryAsync(db => db.Campaigns.Where(c => c.Id == campaign.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.State, CampaignState.Running).SetProperty(c => c.LockedBy, (string?)null)));

        // Act
        await RunDueAsync(loyalty);

        // Assert
        var vouchers = await VouchersOfAsync(loyalty, campaign.Id);
        Assert.Equal(cards.Order(), vouchers.Select(v => v.CardId).Order());
        var kept = vouchers.Where(v => !dropped.Contains(v.CardId)).ToList();
        Assert.All(kept, v => Assert.Equal(first[v.CardId], v.Id));
        var reissued = vouchers.Where(v => dropped.Contains(v.CardId)).Select(v => v.Id).ToList();
        Assert.Equal(300, reissued.Count);
        Assert.DoesNotContain(reissued, droppedVouchers.Contains);
        var events = await IssuedEventsAsync(loyalty, campaign.Id);
        Assert.Equal(first.Values.Concat(reissued).Order(), events.Select(e => e.VoucherId).Order());
        var ids = vouchers.Select(v => v.Id).ToList();
        var history = await loyalty.QueryAsync(db => db.VoucherHistory.Where(h => ids.Contains(h.VoucherId)).Select(h => h.VoucherId).ToListAsync());
        Assert.Equal(ids.Order(), history.Order());
        Assert.Equal(600, (await ReloadAsync(loyalty, campaign.Id)).VouchersIssued);
    }

    [Fact]
    public async Task Run_FailsOnTheSecondBatchThenAnotherRunnerTakesOver_IssuesEachVoucherOnce()
    {
        // Arrange: 35 cards in batches of 10; runner A's database fails at its second batch of vouchers.
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider);
        SetBatchSize(loyalty, 10);
        var cards = await SeedManyAsync(loyalty, 35);
        var campaign = await CreateAsync(loyalty, Definition());
        var runnerA = ActivatorUtilities.CreateInstance<CampaignRunner>(loyalty.Services);
        var runnerB = ActivatorUtilities.CreateInstance<CampaignRunner>(loyalty.Services);
        var failing = new FailOnVoucherInsert(2);
        var (_, context) = loyalty.EngineWith(failing);
        await using (context)
        {
            var issuer = runnerA.Issuer(loyalty.Services, context);
            var claimed = await issuer.ClaimDueAsync(CancellationToken.None);
            Assert.Equal(campaign.Id, claimed);
            await Assert.ThrowsAsync<InvalidOperationException>(() => issuer.RunAsync(campaign.Id, CancellationToken.None));
        }

        var afterFailure = (await VouchersOfAsync(loyalty, campaign.Id)).Count;
        var whileLeaseHolds = await runnerB.RunDueAsync(CancellationToken.None);

        // Act: runner A's lease runs out; runner B takes the campaign over.
        loyalty.Time.Advance(TimeSpan.FromMinutes(3));
        var takenOver = await runnerB.RunDueAsync(CancellationToken.None);

        // Assert
        Assert.Equal((10, 0, 1), (afterFailure, whileLeaseHolds, takenOver));
        var vouchers = await VouchersOfAsync(loyalty, campaign.Id);
        Assert.Equal(cards.Order(), vouchers.Select(v => v.CardId).Order());
        Assert.Equal(35, (await IssuedEventsAsync(loyalty, campaign.Id)).Count);
        var done = await ReloadAsync(loyalty, campaign.Id);
        Assert.Equal((CampaignState.Completed, 35, 35, (string?)null), (done.State, done.CardsInSegment, done.VouchersIssued, done.LockedBy));
        Assert.Equal(35, Assert.Single(await loyalty.OutboxAsync<CampaignSent>()).VouchersIssued);
    }

    [Fact]
    public async Task RunDue_TwoHostsOnOneDatabaseAndAScheduledCampaign_RunItOnceWhenTheClockPassesItsStart()
    {
        // Arrange
        await using var first = await LoyaltyHarness.StartAsync(Provider);
        await using var second = await LoyaltyHarness.StartBesideAsync(first);
        SetBatchSize(first, 8);
        SetBatchSize(second, 8);
        var cards = await SeedManyAsync(first, 40);
        var definition = Definition();
        definition.StartAt = first.Time.GetUtcNow().AddHours(1);
        var campaign = await CreateAsync(first, definition);
        var early = await Task.WhenAll(RunDueAsync(first), RunDueAsync(second));

        // Act: both clocks pass the start; both hosts look at once, twice.
        first.Time.Advance(TimeSpan.FromHours(2));
        second.Time.Advance(TimeSpan.FromHours(2));
        var runs = await Task.WhenAll(RunDueAsync(first), RunDueAsync(second));
        var again = await Task.WhenAll(RunDueAsync(first), RunDueAsync(second));

        // Assert
        Assert.Equal([0, 0], early);
        Assert.Equal(1, runs.Sum());
        Assert.Equal([0, 0], again);
        var vouchers = await VouchersOfAsync(first, campaign.Id);
        Assert.Equal(cards.Order(), vouchers.Select(v => v.CardId).Order());
        Assert.Equal(40, (await IssuedEventsAsync(first, campaign.Id)).Count);
        Assert.Single(await first.OutboxAsync<CampaignSent>());
        var done = await ReloadAsync(first, campaign.Id);
        Assert.Equal(first.Time.GetUtcNow(), done.StartedAt!.Value);
    }

    [Fact]
    public async Task Cancel_BeforeItStarts_NothingIsIssuedAndItCannotBeCancelledTwice()
    {
        // Arrange
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider);
        await SeedManyAsync(loyalty, 5);
        var definition = Definition();
        definition.StartAt = loyalty.Time.GetUtcNow().AddDays(1);
        var campaign = await CreateAsync(loyalty, definition);

        // Act
        var byOther = await loyalty.UseAsync<CampaignService, CampaignChange>(s => s.CancelAsync(OtherMerchant, campaign.Id, CancellationToken.None));
        var cancelled = await loyalty.UseAsync<CampaignService, CampaignChange>(s => s.CancelAsync(MerchantId, campaign.Id, CancellationToken.None));
        var twice = await loyalty.UseAsync<CampaignService, CampaignChange>(s => s.CancelAsync(MerchantId, campaign.Id, CancellationToken.None));
        loyalty.Time.Advance(TimeSpan.FromDays(2));
        var ran = await RunDueAsync(loyalty);

        // Assert
        Assert.Equal((CampaignOutcome.NotFound, CampaignOutcome.Done, CampaignOutcome.Conflict, 0), (byOther.Outcome, cancelled.Outcome, twice.Outcome, ran));
        Assert.Equal(CampaignState.Cancelled, cancelled.Campaign!.State);
        Assert.Empty(await VouchersOfAsync(loyalty, campaign.Id));
        Assert.Empty(await loyalty.OutboxAsync<CampaignSent>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Run_PoolRunsDry_CountsTheShortfallAndAnImportSendsToTheCardsLeft(bool throughProgramPool)
    {
        // Arrange: 12 cards; the campaign's own pool holds 5 codes when it starts.
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider);
        SetBatchSize(loyalty, 4);
        var cards = await SeedManyAsync(loyalty, 12);
        var definition = Definition();
        definition.CodeSource = RedeemCodeSource.Pool;
        definition.StartAt = loyalty.Time.GetUtcNow().AddHours(1);
        var campaign = await CreateAsync(loyalty, definition);
        await ImportAsync(loyalty, campaign.Id, "SPRING-01\nSPRING-02\nSPRING-03\nSPRING-04\nSPRING-05");
        loyalty.Time.Advance(TimeSpan.FromHours(2));
        await RunDueAsync(loyalty);
        var dry = await ReloadAsync(loyalty, campaign.Id);

        // Act
        var more = string.Join('\n', Enumerable.Range(6, 10).Select(i => $"SPRING-{i:00}"));
        var import = throughProgramPool
            ? await loyalty.UseAsync<RedeemCodePool, PoolImport>(s => s.ImportAsync(MerchantId, PoolCode.CampaignPool(campaign.Id), "text/csv", System.Text.Encoding.UTF8.GetBytes(more), CancellationToken.None))
            : await ImportAsync(loyalty, campaign.Id, more);
        var resumed = await ReloadAsync(loyalty, campaign.Id);
        await RunDueAsync(loyalty);

        // Assert
        Assert.Equal((CampaignState.Completed, 5, 7), (dry.State, dry.VouchersIssued, dry.PoolShortfall));
        Assert.Equal((10, CampaignState.Running), (import!.Added, resumed.State));
        var done = await ReloadAsync(loyalty, campaign.Id);
        Assert.Equal((CampaignState.Completed, 12, 0), (done.State, done.VouchersIssued, done.PoolShortfall));
        var vouchers = await VouchersOfAsync(loyalty, campaign.Id);
        Assert.Equal(cards.Order(), vouchers.Select(v => v.CardId).Order());
        Assert.Equal(Enumerable.Range(1, 12).Select(i => $"SPRING-{i:00}"), vouchers.Select(v => v.Code).Order(StringComparer.Ordinal));
        var pool = await loyalty.QueryAsync(db => db.PoolCodes.AsNoTracking().Where(p => p.Pool == PoolCode.CampaignPool(campaign.Id)).ToListAsync());
        Assert.Equal(3, pool.Count(p => p.VoucherId == null));
        Assert.All(vouchers, v => Assert.Equal(v.Id, pool.Single(p => p.NormalizedCode == v.NormalizedCode).VoucherId));
        var sent = await loyalty.OutboxAsync<CampaignSent>();
        Assert.Equal([(5, 7), (12, 0)], sent.Select(s => (s.VouchersIssued, s.PoolShortfall)));
    }

    [Fact]
    public async Task Create_InvalidFieldsAndAListWithStrangersAndNonsense_NamesEachProblemAndStoresNothing()
    {
        // Arrange
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider);
        var other = DefaultProgram();
        other.MerchantId = OtherMerchant;
        await loyalty.UseAsync<ProgramStore, LoyaltyProgram>(s => s.UpsertAsync(other, CancellationToken.None));
        var mine = (await SeedManyAsync(loyalty, 1))[0];
        var theirs = (await SeedAsync(loyalty, [new Seed(10)], OtherMerchant))[0];
        var unknown = Guid.NewGuid();
        var badFields = new CampaignDefinition { Reward = " ", ValidDays = 0, Segment = CampaignSegment.NotVisitedForDays, CodePrefix = "spring" };
        var badList = new CampaignDefinition { Name = "Listed", Reward = "A free tea", Segment = CampaignSegment.CardList, CardListCsv = $"{mine}\nnot-a-card\n{theirs}\n{unknown}" };

        // Act
        var fields = await loyalty.UseAsync<CampaignService, CampaignChange>(s => s.CreateAsync(MerchantId, badFields, null, CancellationToken.None));
        var list = await loyalty.UseAsync<CampaignService, CampaignChange>(s => s.CreateAsync(MerchantId, badList, null, CancellationToken.None));
        var noProgram = await loyalty.UseAsync<CampaignService, CampaignChange>(s => s.CreateAsync("m-none", Definition(), null, CancellationToken.None));

        // Assert
        Assert.Equal(CampaignOutcome.Invalid, fields.Outcome);
        Assert.Equal(["codePrefix", "name", "reward", "segmentValue", "validDays"], fields.Errors.Select(e => e.Field).Order(StringComparer.Ordinal));
        Assert.Equal(CampaignOutcome.Invalid, list.Outcome);
        Assert.Equal(3, list.Errors.Count);
        Assert.All(list.Errors, e => Assert.Equal("cardListCsv", e.Field));
        Assert.StartsWith("line 2: \"not-a-card\" is not a card id", list.Errors[0].Message, StringComparison.Ordinal);
        Assert.StartsWith($"line 3: no card of yours has the id {theirs}", list.Errors[1].Message, StringComparison.Ordinal);
        Assert.StartsWith($"line 4: no card of yours has the id {unknown}", list.Errors[2].Message, StringComparison.Ordinal);
        Assert.Equal(CampaignOutcome.NoProgram, noProgram.Outcome);
        Assert.Equal(0, await loyalty.QueryAsync(db => db.Campaigns.CountAsync()));
    }

    private static Task<PoolImport?> ImportAsync(LoyaltyHarness loyalty, Guid campaignId, string csv) =>
        loyalty.UseAsync<CampaignService, PoolImport?>(s => s.ImportPoolAsync(MerchantId, campaignId, "text/csv", System.Text.Encoding.UTF8.GetBytes(csv), CancellationToken.None));

    /// <summary>Fails the <paramref name="nth"/> multi-row insert of vouchers, as a database that goes away mid-run would.</summary>
    private sealed class FailOnVoucherInsert(int nth) : DbCommandInterceptor
    {
        private int _seen;

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.StartsWith("INSERT INTO vouchers", StringComparison.Ordinal) && Interlocked.Increment(ref _seen) == nth)
            {
                throw new InvalidOperationException("The database went away (a test's failure).");
            }

            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }
    }
}

public sealed class CampaignSqliteTests : CampaignTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.Sqlite;
}

public sealed class CampaignPostgresTests : CampaignTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.PostgreSql;
}
