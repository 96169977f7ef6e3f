using Microsoft.EntityFrameworkCore;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Engine;
using static SevenStamp.Loyalty.Tests.LoyaltyHarness;

namespace SevenStamp.Loyalty.Tests;

/// <summary>
/// One till seen by two connectors (Square's webhooks and a CSV drop of Square's export): sales, refunds, Redeem
/// Codes and POS customer ids are keyed on the sale's source system, so each sale counts once whichever path
/// brings it first, or both at the same moment. Run on every database provider (subclasses at the end).
/// </summary>
public abstract class SourceSystemTests
{
    private const string Webhook = "square-main";
    private const string Export = "square-export";
    private const string Square = "square";

    protected abstract LoyaltyStoreProvider Provider { get; }

    private Task<LoyaltyHarness> StartAsync(int goal = 10) => LoyaltyHarness.StartAsync(Provider, Program(goal));

    private static ProgramDefinition Program(int goal)
    {
        var program = DefaultProgram();
        program.StampGoal = goal;
        return program;
    }

    private static SaleCompleted Through(string connectorId, string saleId, string customerId = "CUST-1", string? source = Square, params string[] codes) =>
        Sale(saleId, customerId: customerId, connectorId: connectorId, codes: codes) with { SourceSystem = source };

    private static Task<List<Card>> CardsAsync(LoyaltyHarness loyalty) => loyalty.QueryAsync(db => db.Cards.ToListAsync());

    [Theory]
    [InlineData(Webhook, Export)]
    [InlineData(Export, Webhook)]
    public async Task ApplySale_SameSaleThroughTwoConnectorsOfOneTill_IsStampedOnce(string first, string second)
    {
        // Arrange
        await using var loyalty = await StartAsync();

        // Act
        var one = await loyalty.SaleAsync(Through(first, "ORDER-1"));
        var two = await loyalty.SaleAsync(Through(second, "ORDER-1"));

        // Assert
        Assert.False(one.Duplicate);
        Assert.True(two.Duplicate);
        var card = Assert.Single(await CardsAsync(loyalty));
        Assert.Equal(1, card.TotalStamps);
        var award = await loyalty.QueryAsync(db => db.StampAwards.SingleAsync());
        Assert.Equal((Square, first), (award.SourceSystem, award.ConnectorId));
        Assert.Equal(2, await loyalty.QueryAsync(db => db.ProcessedEvents.Select(p => p.Deliveries).SingleAsync()));
    }

    [Fact]
    public async Task ApplySale_SameSaleThroughBothConnectorsAtOnce_IsStampedOnce()
    {
        // Arrange
        await using var loyalty = await StartAsync();

        // Act: ten deliveries at the same moment, alternating between the two paths.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() => loyalty.SaleAsync(Through(i % 2 == 0 ? Webhook : Export, "ORDER-1")))));

        // Assert
        Assert.Single(outcomes, o => !o.Duplicate);
        Assert.Equal(1, Assert.Single(await CardsAsync(loyalty)).TotalStamps);
        Assert.Equal(1, await loyalty.QueryAsync(db => db.StampAwards.CountAsync()));
    }

    [Fact]
    public async Task ApplySales_BatchHoldingBothCopies_StampsOnce()
    {
        // Arrange
        await using var loyalty = await StartAsync();
        SaleCompleted[] batch = [Through(Webhook, "ORDER-1"), Through(Export, "ORDER-1"), Through(Export, "ORDER-2")];

        // Act
        var errors = await loyalty.UseAsync<LoyaltyEngine, IReadOnlyList<Exception?>>(engine => engine.ApplySalesAsync(batch, CancellationToken.None));

        // Assert
        Assert.All(errors, Assert.Null);
        Assert.Equal(2, Assert.Single(await CardsAsync(loyalty)).TotalStamps);
        Assert.Equal(2, await loyalty.QueryAsync(db => db.StampAwards.CountAsync()));
    }

