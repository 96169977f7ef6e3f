using Microsoft.EntityFrameworkCore;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Engine;
using static SevenStamp.Loyalty.Tests.LoyaltyHarness;

namespace SevenStamp.Loyalty.Tests;

/// <summary>
/// Visit milestones: a reward at a card's Nth qualifying visit, beside the stamp cycle and independent of it, minted
/// once per card however the sales arrive (one by one, repeated, in a batch, refunded and made again), with its own
/// reward, expiry, redemption path and code source. On every provider (see the subclasses).
/// </summary>
public abstract class VisitMilestoneTests
{
    protected abstract LoyaltyStoreProvider Provider { get; }

    private static ProgramDefinition ProgramWithMilestones(params VisitMilestone[] milestones)
    {
        var program = DefaultProgram();
        program.StampGoal = 3;
        program.Milestones = [.. milestones];
        return program;
    }

    private static readonly VisitMilestone Pastry = new() { Visit = 2, Reward = "A free pastry", ValidDays = 7, RedemptionPath = RedemptionPath.SelfRedeem };
    private static readonly VisitMilestone Beans = new() { Visit = 5, Reward = "A bag of beans" };

    private static Task<List<Voucher>> VouchersAsync(LoyaltyHarness loyalty) =>
        loyalty.QueryAsync(async db => (await db.Vouchers.AsNoTracking().ToListAsync()).OrderBy(v => v.Kind).ThenBy(v => v.MilestoneVisit).ThenBy(v => v.Cycle).ToList());

    [Fact]
    public async Task ApplySale_FiveVisitsWithRepeats_MintsEachMilestoneOnceBesideTheStampGoal()
    {
        // Arrange
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider, ProgramWithMilestones(Pastry, Beans));

        // Act: five visits, two of them delivered twice.
        foreach (var sale in new[] { "S-1", "S-2", "S-2", "S-3", "S-4", "S-5", "S-5" })
        {
            await loyalty.SaleAsync(Sale(sale));
        }

        // Assert
        var vouchers = await VouchersAsync(loyalty);
        Assert.Equal(
            [(VoucherKind.Goal, (int?)null, "A free coffee"), (VoucherKind.Milestone, 2, "A free pastry"), (VoucherKind.Milestone, 5, "A bag of beans")],
            vouchers.Select(v => (v.Kind, v.MilestoneVisit, v.Reward)));
        var pastry = vouchers[1];
        Assert.Equal((RedemptionPath?)RedemptionPath.SelfRedeem, pastry.RedemptionPath);
        Assert.Equal(pastry.IssuedAt.AddDays(7), pastry.ExpiresAt);
        Assert.Null(vouchers[2].ExpiresAt);
        Assert.Equal((1, (RedemptionPath?)RedemptionPath.RedeemCode), (vouchers[0].Cycle, vouchers[0].RedemptionPath));

