using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SevenStamp.Http.Access;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Engine;

namespace SevenStamp.Loyalty.Tests;

/// <summary>
/// The counter scanner's rule (<see cref="CounterScans"/>): what a scanned code is and what follows, the kiosk's one
/// stamp per card per interval (read from the stamp ledger, under the card's row lock), and the staff's locations.
/// </summary>
public abstract class CounterScansTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected abstract LoyaltyStoreProvider Provider { get; }

    private static Caller Staff(params string[] locations) =>
        new(CallerKind.Person, "sam", LoyaltyHarness.MerchantId, new HashSet<Permission> { Permission.Redeem }) { Locations = locations.Length == 0 ? null : locations.ToHashSet() };

    [Fact]
    public async Task ScanAsync_KioskTwiceThenAfterTheInterval_StampsThenRefusesWithTheNextTimeThenStampsAgain()
    {
        // Arrange
        await using var harness = await LoyaltyHarness.StartAsync(Provider);
        var card = await CardAsync(harness, "KIOSK-1");
        var start = harness.Time.GetUtcNow();

        // Act
        var first = await ScanAsync(harness, Staff(), card.ToString("N"), ScanMode.Kiosk);
        harness.Time.Advance(TimeSpan.FromMinutes(59));
        var second = await ScanAsync(harness, Staff(), card.ToString("N"), ScanMode.Kiosk);
        harness.Time.Advance(TimeSpan.FromMinutes(1));
        var third = await ScanAsync(harness, Staff(), card.ToString("N"), ScanMode.Kiosk);

        // Assert
        Assert.Equal((ScanOutcome.Stamped, 1), (first.Outcome, first.Card!.Progress));
        Assert.Equal((ScanOutcome.TooSoon, 1, start + Interval), (second.Outcome, second.Card!.Progress, second.NextStampAt));
        Assert.Equal((ScanOutcome.Stamped, 2), (third.Outcome, third.Card!.Progress));
        var ledger = await harness.QueryAsync(db => db.StampAdjustments.Where(a => a.CardId == card).Select(a => new { a.Reason, a.Actor }).ToListAsync());
        Assert.Equal(2, ledger.Count);
        Assert.All(ledger, line => Assert.Equal(("Kiosk stamp", "sam"), (line.Reason, line.Actor)));
    }

    [Fact]
    public async Task ScanAsync_TwoKiosksScanOneCardAtOnce_StampOnce()
    {
        // Arrange: eight kiosks, each with its own scope and connection, scanning the same card at the same moment.
        await using var harness = await LoyaltyHarness.StartAsync(Provider);
        var card = await CardAsync(harness, "KIOSK-2");
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Act
        var scans = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
#pragma warning disable VSTHRD003 // The starting gun is this test's own.
            await go.Task;
#pragma warning restore VSTHRD003
            return await ScanAsync(harness, Staff(), card.ToString("N"), ScanMode.Kiosk);
        })).ToList();
        go.SetResult();
        var results = await Task.WhenAll(scans);

        // Assert
        Assert.Single(results, r => r.Outcome == ScanOutcome.Stamped);
        Assert.All(results.Where(r => r.Outcome != ScanOutcome.Stamped), r => Assert.Equal(ScanOutcome.TooSoon, r.Outcome));
        Assert.Equal(1, await harness.QueryAsync(db => db.Cards.Where(c => c.Id == card).Select(c => c.TotalStamps).SingleAsync()));
        Assert.Equal(1, await harness.QueryAsync(db => db.StampAdjustments.CountAsync(a => a.CardId == card)));
    }

    [Fact]
    public async Task ScanAsync_KioskStampOfAnotherLocationWithinTheInterval_IsRefusedToo()
    {
        // Arrange: the interval is the card's, whichever of the merchant's kiosks it was scanned at.
        await using var harness = await LoyaltyHarness.StartAsync(Provider);
        var card = await CardAsync(harness, "KIOSK-3");
        await ScanAsync(harness, Staff(), card.ToString("N"), ScanMode.Kiosk, "north");

        // Act
        var south = await ScanAsync(harness, Staff(), card.ToString("N"), ScanMode.Kiosk, "south");

        // Assert
        Assert.Equal(ScanOutcome.TooSoon, south.Outcome);
        Assert.Equal("Kiosk stamp at location north", await harness.QueryAsync(db => db.StampAdjustments.Where(a => a.CardId == card).Select(a => a.Reason).SingleAsync()));
    }

    [Fact]
    public async Task ScanAsync_ManualThenAutopilotAtTheGoal_ShowsWithoutStampingThenStampsAndMintsTheVoucher()
    {
        // Arrange: a card one stamp short of the goal of ten.
        await using var harness = await LoyaltyHarness.StartAsync(Provider);
        var card = await CardAsync(harness, "COUNTER-1");
        await harness.UseAsync<LoyaltyEngine, StampAdjustmentResult>(e => e.AdjustStampsAsync(LoyaltyHarness.MerchantId, card, 9, "earlier visits", "owner", CancellationToken.None));

        // Act
        var shown = await ScanAsync(harness, Staff(), card.ToString("N"), ScanMode.Manual);
        var stamped = await ScanAsync(harness, Staff(), card.ToString("D"), ScanMode.Autopilot);

        // Assert
        Assert.Equal((ScanOutcome.CardFound, 9, 10), (shown.Outcome, shown.Card!.Progress, shown.Card.Goal));
        Assert.Equal((ScanOutcome.Stamped, 0, 1), (stamped.Outcome, stamped.Card!.Progress, stamped.Card.VouchersIssued));
        var voucher = Assert.Single(stamped.Card.Ready);
        Assert.Equal("A free coffee", voucher.Reward);
        Assert.Equal(10, await harness.QueryAsync(db => db.Cards.Where(c => c.Id == card).Select(c => c.TotalStamps).SingleAsync()));
    }

    [Fact]
    public async Task ScanAsync_VoucherCodeTwiceAndAtAKiosk_RedeemsOnceThenSaysWhoAndTheKioskLeavesItAlone()
    {
        // Arrange
        await using var harness = await LoyaltyHarness.StartAsync(Provider);
        var card = await CardAsync(harness, "COUNTER-2");
        await harness.UseAsync<LoyaltyEngine, StampAdjustmentResult>(e => e.AdjustStampsAsync(LoyaltyHarness.MerchantId, card, 10, "ten visits", "owner", CancellationToken.None));
        var code = await harness.QueryAsync(db => db.Vouchers.Where(v => v.CardId == card).Select(v => v.Code).SingleAsync());

        // Act
        var atKiosk = await ScanAsync(harness, Staff(), code, ScanMode.Kiosk);
        var first = await ScanAsync(harness, Staff(), code.ToLowerInvariant(), ScanMode.Autopilot);
        var second = await ScanAsync(harness, Staff(), code, ScanMode.Manual);
        var unknown = await ScanAsync(harness, Staff(), "CAFE-NOSUCH", ScanMode.Autopilot);

        // Assert
        Assert.Equal(ScanOutcome.VoucherAtKiosk, atKiosk.Outcome);
        Assert.Equal(ScanOutcome.Redeemed, first.Outcome);
        Assert.Equal((ScanOutcome.AlreadyRedeemed, "sam"), (second.Outcome, second.Voucher!.RedeemedByStaffId));
        Assert.StartsWith("Already redeemed at", second.Message, StringComparison.Ordinal);
        Assert.Equal(ScanOutcome.Unknown, unknown.Outcome);
    }

    [Fact]
    public async Task ScanAsync_StaffOfSomeLocations_ScanOnlyAtOneOfTheirs()
    {
        // Arrange
        await using var harness = await LoyaltyHarness.StartAsync(Provider);
        var card = await CardAsync(harness, "COUNTER-3");
        var staff = Staff("north", "east");

        // Act
        var nowhere = await ScanAsync(harness, staff, card.ToString("N"), ScanMode.Autopilot);
        var elsewhere = await ScanAsync(harness, staff, card.ToString("N"), ScanMode.Autopilot, "south");
        var theirs = await ScanAsync(harness, staff, card.ToString("N"), ScanMode.Autopilot, "east");

        // Assert
        Assert.Equal((ScanOutcome.NotHere, ScanOutcome.NotHere, ScanOutcome.Stamped), (nowhere.Outcome, elsewhere.Outcome, theirs.Outcome));
        Assert.Equal("Counter scan at location east", await harness.QueryAsync(db => db.StampAdjustments.Where(a => a.CardId == card).Select(a => a.Reason).SingleAsync()));
    }

    [Theory]
    [InlineData("code", null, "")]
    [InlineData("code", null, "   ")]
    [InlineData("code", null, "line\nbreak")]
    [InlineData("locationId", "till\u0001", "CAFE-ANY")]
    public async Task ScanAsync_BadInput_NamesTheField(string field, string? location, string code)
    {
        // Arrange
        await using var harness = await LoyaltyHarness.StartAsync(Provider);

        // Act
        var (result, errors) = await harness.UseAsync<CounterScans, (ScanResult?, IReadOnlyList<SevenStamp.Connectors.Sdk.SettingError>)>(
            scans => scans.ScanAsync(Staff(), code, location, ScanMode.Manual, CancellationToken.None));

        // Assert
        Assert.Null(result);
        Assert.Contains(errors, e => e.Field == field);
    }

    private static Task<Guid> CardAsync(LoyaltyHarness harness, string loyaltyCardId) =>
        harness.UseAsync<CardDirectory, Guid>(async cards => (await cards.EnrollAsync(LoyaltyHarness.MerchantId, loyaltyCardId, CancellationToken.None))!.Value);

    private static async Task<ScanResult> ScanAsync(LoyaltyHarness harness, Caller staff, string code, ScanMode mode, string? location = null)
    {
        await using var scope = harness.Services.CreateAsyncScope();
        var scans = new CounterScans(
            scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>(),
            scope.ServiceProvider.GetRequiredService<LoyaltyEngine>(),
            Options.Create(new ScannerOptions { KioskStampInterval = Interval }),
            harness.Time);
        var (result, errors) = await scans.ScanAsync(staff, code, location, mode, CancellationToken.None);
        Assert.Empty(errors);
        return result!;
    }
}

public sealed class CounterScansSqliteTests : CounterScansTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.Sqlite;
}

public sealed class CounterScansPostgresTests : CounterScansTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.PostgreSql;
}
