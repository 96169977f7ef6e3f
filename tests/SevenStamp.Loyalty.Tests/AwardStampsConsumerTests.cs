using Microsoft.EntityFrameworkCore;
using SevenStamp.Contracts;

namespace SevenStamp.Loyalty.Tests;

/// <summary>The award-stamps guarantees, run on every database provider (see the subclasses).</summary>
public abstract class AwardStampsConsumerTests
{
    protected abstract LoyaltyStoreProvider Provider { get; }

    private Task<LoyaltyHarness> StartAsync() => LoyaltyHarness.StartAsync(Provider);

    [Fact]
    public async Task A_sale_puts_one_stamp_on_the_customers_card_and_says_so()
    {
        await using var loyalty = await StartAsync();

        await loyalty.Harness.Bus.Publish(LoyaltyHarness.Sale("S-1"));
        await loyalty.WaitForConsumedAsync(1);

        var card = await loyalty.QueryAsync(db => db.Cards.SingleAsync());
        Assert.Equal(("m-1", "pos:pos-1:c-1", 1), (card.MerchantId, card.CustomerKey, card.Stamps));
        var award = await loyalty.QueryAsync(db => db.StampAwards.SingleAsync());
        Assert.Equal(("S-1", card.Id, 1, 1), (award.ExternalSaleId, award.CardId, award.Stamps, award.BalanceAfter));
        Assert.True(await loyalty.Harness.Published.Any<StampsAwarded>(p => p.Context.Message.CardId == card.Id && p.Context.Message.Balance == 1));
    }

    [Fact]
    public async Task A_redelivered_sale_awards_nothing_more_but_repeats_the_event()
    {
        await using var loyalty = await StartAsync();

        await loyalty.Harness.Bus.Publish(LoyaltyHarness.Sale("S-1"));
        await loyalty.WaitForConsumedAsync(1);
        await loyalty.Harness.Bus.Publish(LoyaltyHarness.Sale("S-1"));
        await loyalty.WaitForConsumedAsync(2);

        Assert.Equal(1, await loyalty.QueryAsync(db => db.Cards.Select(c => c.Stamps).SingleAsync()));
        Assert.Equal(1, await loyalty.QueryAsync(db => db.StampAwards.CountAsync()));
        var events = new List<StampsAwarded>();
        await foreach (var published in loyalty.Harness.Published.SelectAsync<StampsAwarded>().Take(2))
        {
            events.Add(published.Context.Message);
        }

        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal(1, e.Balance));
    }

    [Fact]
    public async Task Concurrent_deliveries_of_one_sale_award_exactly_once()
    {
        await using var loyalty = await StartAsync();

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => loyalty.Harness.Bus.Publish(LoyaltyHarness.Sale("S-1"))));
        await loyalty.WaitForConsumedAsync(20);

        Assert.Equal(1, await loyalty.QueryAsync(db => db.Cards.Select(c => c.Stamps).SingleAsync()));
        Assert.Equal(1, await loyalty.QueryAsync(db => db.StampAwards.CountAsync()));
        Assert.False(await loyalty.Harness.Published.Any<MassTransit.Fault<SaleCompleted>>());
    }

    [Fact]
    public async Task Concurrent_sales_of_a_new_customer_lose_no_stamp()
    {
        const int sales = 1000;
        await using var loyalty = await StartAsync();

        await Task.WhenAll(Enumerable.Range(1, sales).Select(i => loyalty.Harness.Bus.Publish(LoyaltyHarness.Sale($"S-{i}"))));
        await loyalty.WaitForConsumedAsync(sales);

        Assert.Equal(sales, await loyalty.QueryAsync(db => db.Cards.Select(c => c.Stamps).SingleAsync()));
        var balances = await loyalty.QueryAsync(db => db.StampAwards.Select(a => a.BalanceAfter).ToListAsync());
        Assert.Equal(Enumerable.Range(1, sales), balances.Order());
        Assert.False(await loyalty.Harness.Published.Any<MassTransit.Fault<SaleCompleted>>());
    }

    [Fact]
    public async Task An_anonymous_sale_awards_nothing()
    {
        await using var loyalty = await StartAsync();

        await loyalty.Harness.Bus.Publish(LoyaltyHarness.Sale("S-1", customerId: null));
        await loyalty.WaitForConsumedAsync(1);

        Assert.Equal(0, await loyalty.QueryAsync(db => db.Cards.CountAsync()));
        Assert.Equal(0, await loyalty.QueryAsync(db => db.StampAwards.CountAsync()));
        Assert.False(await loyalty.Harness.Published.Any<StampsAwarded>());
    }

    [Fact]
    public async Task Merchants_and_customers_get_cards_of_their_own()
    {
        await using var loyalty = await StartAsync();

        await loyalty.Harness.Bus.Publish(LoyaltyHarness.Sale("S-1", customerId: "c-1", merchantId: "m-1"));
        await loyalty.Harness.Bus.Publish(LoyaltyHarness.Sale("S-1", customerId: "c-1", merchantId: "m-2"));
        await loyalty.Harness.Bus.Publish(LoyaltyHarness.Sale("S-2", customerId: "c-2", merchantId: "m-1"));
        await loyalty.WaitForConsumedAsync(3);

        var cards = await loyalty.QueryAsync(db => db.Cards.OrderBy(c => c.MerchantId).ThenBy(c => c.CustomerKey).Select(c => new { c.MerchantId, c.CustomerKey, c.Stamps }).ToListAsync());
        Assert.Equal(
            [("m-1", "pos:pos-1:c-1", 1), ("m-1", "pos:pos-1:c-2", 1), ("m-2", "pos:pos-1:c-1", 1)],
            cards.Select(c => (c.MerchantId, c.CustomerKey, c.Stamps)));
    }
}

public sealed class AwardStampsConsumerSqliteTests : AwardStampsConsumerTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.Sqlite;
}

public sealed class AwardStampsConsumerPostgresTests : AwardStampsConsumerTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.PostgreSql;
}
