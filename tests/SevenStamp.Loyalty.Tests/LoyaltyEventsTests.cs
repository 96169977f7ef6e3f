using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Contracts;
using SevenStamp.Http.Access;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Engine;
using static SevenStamp.Loyalty.Tests.LoyaltyHarness;

namespace SevenStamp.Loyalty.Tests;

/// <summary>
/// The events the merchants' webhooks are made of, as the engine writes them to its outbox: a card's issue (by a sale,
/// a batch, joining, the API), each goal reached (before the voucher of that goal, also with the pool empty, also from
/// the counter and by hand), the location of the sale or scan, and each written once however often a sale is
/// delivered. Read back from the outbox rows (type and JSON), on every provider (see the subclasses).
/// </summary>
public abstract class LoyaltyEventsTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    protected abstract LoyaltyStoreProvider Provider { get; }

    private static ProgramDefinition Program(Action<ProgramDefinition> change)
    {
        var program = DefaultProgram();
        change(program);
        return program;
    }

    private static SaleCompleted SaleAt(string saleId, string location, string? customerId = "c-1", params string[] codes) =>
        Sale(saleId, customerId, codes: codes) with { LocationId = location };

    private static Caller Staff() => new(CallerKind.Person, "sam", MerchantId, new HashSet<Permission> { Permission.Redeem });

    [Fact]
    public async Task ApplySale_NewCustomerToTheGoalThenDeliveredAgain_WritesCardIssuedAndGoalReachedOnceAtTheSalesLocations()
    {
        // Arrange
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider, Program(p => p.StampGoal = 2));

        // Act
        await loyalty.SaleAsync(SaleAt("S-1", "loc-north"));
        await loyalty.SaleAsync(SaleAt("S-2", "loc-south"));
        await loyalty.SaleAsync(SaleAt("S-2", "loc-south"));
        await loyalty.SaleAsync(SaleAt("S-1", "loc-north"));

        // Assert
        var card = await loyalty.QueryAsync(db => db.Cards.SingleAsync());
        var rows = await RowsAsync(loyalty);
        Assert.Equal(
            [nameof(CardIssued), nameof(StampsAwarded), nameof(StampsAwarded), nameof(GoalReached), nameof(VoucherIssued)],
            rows.Select(r => r.Type));
        var issued = Assert.Single(Events<CardIssued>(rows));
        Assert.Equal((card.Id, card.CustomerId, CardOrigin.Sale, "loc-north", (string?)null), (issued.CardId, issued.CustomerId, issued.Origin, issued.LocationId, issued.Language));
        var goal = Assert.Single(Events<GoalReached>(rows));
        Assert.Equal((card.Id, 1, 2, "loc-south"), (goal.CardId, goal.Cycle, goal.Goal, goal.LocationId));
        Assert.Equal(["loc-north", "loc-south"], Events<StampsAwarded>(rows).Select(a => a.LocationId));
    }

    [Fact]
    public async Task AdjustStamps_ThreeGoalsAtOnce_WritesTheStampsThenEachGoalJustBeforeItsVoucher()
    {
        // Arrange
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider, Program(p => p.StampGoal = 1));
        var cardId = (await loyalty.UseAsync<CardDirectory, Guid?>(cards => cards.EnrollAsync(MerchantId, "CARD-1", CancellationToken.None)))!.Value;

        // Act: three stamps by hand are three goals.
        await loyalty.UseAsync<LoyaltyEngine, StampAdjustmentResult>(e => e.AdjustStampsAsync(MerchantId, cardId, 3, "three visits", "owner", CancellationToken.None));

        // Assert
        var rows = await RowsAsync(loyalty);
        Assert.Equal(
            [nameof(CardIssued), nameof(StampsAwarded), nameof(GoalReached), nameof(VoucherIssued), nameof(GoalReached), nameof(VoucherIssued), nameof(GoalReached), nameof(VoucherIssued)],
            rows.Select(r => r.Type));
        Assert.Equal([1, 2, 3], Events<GoalReached>(rows).Select(g => g.Cycle));
        Assert.Equal([1, 2, 3], Events<VoucherIssued>(rows).Select(v => v.Cycle));
    }

    [Fact]
    public async Task ApplySales_BatchOfNewAndKnownCustomersDeliveredTwice_WritesOneCardIssuedPerNewCardAndEachGoalOnce()
    {
        // Arrange: c-1 has a card already; c-2 and c-3 are new; the goal is two stamps.
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider, Program(p => p.StampGoal = 2));
        await loyalty.SaleAsync(SaleAt("S-0", "loc-a", "c-1"));
        SaleCompleted[] batch =
        [
            SaleAt("S-1", "loc-b", "c-2"),
            SaleAt("S-2", "loc-c", "c-1"),
            SaleAt("S-3", "loc-d", "c-2"),
            SaleAt("S-1", "loc-b", "c-2"),
            SaleAt("S-4", "loc-e", "c-3"),
            SaleAt("S-5", "loc-f", "c-2"),
        ];

        // Act
        var errors = await loyalty.UseAsync<LoyaltyEngine, IReadOnlyList<Exception?>>(engine => engine.ApplySalesAsync(batch, CancellationToken.None));
        var again = await loyalty.UseAsync<LoyaltyEngine, IReadOnlyList<Exception?>>(engine => engine.ApplySalesAsync(batch, CancellationToken.None));

        // Assert
        Assert.All(errors.Concat(again), Assert.Null);
        var cards = await loyalty.QueryAsync(db => db.CustomerLinks.Join(db.Cards, l => l.CustomerId, c => c.CustomerId, (l, c) => new { l.Value, c.Id }).ToListAsync());
        Guid CardOf(string customer) => cards.Single(c => c.Value == CustomerIdentity.PosValue(ConnectorId, customer)).Id;
        var rows = await RowsAsync(loyalty);
        Assert.Equal(
            [(CardOf("c-1"), "loc-a"), (CardOf("c-2"), "loc-b"), (CardOf("c-3"), "loc-e")],
            Events<CardIssued>(rows).Select(i => (i.CardId, i.LocationId)));
        Assert.Equal(
            [(CardOf("c-1"), 1, "loc-c"), (CardOf("c-2"), 1, "loc-d")],
            Events<GoalReached>(rows).Select(g => (g.CardId, g.Cycle, g.LocationId)));
        AssertEachGoalJustBeforeItsVoucher(rows);
        var c2 = rows.Where(r => r.Payload.Contains(CardOf("c-2").ToString(), StringComparison.OrdinalIgnoreCase)).Select(r => r.Type);
        Assert.Equal([nameof(CardIssued), nameof(StampsAwarded), nameof(StampsAwarded), nameof(GoalReached), nameof(VoucherIssued), nameof(StampsAwarded)], c2);
    }

    [Fact]
    public async Task ApplySale_GoalWithThePoolEmpty_WritesGoalReachedAndNoSecondOneWhenCodesArrive()
    {
        // Arrange
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider, Program(p => (p.StampGoal, p.CodeSource) = (1, RedeemCodeSource.Pool)));
        var programId = await loyalty.QueryAsync(db => db.Programs.Select(p => p.Id).SingleAsync());
        await loyalty.UseAsync<LoyaltyEngine, (int, int)>(e => e.ImportPoolCodesAsync(programId, ["SQ-FREE-001"], CancellationToken.None));

        // Act
        await loyalty.SaleAsync(SaleAt("S-1", "loc-1"));
        await loyalty.SaleAsync(SaleAt("S-2", "loc-2"));
        var afterSales = await RowsAsync(loyalty);
        await loyalty.UseAsync<LoyaltyEngine, (int, int)>(e => e.ImportPoolCodesAsync(programId, ["SQ-FREE-002"], CancellationToken.None));

        // Assert
        Assert.Equal(
            [nameof(CardIssued), nameof(StampsAwarded), nameof(GoalReached), nameof(VoucherIssued), nameof(StampsAwarded), nameof(GoalReached), nameof(RedeemCodePoolEmpty)],
            afterSales.Select(r => r.Type));
        Assert.Equal([(1, "loc-1"), (2, "loc-2")], Events<GoalReached>(afterSales).Select(g => (g.Cycle, g.LocationId)));
        var rows = await RowsAsync(loyalty);
        Assert.Equal(2, Events<GoalReached>(rows).Count);
        Assert.Equal([1, 2], Events<VoucherIssued>(rows).Select(v => v.Cycle));
    }

    [Fact]
    public async Task ApplySaleAndRefund_WithLocations_CarryTheSalesLocationOnRedemptionRejectionAndRevocation()
    {
        // Arrange: a voucher after one sale (goal 1).
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider, Program(p => p.StampGoal = 1));
        await loyalty.SaleAsync(SaleAt("S-1", "loc-1"));
        var code = (await loyalty.OutboxAsync<VoucherIssued>()).Single().RedeemCode;

        // Act: redeemed at one till, then offered again at another, then the second sale refunded.
        await loyalty.SaleAsync(SaleAt("S-2", "loc-2", "c-9", code));
        await loyalty.SaleAsync(SaleAt("S-3", "loc-3", "c-9", code));
        await loyalty.RefundAsync(Refund("R-1", "S-2", 4.20m, full: true));

        // Assert
        Assert.Equal("loc-2", Assert.Single(await loyalty.OutboxAsync<VoucherRedeemed>()).LocationId);
        Assert.Equal("loc-3", Assert.Single(await loyalty.OutboxAsync<RedeemCodeRejected>()).LocationId);
        Assert.Equal("loc-2", Assert.Single(await loyalty.OutboxAsync<StampsRevoked>()).LocationId);
        Assert.Equal("loc-2", await loyalty.QueryAsync(db => db.StampAwards.Where(a => a.ExternalSaleId == "S-2").Select(a => a.LocationId).SingleAsync()));
    }

    [Fact]
    public async Task CounterScans_StaffStampToTheGoalThenRedeemAtALocation_CarryTheCountersLocation()
    {
        // Arrange: a card one stamp short of its goal.
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider, Program(p => p.StampGoal = 2));
        var card = (await loyalty.UseAsync<CardDirectory, Guid?>(cards => cards.EnrollAsync(MerchantId, "CARD-7", CancellationToken.None)))!.Value;
        await loyalty.UseAsync<LoyaltyEngine, StampAdjustmentResult>(e => e.AdjustStampsAsync(MerchantId, card, 1, "earlier visit", "owner", CancellationToken.None));

        // Act
        var (stamped, _) = await loyalty.UseAsync<CounterScans, (ScanResult?, IReadOnlyList<SettingError>)>(
            scans => scans.StampAsync(Staff(), card.ToString("N"), "till-3", CancellationToken.None));
        var code = (await loyalty.OutboxAsync<VoucherIssued>()).Single().RedeemCode;
        var (redeemed, _) = await loyalty.UseAsync<CounterScans, (ScanResult?, IReadOnlyList<SettingError>)>(
            scans => scans.RedeemAsync(Staff(), code, "till-4", CancellationToken.None));

        // Assert
        Assert.Equal((ScanOutcome.Stamped, ScanOutcome.Redeemed), (stamped!.Outcome, redeemed!.Outcome));
        var rows = await RowsAsync(loyalty);
        Assert.Equal(
            [nameof(CardIssued), nameof(StampsAwarded), nameof(StampsAwarded), nameof(GoalReached), nameof(VoucherIssued), nameof(VoucherRedeemed)],
            rows.Select(r => r.Type));
        Assert.Equal(CardOrigin.Api, Events<CardIssued>(rows).Single().Origin);
        Assert.Equal([null, "till-3"], Events<StampsAwarded>(rows).Select(a => a.LocationId));
        Assert.Equal((1, "till-3"), Events<GoalReached>(rows).Select(g => (g.Cycle, g.LocationId)).Single());
        Assert.Equal("till-4", Events<VoucherRedeemed>(rows).Single().LocationId);
    }

    [Fact]
    public async Task ScanAsync_KioskStampAtALocation_CarriesTheKiosksLocation()
    {
        // Arrange
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider);
        var card = (await loyalty.UseAsync<CardDirectory, Guid?>(cards => cards.EnrollAsync(MerchantId, "CARD-8", CancellationToken.None)))!.Value;

        // Act
        var (result, _) = await loyalty.UseAsync<CounterScans, (ScanResult?, IReadOnlyList<SettingError>)>(
            scans => scans.ScanAsync(Staff(), card.ToString("N"), "kiosk-door", ScanMode.Kiosk, CancellationToken.None));

        // Assert
        Assert.Equal(ScanOutcome.Stamped, result!.Outcome);
        Assert.Equal("kiosk-door", Assert.Single(await loyalty.OutboxAsync<StampsAwarded>()).LocationId);
    }

    [Fact]
    public async Task JoinAsync_WithALanguage_KeepsItOnTheCustomerAndWritesCardIssuedOnce()
    {
        // Arrange
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider);

        // Act
        var joined = await loyalty.UseAsync<CardJoining, JoinOutcome>(j => j.JoinAsync(MerchantId, new JoinDetails(Language: "zh-Hans"), null, CancellationToken.None));
        var bad = await loyalty.UseAsync<CardJoining, JoinOutcome>(j => j.JoinAsync(MerchantId, new JoinDetails(Language: "not a language"), null, CancellationToken.None));

        // Assert
        Assert.Equal("language", Assert.Single(bad.Errors).Field);
        var cardId = joined.CardId!.Value;
        var customer = await loyalty.QueryAsync(db => db.Customers.SingleAsync(c => db.Cards.Any(k => k.Id == cardId && k.CustomerId == c.Id)));
        Assert.Equal("zh-Hans", customer.Language);
        var issued = Assert.Single(await loyalty.OutboxAsync<CardIssued>());
        Assert.Equal((cardId, customer.Id, CardOrigin.Join, "zh-Hans", (string?)null), (issued.CardId, issued.CustomerId, issued.Origin, issued.Language, issued.LocationId));
    }

    [Fact]
    public async Task JoinAsync_EmailOfAnotherCard_WritesNoCardIssued()
    {
        // Arrange
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider);
        var details = new JoinDetails(Email: "kim@example.com", Consent: true, Language: "he");
        await loyalty.UseAsync<CardJoining, JoinOutcome>(j => j.JoinAsync(MerchantId, details, null, CancellationToken.None));

        // Act
        var refused = await loyalty.UseAsync<CardJoining, JoinOutcome>(j => j.JoinAsync(MerchantId, details, null, CancellationToken.None));

        // Assert
        Assert.Equal("email", Assert.Single(refused.Errors).Field);
        Assert.Single(await loyalty.OutboxAsync<CardIssued>());
    }

    [Fact]
    public async Task EnrollAsync_SameLoyaltyCardIdTwice_WritesOneCardIssuedFromTheApi()
    {
        // Arrange
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider);

        // Act
        var first = await loyalty.UseAsync<CardDirectory, Guid?>(cards => cards.EnrollAsync(MerchantId, "CARD-9", CancellationToken.None));
        var second = await loyalty.UseAsync<CardDirectory, Guid?>(cards => cards.EnrollAsync(MerchantId, "CARD-9", CancellationToken.None));

        // Assert
        Assert.Equal(first, second);
        var issued = Assert.Single(await loyalty.OutboxAsync<CardIssued>());
        Assert.Equal((first!.Value, CardOrigin.Api), (issued.CardId, issued.Origin));
    }

    [Fact]
    public async Task ApplySale_WithoutStampsForANewCustomer_WritesCardIssued()
    {
        // Arrange: an amount rule: 4.20 earns nothing, but the sale's customer gets their card.
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider, Program(p => (p.EarningRule, p.AmountPerStamp, p.Currency) = (EarningRuleKind.PerAmount, 10m, "EUR")));

        // Act
        var outcome = await loyalty.SaleAsync(SaleAt("S-1", "loc-1"));

        // Assert
        Assert.Equal(0, outcome.StampsAwarded);
        var issued = Assert.Single(await loyalty.OutboxAsync<CardIssued>());
        Assert.Equal((outcome.CardId, "loc-1"), ((Guid?)issued.CardId, issued.LocationId));
    }

    [Fact]
    public async Task RecordSavedAsync_KnownAndUnknownCard_WritesCardSavedForTheKnownOneOnly()
    {
        // Arrange
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider);
        var card = (await loyalty.UseAsync<CardDirectory, Guid?>(cards => cards.EnrollAsync(MerchantId, null, CancellationToken.None)))!.Value;

        // Act
        var known = await loyalty.UseAsync<ICardEvents, bool>(e => e.RecordSavedAsync(card, ICardEvents.Google, CancellationToken.None));
        var unknown = await loyalty.UseAsync<ICardEvents, bool>(e => e.RecordSavedAsync(Guid.NewGuid(), ICardEvents.Apple, CancellationToken.None));

        // Assert
        Assert.Equal((true, false), (known, unknown));
        var saved = Assert.Single(await loyalty.OutboxAsync<CardSaved>());
        Assert.Equal((MerchantId, card, "google"), (saved.MerchantId, saved.CardId, saved.Wallet));
    }

    /// <summary>Every GoalReached is followed by the VoucherIssued of its card and cycle (when one was minted) as the card's next voucher event.</summary>
    private static void AssertEachGoalJustBeforeItsVoucher(IReadOnlyList<Row> rows)
    {
        foreach (var (row, index) in rows.Select((r, i) => (r, i)).Where(x => x.r.Type == nameof(GoalReached)))
        {
            var goal = JsonSerializer.Deserialize<GoalReached>(row.Payload, Json)!;
            var next = rows.Skip(index + 1).First(r => r.Payload.Contains(goal.CardId.ToString(), StringComparison.OrdinalIgnoreCase));
            Assert.Equal(nameof(VoucherIssued), next.Type);
            Assert.Equal(goal.Cycle, JsonSerializer.Deserialize<VoucherIssued>(next.Payload, Json)!.Cycle);
        }
    }

    private static List<T> Events<T>(IEnumerable<Row> rows) =>
        [.. rows.Where(r => r.Type == typeof(T).Name).Select(r => JsonSerializer.Deserialize<T>(r.Payload, Json)!)];

    /// <summary>Every outbox row, in the order the engine wrote them.</summary>
    private static async Task<List<Row>> RowsAsync(LoyaltyHarness loyalty) =>
        [.. (await loyalty.QueryAsync(db => db.Outbox.AsNoTracking().OrderBy(m => m.Id).Select(m => new { m.MessageType, m.Payload }).ToListAsync())).Select(m => new Row(m.MessageType, m.Payload))];

    private sealed record Row(string Type, string Payload);
}

public sealed class LoyaltyEventsSqliteTests : LoyaltyEventsTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.Sqlite;
}

public sealed class LoyaltyEventsPostgresTests : LoyaltyEventsTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.PostgreSql;
}