    [Fact]
    public async Task ApplyRefund_ThroughTheOtherConnector_TakesTheStampBackAndReinstatesTheVoucherItRedeemed()
    {
        // Arrange: a one-stamp card; its voucher redeemed by ORDER-2 as the CSV export brought it.
        await using var loyalty = await StartAsync(goal: 1);
        await loyalty.SaleAsync(Through(Export, "ORDER-1"));
        var code = (await loyalty.QueryAsync(db => db.Vouchers.SingleAsync())).Code;
        await loyalty.SaleAsync(Through(Export, "ORDER-2", codes: code));

        // Act: Square's webhook reports the full refund of ORDER-2.
        await loyalty.RefundAsync(Refund("REFUND-2", "ORDER-2", 4.20m, full: true) with { ConnectorId = Webhook, SourceSystem = Square });

        // Assert
        var revoked = Assert.Single(await loyalty.OutboxAsync<StampsRevoked>());
        Assert.Equal(("ORDER-2", 1), (revoked.ExternalSaleId, revoked.Stamps));
        var first = await loyalty.QueryAsync(db => db.Vouchers.OrderBy(v => v.Cycle).FirstAsync());
        Assert.Equal(VoucherState.Issued, first.State);
        Assert.Single(await loyalty.OutboxAsync<VoucherReinstated>());
    }

    [Fact]
    public async Task ApplySale_RedeemCodeReplayedThroughTheOtherConnector_IsNotRefused()
    {
        // Arrange
        await using var loyalty = await StartAsync(goal: 1);
        await loyalty.SaleAsync(Through(Webhook, "ORDER-1"));
        var code = (await loyalty.QueryAsync(db => db.Vouchers.SingleAsync())).Code;

        // Act
        await loyalty.SaleAsync(Through(Webhook, "ORDER-2", codes: code));
        var replay = await loyalty.SaleAsync(Through(Export, "ORDER-2", codes: code));

        // Assert
        Assert.True(replay.Duplicate);
        Assert.Empty(await loyalty.OutboxAsync<RedeemCodeRejected>());
    }

    [Fact]
    public async Task ApplySale_PosCustomerIdThroughEitherConnector_FindsOneCard()
    {
        // Arrange
        await using var loyalty = await StartAsync();

        // Act
        await loyalty.SaleAsync(Through(Webhook, "ORDER-1"));
        await loyalty.SaleAsync(Through(Export, "ORDER-2"));

        // Assert
        Assert.Equal(2, Assert.Single(await CardsAsync(loyalty)).TotalStamps);
        Assert.Equal(CustomerIdentity.PosValue(Square, "CUST-1"), await loyalty.QueryAsync(db => db.CustomerLinks.Select(l => l.Value).SingleAsync()));
    }

    [Fact]
    public async Task ApplySale_CustomerLinkedBeforeTheConnectorNamedItsSourceSystem_KeepsTheirCard()
    {
        // Arrange: sales of the connector before it named a source system were keyed on the connector id.
        await using var loyalty = await StartAsync();
        await loyalty.SaleAsync(Through(Webhook, "ORDER-1", source: null));

        // Act
        await loyalty.SaleAsync(Through(Webhook, "ORDER-2"));
        await loyalty.SaleAsync(Through(Export, "ORDER-3"));

        // Assert
        Assert.Equal(3, Assert.Single(await CardsAsync(loyalty)).TotalStamps);
        Assert.Equal(1, await loyalty.QueryAsync(db => db.Customers.CountAsync()));
    }

    [Fact]
    public async Task ApplySale_WithoutASourceSystem_KeysOnTheConnectorAsBefore()
    {
        // Arrange
        await using var loyalty = await StartAsync();

        // Act: two unrelated tills whose sale ids happen to be equal.
        var one = await loyalty.SaleAsync(Through("till-a", "1001", source: null));
        var two = await loyalty.SaleAsync(Through("till-b", "1001", source: null));

        // Assert
        Assert.False(one.Duplicate);
        Assert.False(two.Duplicate);
        Assert.Equal(["till-a", "till-b"], await loyalty.QueryAsync(db => db.StampAwards.OrderBy(a => a.SourceSystem).Select(a => a.SourceSystem).ToListAsync()));
    }
}

public sealed class SourceSystemSqliteTests : SourceSystemTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.Sqlite;
}

public sealed class SourceSystemPostgresTests : SourceSystemTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.PostgreSql;
}
