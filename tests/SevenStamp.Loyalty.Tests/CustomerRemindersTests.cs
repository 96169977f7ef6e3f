using Microsoft.EntityFrameworkCore;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Engine;
using SevenStamp.Loyalty.Queries;
using static SevenStamp.Loyalty.Tests.LoyaltyHarness;

namespace SevenStamp.Loyalty.Tests;

/// <summary>
/// Expiry reminders and inactivity nudges: found by the sweep as the injected clock moves, each sent once (however
/// often and on however many replicas the sweep runs), and shown by the card's snapshot while it applies. On every
/// provider (see the subclasses).
/// </summary>
public abstract class CustomerRemindersTests
{
    protected abstract LoyaltyStoreProvider Provider { get; }

    private static ProgramDefinition Program(int? reminderDays = null, int? nudgeDays = null)
    {
        var program = DefaultProgram();
        program.StampGoal = 1;
        program.VoucherExpiry = VoucherExpiryKind.DaysAfterIssue;
        program.VoucherValidDays = 10;
        program.ExpiryReminderDays = reminderDays;
        program.InactivityNudgeDays = nudgeDays;
        return program;
    }

    private static Task<int> RemindAsync(LoyaltyHarness loyalty) => loyalty.UseAsync<LoyaltyEngine, int>(e => e.RemindExpiringVouchersAsync(CancellationToken.None));

    private static Task<int> NudgeAsync(LoyaltyHarness loyalty) => loyalty.UseAsync<LoyaltyEngine, int>(e => e.NudgeInactiveCustomersAsync(CancellationToken.None));

    private static Task<CardSnapshot?> SnapshotAsync(LoyaltyHarness loyalty, Guid cardId) => loyalty.UseAsync<ICardSnapshots, CardSnapshot?>(s => s.FindAsync(cardId, CancellationToken.None));

    [Fact]
    public async Task RemindExpiringVouchers_ClockMovedToThreeDaysBeforeExpiry_RemindsOnceAcrossRepeatedSweepsAndTwoReplicas()
    {
        // Arrange: a voucher valid for 10 days; reminders 3 days before.
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider, Program(reminderDays: 3));
        await using var other = await LoyaltyHarness.StartBesideAsync(loyalty);
        var outcome = await loyalty.SaleAsync(Sale("S-1"));
        var cardId = outcome.CardId!.Value;

        // Act
        loyalty.Time.Advance(TimeSpan.FromDays(6));
        var early = await RemindAsync(loyalty);
        loyalty.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        other.Time.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        var sweeps = await Task.WhenAll(RemindAsync(loyalty), RemindAsync(other), RemindAsync(loyalty));

        // Assert
        Assert.Equal(0, early);
        Assert.Equal(1, sweeps.Sum());
        var reminder = Assert.Single(await loyalty.OutboxAsync<VoucherExpiringSoon>());
        var voucher = await loyalty.QueryAsync(db => db.Vouchers.AsNoTracking().SingleAsync());
        Assert.Equal((voucher.Id, cardId, voucher.ExpiresAt!.Value), (reminder.VoucherId, reminder.CardId, reminder.ExpiresAt));
        Assert.Equal(reminder.RemindedAt, voucher.ReminderSentAt);
        var snapshot = await SnapshotAsync(loyalty, cardId);
        Assert.Equal(new PassReminder(PassReminderKind.VoucherExpiringSoon, reminder.RemindedAt, voucher.ExpiresAt), snapshot!.Reminder);
        Assert.True(snapshot.UpdatedAt >= reminder.RemindedAt, "The pass must look changed once the reminder is on it.");
    }

    [Fact]
    public async Task RemindExpiringVouchers_VoucherRedeemedOrProgramWithoutReminders_SendsNothing()
    {
        // Arrange: one merchant reminds, but its only voucher was redeemed; the other program has no reminders.
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider, Program(reminderDays: 3));
        var first = await loyalty.SaleAsync(Sale("S-1"));
        var voucher = await loyalty.QueryAsync(db => db.Vouchers.AsNoTracking().SingleAsync());
        await loyalty.UseAsync<LoyaltyEngine, RedemptionResult>(e => e.RedeemAsync(MerchantId, voucher.Id, null, RedemptionMethod.StaffScan, "sam", null, CancellationToken.None));
        await using var quiet = await LoyaltyHarness.StartAsync(Provider, Program());
        await quiet.SaleAsync(Sale("S-1"));

        // Act
        loyalty.Time.Advance(TimeSpan.FromDays(8));
        quiet.Time.Advance(TimeSpan.FromDays(8));
        var sent = await RemindAsync(loyalty) + await RemindAsync(quiet);

        // Assert
        Assert.Equal(0, sent);
        Assert.Null((await SnapshotAsync(loyalty, first.CardId!.Value))!.Reminder);
    }

    [Fact]
    public async Task NudgeInactiveCustomers_ThirtyQuietDays_NudgesOncePerQuietSpellAndAgainOnlyAfterANewVisit()
    {
        // Arrange
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider, Program(nudgeDays: 30));
        var cardId = (await loyalty.SaleAsync(Sale("S-1"))).CardId!.Value;

        // Act: 29 quiet days (too early), 31 (nudged), then again (nothing new), then a visit and 31 more quiet days.
        loyalty.Time.Advance(TimeSpan.FromDays(29));
        var early = await NudgeAsync(loyalty);
        loyalty.Time.Advance(TimeSpan.FromDays(2));
        var first = await Task.WhenAll(NudgeAsync(loyalty), NudgeAsync(loyalty));
        var shownAfterNudge = (await SnapshotAsync(loyalty, cardId))!.Reminder;
        var firstNudge = Assert.Single(await loyalty.OutboxAsync<CustomerNudged>());
        loyalty.Time.Advance(TimeSpan.FromDays(5));
        var repeat = await NudgeAsync(loyalty);
        await loyalty.SaleAsync(Sale("S-2"));
        var shownAfterVisit = (await SnapshotAsync(loyalty, cardId))!.Reminder;
        loyalty.Time.Advance(TimeSpan.FromDays(31));
        var second = await NudgeAsync(loyalty);

        // Assert
        Assert.Equal((0, 1, 0, 1), (early, first.Sum(), repeat, second));
        // The relay prunes sent rows older than its retention, so the first nudge is read when it was written.
        var lastNudge = (await loyalty.OutboxAsync<CustomerNudged>()).Last();
        Assert.Equal((cardId, cardId), (firstNudge.CardId, lastNudge.CardId));
        Assert.True(lastNudge.LastVisitAt > firstNudge.LastVisitAt && lastNudge.NudgedAt > firstNudge.NudgedAt, "The second nudge must follow the later visit.");
        Assert.Equal(PassReminderKind.ComeBack, shownAfterNudge!.Kind);
        Assert.Null(shownAfterVisit);
    }

    [Fact]
    public void Validate_ReminderAndNudgeDaysOutOfRange_NamesEachField()
    {
        // Arrange
        var program = Program(reminderDays: 400, nudgeDays: -1);

        // Act
        var errors = program.Validate(DateTimeOffset.UtcNow);

        // Assert
        Assert.Equal(["ExpiryReminderDays", "InactivityNudgeDays"], errors.Select(e => e.Field));
    }
}

public sealed class CustomerRemindersSqliteTests : CustomerRemindersTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.Sqlite;
}

public sealed class CustomerRemindersPostgresTests : CustomerRemindersTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.PostgreSql;
}