        var issued = await loyalty.OutboxAsync<VoucherIssued>();
        Assert.Equal(["milestone", "goal", "milestone"], issued.Select(e => e.Kind));
        Assert.Equal([(int?)2, null, 5], issued.Select(e => e.MilestoneVisit));
    }

    [Fact]
    public async Task ApplySales_OneBatchOfSixVisits_MintsEachMilestoneOnce()
    {
        // Arrange
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider, ProgramWithMilestones(Pastry, Beans));
        SaleCompleted[] batch = [.. Enumerable.Range(1, 6).Select(i => Sale($"S-{i}")), Sale("S-2")];

        // Act
        var errors = await loyalty.UseAsync<LoyaltyEngine, IReadOnlyList<Exception?>>(engine => engine.ApplySalesAsync(batch, CancellationToken.None));

        // Assert
        Assert.All(errors, Assert.Null);
        var vouchers = await VouchersAsync(loyalty);
        Assert.Equal([2, 5], vouchers.Where(v => v.Kind == VoucherKind.Milestone).Select(v => v.MilestoneVisit!.Value).Order());
        Assert.Equal([1, 2], vouchers.Where(v => v.Kind == VoucherKind.Goal).Select(v => v.Cycle).Order());
    }

    [Fact]
    public async Task ApplyRefund_OfTheVisitThatReachedAMilestone_KeepsItsVoucherAndTheNextVisitDoesNotMintItAgain()
    {
        // Arrange
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider, ProgramWithMilestones(Pastry));
        await loyalty.SaleAsync(Sale("S-1"));
        await loyalty.SaleAsync(Sale("S-2"));

        // Act: the second visit is refunded in full (one visit left), then a new visit makes two again.
        await loyalty.RefundAsync(Refund("R-2", "S-2", 4.20m, full: true));
        await loyalty.SaleAsync(Sale("S-3"));

        // Assert
        var milestone = Assert.Single(await VouchersAsync(loyalty), v => v.Kind == VoucherKind.Milestone);
        Assert.Equal((VoucherState.Issued, (int?)2), (milestone.State, milestone.MilestoneVisit));
        var visits = await loyalty.QueryAsync(db => db.StampAwards.CountAsync(a => a.Stamps > a.StampsRevoked));
        Assert.Equal(2, visits);
    }

    [Fact]
    public async Task ImportPoolCodes_MilestonePoolWasEmptyWhenReached_MintsTheOwedMilestoneWithAPoolCode()
    {
        // Arrange
        var fromPool = new VisitMilestone { Visit = 1, Reward = "A free cookie", CodeSource = RedeemCodeSource.Pool };
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider, ProgramWithMilestones(fromPool));
        await loyalty.SaleAsync(Sale("S-1"));
        var before = await VouchersAsync(loyalty);
        var programId = await loyalty.QueryAsync(db => db.Programs.Select(p => p.Id).SingleAsync());

        // Act
        var (added, minted) = await loyalty.UseAsync<LoyaltyEngine, (int, int)>(e => e.ImportPoolCodesAsync(programId, PoolCode.MilestonePool(1), ["COOKIE-1", "COOKIE-2"], CancellationToken.None));

        // Assert
        Assert.Empty(before);
        Assert.Equal((2, 1), (added, minted));
        var cookie = Assert.Single(await VouchersAsync(loyalty));
        Assert.Equal(("COOKIE-1", VoucherKind.Milestone, (int?)1), (cookie.Code, cookie.Kind, cookie.MilestoneVisit));
        var goalPoolLeft = await loyalty.QueryAsync(db => db.PoolCodes.CountAsync(p => p.Pool == PoolCode.GoalPool));
        Assert.Equal(0, goalPoolLeft);
    }

    [Fact]
    public async Task ImportPool_NamedPools_FillsTheMilestonesPoolAndRefusesAPoolThatIsNoneOfTheProgramsNamingTheField()
    {
        // Arrange
        var fromPool = new VisitMilestone { Visit = 1, Reward = "A free cookie", CodeSource = RedeemCodeSource.Pool };
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider, ProgramWithMilestones(fromPool));
        await loyalty.SaleAsync(Sale("S-1"));
        var csv = "code\nCOOKIE-9\n"u8.ToArray();

        // Act
        var wrongVisit = await loyalty.UseAsync<RedeemCodePool, PoolImport>(p => p.ImportAsync(MerchantId, "milestone:2", "text/csv", csv, CancellationToken.None));
        var unknown = await loyalty.UseAsync<RedeemCodePool, PoolImport>(p => p.ImportAsync(MerchantId, "birthday", "text/csv", csv, CancellationToken.None));
        var otherCampaign = await loyalty.UseAsync<RedeemCodePool, PoolImport>(p => p.ImportAsync(MerchantId, PoolCode.CampaignPool(Guid.NewGuid()), "text/csv", csv, CancellationToken.None));
        var milestone = await loyalty.UseAsync<RedeemCodePool, PoolImport>(p => p.ImportAsync(MerchantId, PoolCode.MilestonePool(1), "text/csv", csv, CancellationToken.None));

        // Assert
        Assert.All([wrongVisit, unknown, otherCampaign], i => Assert.Equal(PoolImportOutcome.Invalid, i.Outcome));
        Assert.StartsWith("pool \"milestone:2\" is no milestone of the program", wrongVisit.Error, StringComparison.Ordinal);
        Assert.Contains("\"campaign:<id>\"", unknown.Error, StringComparison.Ordinal);
        Assert.Equal((PoolImportOutcome.Imported, 1, 1), (milestone.Outcome, milestone.Added, milestone.VouchersMinted));
        Assert.Equal("COOKIE-9", Assert.Single(await VouchersAsync(loyalty)).Code);
    }

    [Fact]
    public async Task Redeem_MilestoneOwnPathsUnderARedeemCodeProgram_SelfRedeemsTheSelfRedeemOneAndASaleRedeemsTheCodeOne()
    {
        // Arrange: the program's path is Redeem Code; the pastry's is self-redeem.
        var byCode = new VisitMilestone { Visit = 3, Reward = "A free muffin" };
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider, ProgramWithMilestones(Pastry, byCode));
        await loyalty.SaleAsync(Sale("S-1"));
        await loyalty.SaleAsync(Sale("S-2"));
        await loyalty.SaleAsync(Sale("S-3"));
        var vouchers = await VouchersAsync(loyalty);
        var pastry = vouchers.Single(v => v.MilestoneVisit == 2);
        var muffin = vouchers.Single(v => v.MilestoneVisit == 3);
        var coffee = vouchers.Single(v => v.Kind == VoucherKind.Goal);

        // Act
        var self = await loyalty.UseAsync<LoyaltyEngine, RedemptionResult>(e => e.RedeemAsync(MerchantId, pastry.Id, null, RedemptionMethod.SelfRedeem, null, null, CancellationToken.None));
        var selfCoffee = await loyalty.UseAsync<LoyaltyEngine, RedemptionResult>(e => e.RedeemAsync(MerchantId, coffee.Id, null, RedemptionMethod.SelfRedeem, null, null, CancellationToken.None));
        var sale = await loyalty.SaleAsync(Sale("S-4", codes: muffin.Code));

        // Assert
        Assert.Equal(RedemptionOutcome.RedeemedNow, self.Outcome);
        Assert.Equal(RedemptionOutcome.NotAllowed, selfCoffee.Outcome);
        Assert.Equal(1, sale.VouchersRedeemed);
        var after = await VouchersAsync(loyalty);
        Assert.Equal(VoucherState.Redeemed, after.Single(v => v.Id == muffin.Id).State);
        Assert.Equal(VoucherState.Issued, after.Single(v => v.Id == coffee.Id).State);
    }

    [Fact]
    public async Task ApplySale_StaffScanMilestoneCodeCarriedByASale_LeavesItIssuedAndRejectsNothing()
    {
        // Arrange
        var scanOnly = new VisitMilestone { Visit = 1, Reward = "A free tea", RedemptionPath = RedemptionPath.StaffScan };
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider, ProgramWithMilestones(scanOnly));
        await loyalty.SaleAsync(Sale("S-1"));
        var tea = Assert.Single(await VouchersAsync(loyalty));

        // Act
        var outcome = await loyalty.SaleAsync(Sale("S-2", codes: tea.Code));

        // Assert
        Assert.Equal((0, 0), (outcome.VouchersRedeemed, outcome.CodesRejected));
        Assert.Equal(VoucherState.Issued, (await VouchersAsync(loyalty)).Single(v => v.Id == tea.Id).State);
    }

    [Fact]
    public void Validate_MilestonesWithARepeatedVisitNoRewardAndABadExpiry_NamesEachField()
    {
        // Arrange
        var program = ProgramWithMilestones(
            new VisitMilestone { Visit = 5, Reward = "Beans" },
            new VisitMilestone { Visit = 5, Reward = " ", ValidDays = 0 },
            new VisitMilestone { Visit = 0, Reward = "Cake" });

        // Act
        var errors = program.Validate(DateTimeOffset.UtcNow);

        // Assert
        Assert.Equal(
            ["Milestones[1].Visit", "Milestones[1].Reward", "Milestones[1].ValidDays", "Milestones[2].Visit"],
            errors.Select(e => e.Field));
        Assert.Contains("repeats visit 5", errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveProgram_MilestonesLeftOut_KeepsTheProgramsMilestones()
    {
        // Arrange
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider, ProgramWithMilestones(Pastry, Beans));
        var update = DefaultProgram();
        update.Reward = "A free flat white";

        // Act
        await loyalty.UseAsync<ProgramStore, ProgramSave>(store => store.SaveAsync(update, CancellationToken.None));

        // Assert
        var program = await loyalty.QueryAsync(db => db.Programs.AsNoTracking().SingleAsync());
        Assert.Equal("A free flat white", program.Reward);
        Assert.Equal([Pastry, Beans], program.Milestones);
        Assert.Equal("[{\"visit\":2,\"reward\":\"A free pastry\",\"validDays\":7,\"redemptionPath\":\"SelfRedeem\",\"codeSource\":\"Generated\"},{\"visit\":5,\"reward\":\"A bag of beans\",\"validDays\":null,\"redemptionPath\":\"RedeemCode\",\"codeSource\":\"Generated\"}]",
            await loyalty.QueryAsync(db => db.Database.SqlQueryRaw<string>("SELECT milestones AS \"Value\" FROM programs").SingleAsync()));
    }
}

public sealed class VisitMilestoneSqliteTests : VisitMilestoneTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.Sqlite;
}

public sealed class VisitMilestonePostgresTests : VisitMilestoneTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.PostgreSql;
}
