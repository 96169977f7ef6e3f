using Microsoft.EntityFrameworkCore;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Engine;
using SevenStamp.Loyalty.Messaging;
using SevenStamp.Testing;
using static SevenStamp.Loyalty.Tests.LoyaltyHarness;

namespace SevenStamp.Loyalty.Tests;

/// <summary>The engine's guarantees, run on every database provider (see the subclasses at the end).</summary>
public abstract class LoyaltyEngineTests
{
    protected abstract LoyaltyStoreProvider Provider { get; }

    private Task<LoyaltyHarness> StartAsync(ProgramDefinition? program = null) => LoyaltyHarness.StartAsync(Provider, program);

    private static ProgramDefinition Program(Action<ProgramDefinition> change)
    {
        var program = DefaultProgram();
        change(program);
        return program;
    }

    private static Task<Card> CardOf(LoyaltyHarness loyalty, string customerId = "c-1") => loyalty.QueryAsync(db =>
        db.Cards.SingleAsync(c => db.CustomerLinks.Any(l => l.CustomerId == c.CustomerId && l.Kind == CustomerIdentity.Pos && l.Value == CustomerIdentity.PosValue(ConnectorId, customerId))));

    [Fact]
    public async Task ApplySale_FromTheBus_StampsTheCardAndTheRelayPublishesTheEvent()
    {
        await using var loyalty = await StartAsync();

        await loyalty.Harness.Bus.Publish(Sale("S-1"));
        await loyalty.WaitForConsumedAsync<SaleCompleted>(1);

        var card = await CardOf(loyalty);
        Assert.Equal((1, 0), (card.TotalStamps, card.CyclesCompleted));
        var award = await loyalty.QueryAsync(db => db.StampAwards.SingleAsync());
        Assert.Equal(("S-1", card.Id, 1), (award.ExternalSaleId, award.CardId, award.Stamps));
        Assert.True(await loyalty.Harness.Published.Any<StampsAwarded>(p => p.Context.Message.CardId == card.Id && p.Context.Message.Balance == 1 && p.Context.Message.Goal == 10));
        Assert.True(await RunningEventually(() => loyalty.QueryAsync(db => db.Outbox.AllAsync(m => m.SentAt != null))), "The relay did not mark the outbox rows sent.");
    }

    [Fact]
    public async Task OutboxRelay_BatchWithAFailingRow_PublishesTogetherAndBacksOffOnlyThatRow()
    {
        // Arrange: twenty events written to the outbox, the eleventh one unreadable.
        await using var loyalty = await StartAsync();
        var cardIds = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToList();
        await loyalty.QueryAsync(async db =>
        {
            for (var i = 0; i < cardIds.Count; i++)
            {
                if (i == 10)
                {
                    db.Outbox.Add(new OutboxMessage { MessageType = nameof(StampsAwarded), Payload = "{not json", CreatedAt = loyalty.Time.GetUtcNow() });
                    continue;
                }

                Outbox.Enqueue(db, new StampsAwarded { MerchantId = MerchantId, CardId = cardIds[i], ConnectorId = ConnectorId, ExternalSaleId = $"S-{i}", Stamps = 1, Balance = 1, Goal = 10, AwardedAt = loyalty.Time.GetUtcNow() }, loyalty.Time.GetUtcNow());
            }

            return await db.SaveChangesAsync();
        });

        // Act: the relay running in the background picks them up.
        var relayed = await RunningEventually(async () => await loyalty.QueryAsync(db => db.Outbox.CountAsync(m => m.SentAt != null || m.Attempts > 0)) == 20);

        // Assert
        Assert.True(relayed, "The relay did not handle every row.");
        var rows = await loyalty.QueryAsync(db => db.Outbox.OrderBy(m => m.Id).ToListAsync());
        Assert.Equal(19, rows.Count(m => m.SentAt != null && m.Attempts == 0));
        var failed = Assert.Single(rows, m => m.SentAt == null);
        Assert.Equal(("{not json", 1), (failed.Payload, failed.Attempts));
        Assert.True(failed.LockedUntil > loyalty.Time.GetUtcNow(), "The failed row is not held back before its next attempt.");
        foreach (var cardId in cardIds.Where((_, i) => i != 10))
        {
            Assert.True(await loyalty.Harness.Published.Any<StampsAwarded>(p => p.Context.Message.CardId == cardId));
        }
    }

    [Fact]
    public async Task ApplySale_NewCard_KeepsItsInstantsReadable()
    {
        await using var loyalty = await StartAsync();

        await loyalty.SaleAsync(Sale("S-1"));

        var card = await CardOf(loyalty);
        Assert.Equal(loyalty.Time.GetUtcNow(), card.UpdatedAt);
        Assert.Equal(loyalty.Time.GetUtcNow(), card.CreatedAt);
    }

    [Fact]
    public async Task ApplySales_BatchWithOneFailingSale_CommitsTheOthersAndFailsOnlyThatOne()
    {
        // Arrange: the middle sale cannot be stored (no merchant), so the optimistic batch fails as a whole.
        await using var loyalty = await StartAsync();
        SaleCompleted[] batch = [Sale("S-1"), Sale("S-2", merchantId: null!), Sale("S-3")];

        // Act
        var errors = await loyalty.UseAsync<LoyaltyEngine, IReadOnlyList<Exception?>>(engine => engine.ApplySalesAsync(batch, CancellationToken.None));
        var again = await loyalty.UseAsync<LoyaltyEngine, IReadOnlyList<Exception?>>(engine => engine.ApplySalesAsync([batch[0], batch[2]], CancellationToken.None));

        // Assert
        Assert.Null(errors[0]);
        Assert.NotNull(errors[1]);
        Assert.Null(errors[2]);
        Assert.All(again, Assert.Null);
        Assert.Equal(2, (await CardOf(loyalty)).TotalStamps);
        Assert.Equal(["S-1", "S-3"], await loyalty.QueryAsync(db => db.StampAwards.OrderBy(a => a.ExternalSaleId).Select(a => a.ExternalSaleId).ToListAsync()));
        Assert.Equal(2, (await loyalty.OutboxAsync<StampsAwarded>()).Count);
        Assert.Equal([2, 2], await loyalty.QueryAsync(db => db.ProcessedEvents.OrderBy(p => p.ExternalId).Select(p => p.Deliveries).ToListAsync()));
    }

    [Fact]
    public async Task ApplySales_BatchOfOneCustomer_AddsUpMintsOnceAndIgnoresARepeatInsideIt()
    {
        // Arrange: twelve sales of one customer, the first delivered twice within the same batch.
        await using var loyalty = await StartAsync();
        var batch = Enumerable.Range(1, 12).Select(i => Sale($"S-{i}")).Append(Sale("S-1")).ToList();

        // Act
        var errors = await loyalty.UseAsync<LoyaltyEngine, IReadOnlyList<Exception?>>(engine => engine.ApplySalesAsync(batch, CancellationToken.None));

        // Assert
        Assert.All(errors, Assert.Null);
        var card = await CardOf(loyalty);
        Assert.Equal((12, 1), (card.TotalStamps, card.CyclesCompleted));
        Assert.Equal(12, await loyalty.QueryAsync(db => db.StampAwards.CountAsync()));
        Assert.Equal(1, await loyalty.QueryAsync(db => db.Vouchers.CountAsync(v => v.CardId == card.Id && v.Cycle == 1)));
        Assert.Equal(12, (await loyalty.OutboxAsync<StampsAwarded>()).Count);
        Assert.Equal(2, await loyalty.QueryAsync(db => db.ProcessedEvents.Where(p => p.ExternalId == "S-1").Select(p => p.Deliveries).SingleAsync()));
    }

    [Fact]
    public async Task ApplySales_BatchWithRefundsLinksAndEarlierDeliveries_ReadsThemOnceAndAppliesEachAsAlone()
    {
        // Arrange: a voucher to redeem; a full refund of S-3 and a partial one of S-4 recorded before their sales;
        // S-1 applied in an earlier batch; a new customer named by two identifiers, then by the second alone.
        await using var loyalty = await StartAsync(Program(p => p.StampGoal = 2));
        await loyalty.SaleAsync(Sale("S-0", customerId: "c-9"));
        await loyalty.SaleAsync(Sale("S-1", customerId: "c-9"));
        var code = (await loyalty.QueryAsync(db => db.Vouchers.SingleAsync())).Code;
        await loyalty.RefundAsync(Refund("R-3", "S-3", 4.20m, full: true));
        await loyalty.RefundAsync(Refund("R-4", "S-4", 1m, full: false));
        SaleCompleted[] batch =
        [
            Sale("S-1", customerId: "c-9"),
            Sale("S-2", customerId: "c-1") with { Customer = new CustomerIdentifiers { PosCustomerId = "c-1", EmailHash = "bb22" } },
            Sale("S-3", customerId: "c-1", codes: code),
            Sale("S-4", customerId: "c-1"),
            Sale("S-5", connectorId: "shop-2") with { Customer = new CustomerIdentifiers { EmailHash = "BB22" } },
            Sale("S-6", customerId: "c-1", codes: code),
        ];

        // Act
        var errors = await loyalty.UseAsync<LoyaltyEngine, IReadOnlyList<Exception?>>(engine => engine.ApplySalesAsync(batch, CancellationToken.None));

        // Assert
        Assert.All(errors, Assert.Null);
        Assert.Equal(2, await loyalty.QueryAsync(db => db.ProcessedEvents.Where(p => p.ExternalId == "S-1").Select(p => p.Deliveries).SingleAsync()));
        Assert.Equal(2, await loyalty.QueryAsync(db => db.Customers.CountAsync()));
        var card = await CardOf(loyalty);
        // S-2, S-4 (a partial refund keeps a visit's stamp), S-5 by the email hash S-2 linked, S-6; S-3's stamp revoked.
        Assert.Equal((4, 2), (card.TotalStamps, card.CyclesCompleted));
        Assert.Equal(4, await loyalty.QueryAsync(db => db.StampAwards.CountAsync(a => a.CardId == card.Id && a.StampsRevoked == 0)));
        var revoked = Assert.Single(await loyalty.OutboxAsync<StampsRevoked>());
        Assert.Equal(("S-3", 1), (revoked.ExternalSaleId, revoked.Stamps));
        // The fully refunded S-3 did not redeem the code; S-6 did.
        var redeemed = Assert.Single(await loyalty.OutboxAsync<VoucherRedeemed>());
        Assert.Equal("S-6", redeemed.ExternalSaleId);
    }

    [Fact]
    public async Task ApplySales_BatchOfSeveralCustomers_ReportsEachSaleWithItsCardsTotalAfterIt()
    {
        // Arrange: goal 3; customer A already holds 2 stamps; B and C are new. Their sales interleave in one batch.
        await using var loyalty = await StartAsync(Program(p => p.StampGoal = 3));
        await loyalty.SaleAsync(Sale("A-0", customerId: "a"));
        await loyalty.SaleAsync(Sale("A-1", customerId: "a"));
        SaleCompleted[] batch =
        [
            Sale("A-2", customerId: "a"), Sale("B-1", customerId: "b"), Sale("A-3", customerId: "a"),
            Sale("C-1", customerId: "c"), Sale("A-4", customerId: "a"), Sale("B-2", customerId: "b"),
        ];

        // Act
        var errors = await loyalty.UseAsync<LoyaltyEngine, IReadOnlyList<Exception?>>(engine => engine.ApplySalesAsync(batch, CancellationToken.None));

        // Assert
        Assert.All(errors, Assert.Null);
        var balances = (await loyalty.OutboxAsync<StampsAwarded>()).ToDictionary(e => e.ExternalSaleId, e => (e.Balance, e.Debt));
        Assert.Equal((0, 0), balances["A-2"]); // 3 stamps: the goal is reached, the card starts again
        Assert.Equal((1, 0), balances["A-3"]);
        Assert.Equal((2, 0), balances["A-4"]);
        Assert.Equal((1, 0), balances["B-1"]);
        Assert.Equal((2, 0), balances["B-2"]);
        Assert.Equal((1, 0), balances["C-1"]);
        var a = await CardOf(loyalty, "a");
        Assert.Equal((5, 1), (a.TotalStamps, a.CyclesCompleted));
        Assert.Equal(1, await loyalty.QueryAsync(db => db.Vouchers.CountAsync(v => v.CardId == a.Id && v.Cycle == 1)));
        Assert.Equal((2, 0), await loyalty.QueryAsync(async db =>
        {
            var b = await db.Cards.SingleAsync(c => db.CustomerLinks.Any(l => l.CustomerId == c.CustomerId && l.Value == CustomerIdentity.PosValue(ConnectorId, "b")));
            return (b.TotalStamps, b.CyclesCompleted);
        }));
        Assert.Equal(1, await loyalty.QueryAsync(db => db.Vouchers.CountAsync()));
    }

    [Fact]
    public async Task ApplySales_BatchLargerThanOneStatement_TakesClaimsAndCardsInSeveral()
    {
        // 450 sales of 450 customers: more rows than one multi-row statement carries, for the claims and the cards.
        await using var loyalty = await StartAsync();
        var batch = Enumerable.Range(1, 450).Select(i => Sale($"S-{i}", customerId: $"c-{i}")).Append(Sale("S-7", customerId: "c-7")).ToList();

        var errors = await loyalty.UseAsync<LoyaltyEngine, IReadOnlyList<Exception?>>(engine => engine.ApplySalesAsync(batch, CancellationToken.None));

        Assert.All(errors, Assert.Null);
        Assert.Equal(450, await loyalty.QueryAsync(db => db.Cards.CountAsync(c => c.TotalStamps == 1)));
        Assert.Equal(450, await loyalty.QueryAsync(db => db.StampAwards.CountAsync()));
        Assert.Equal(2, await loyalty.QueryAsync(db => db.ProcessedEvents.Where(p => p.ExternalId == "S-7").Select(p => p.Deliveries).SingleAsync()));
    }

    [Fact]
    public async Task ApplySale_Redelivered_ChangesNothingAndIsCounted()
    {
        await using var loyalty = await StartAsync();

        var first = await loyalty.SaleAsync(Sale("S-1"));
        var second = await loyalty.SaleAsync(Sale("S-1"));

        Assert.False(first.Duplicate);
        Assert.True(second.Duplicate);
        Assert.Equal(1, (await CardOf(loyalty)).TotalStamps);
        Assert.Equal(1, await loyalty.QueryAsync(db => db.StampAwards.CountAsync()));
        Assert.Single(await loyalty.OutboxAsync<StampsAwarded>());
        Assert.Equal(2, await loyalty.QueryAsync(db => db.ProcessedEvents.Select(p => p.Deliveries).SingleAsync()));
    }

    [Fact]
    public async Task ApplySale_ConcurrentDeliveriesOfOneSale_AwardExactlyOnce()
    {
        await using var loyalty = await StartAsync();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => loyalty.SaleAsync(Sale("S-1")))));

        Assert.Single(outcomes, o => !o.Duplicate);
        Assert.Equal(1, (await CardOf(loyalty)).TotalStamps);
        Assert.Equal(20, await loyalty.QueryAsync(db => db.ProcessedEvents.Select(p => p.Deliveries).SingleAsync()));
    }

    [Fact]
    public async Task ApplySale_ReachingTheGoal_MintsOneVoucherPerCycleWithAGeneratedCode()
    {
        await using var loyalty = await StartAsync(Program(p => p.StampGoal = 3));

        for (var i = 1; i <= 7; i++)
        {
            await loyalty.SaleAsync(Sale($"S-{i}"));
        }

        var card = await CardOf(loyalty);
        Assert.Equal((7, 2), (card.TotalStamps, card.CyclesCompleted));
        Assert.Equal(1, Card.Progress(card.TotalStamps, card.CyclesCompleted, 3));
        var vouchers = await loyalty.QueryAsync(db => db.Vouchers.OrderBy(v => v.Cycle).ToListAsync());
        Assert.Equal([1, 2], vouchers.Select(v => v.Cycle));
        Assert.All(vouchers, v =>
        {
            Assert.Equal(VoucherState.Issued, v.State);
            Assert.Matches("^CAFE-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{6}$", v.Code);
            Assert.Equal("A free coffee", v.Reward);
        });
        Assert.NotEqual(vouchers[0].Code, vouchers[1].Code);
        var issued = await loyalty.OutboxAsync<VoucherIssued>();
        Assert.Equal(vouchers.Select(v => v.Code), issued.Select(e => e.RedeemCode));
        var history = await loyalty.QueryAsync(db => db.VoucherHistory.CountAsync(h => h.State == VoucherState.Issued));
        Assert.Equal(2, history);
    }

    [Fact]
    public async Task ApplySale_CompletingSeveralCycles_MintsEachAndCarriesTheRestOver()
    {
        await using var loyalty = await StartAsync(Program(p => (p.EarningRule, p.AmountPerStamp, p.StampGoal) = (EarningRuleKind.PerAmount, 1.00m, 5)));

        var outcome = await loyalty.SaleAsync(Sale("S-1", total: 12.90m));

        Assert.Equal((12, 2), (outcome.StampsAwarded, outcome.VouchersIssued));
        var card = await CardOf(loyalty);
        Assert.Equal(2, Card.Progress(card.TotalStamps, card.CyclesCompleted, 5));
        var awarded = Assert.Single(await loyalty.OutboxAsync<StampsAwarded>());
        Assert.Equal((12, 2, 5), (awarded.Stamps, awarded.Balance, awarded.Goal));
    }

    [Fact]
    public async Task ApplySale_ItemRule_CountsQualifyingUnitsAndAppliesAMinimumSpend()
    {
        await using var loyalty = await StartAsync(Program(p =>
        {
            p.EarningRule = EarningRuleKind.PerItem;
            p.QualifyingItems = ["coffee", "BAG-01"];
            p.MinimumSpend = 3m;
        }));
        SaleCompleted WithLines(string id, decimal total) => Sale(id, total: total) with
        {
            LineItems =
            [
                new SaleLineItem { Sku = "ESP-01", Name = "Espresso", Category = "Coffee", Quantity = 2, UnitPrice = 2m },
                new SaleLineItem { Sku = "BAG-01", Name = "Bagel", Category = "Bakery", Quantity = 1, UnitPrice = 3m },
                new SaleLineItem { Sku = "TEA-01", Name = "Tea", Category = "Tea", Quantity = 4, UnitPrice = 2m },
            ],
        };

        var big = await loyalty.SaleAsync(WithLines("S-1", 15m));
        var small = await loyalty.SaleAsync(WithLines("S-2", 2.99m));

        Assert.Equal(3, big.StampsAwarded);
        Assert.Equal(0, small.StampsAwarded);
    }

    [Fact]
    public async Task ApplySale_AmountRuleAndAnotherCurrency_IsIgnored()
    {
        await using var loyalty = await StartAsync(Program(p => (p.EarningRule, p.AmountPerStamp, p.Currency) = (EarningRuleKind.PerAmount, 2m, "EUR")));

        var outcome = await loyalty.SaleAsync(Sale("S-1", total: 10m) with { Currency = "USD" });

        Assert.Equal(0, outcome.StampsAwarded);
    }

    [Fact]
    public async Task ApplySale_WithoutACard_IsRecordedAsUnmatchedNotAsAnError()
    {
        await using var loyalty = await StartAsync();

        var anonymous = await loyalty.SaleAsync(Sale("S-1", customerId: null));
        var otherMerchant = await loyalty.SaleAsync(Sale("S-2", merchantId: "no-program"));

        Assert.Equal(UnmatchedReason.NoCustomer, anonymous.Unmatched);
        Assert.Equal(UnmatchedReason.NoProgram, otherMerchant.Unmatched);
        var unmatched = await loyalty.QueryAsync(db => db.UnmatchedSales.OrderBy(u => u.ExternalSaleId).Select(u => new { u.ExternalSaleId, u.Reason }).ToListAsync());
        Assert.Equal([("S-1", UnmatchedReason.NoCustomer), ("S-2", UnmatchedReason.NoProgram)], unmatched.Select(u => (u.ExternalSaleId, u.Reason)));
        Assert.Equal(2, (await loyalty.OutboxAsync<SaleUnmatched>()).Count);
        Assert.Equal(0, await loyalty.QueryAsync(db => db.Cards.CountAsync()));
    }

    [Fact]
    public async Task ApplySale_UnknownCustomerWithoutAutoEnrolment_IsUnmatched()
    {
        await using var loyalty = await StartAsync(Program(p => p.AutoEnroll = false));

        var outcome = await loyalty.SaleAsync(Sale("S-1"));

        Assert.Equal(UnmatchedReason.UnknownCustomer, outcome.Unmatched);
        Assert.Equal(0, await loyalty.QueryAsync(db => db.Customers.CountAsync()));
    }

    [Fact]
    public async Task ApplySale_IdentifiersSeenTogether_AreLinkedSoALaterSaleFindsTheCardByAnyOfThem()
    {
        await using var loyalty = await StartAsync();
        var both = Sale("S-1") with { Customer = new CustomerIdentifiers { PosCustomerId = "c-1", EmailHash = "aa11" } };
        var emailOnly = Sale("S-2", connectorId: "shop-2") with { Customer = new CustomerIdentifiers { EmailHash = "AA11" } };

        var first = await loyalty.SaleAsync(both);
        var second = await loyalty.SaleAsync(emailOnly);

        Assert.Equal(first.CardId, second.CardId);
        Assert.Equal(2, (await CardOf(loyalty)).TotalStamps);
        Assert.Equal(1, await loyalty.QueryAsync(db => db.Customers.CountAsync()));
    }

    [Fact]
    public async Task ApplySale_ConcurrentFirstSalesOfANewCustomer_ShareOneCard()
    {
        await using var loyalty = await StartAsync();

        var outcomes = await Task.WhenAll(Enumerable.Range(1, 16).Select(i => Task.Run(() => loyalty.SaleAsync(Sale($"S-{i}")))));

        Assert.Single(outcomes.Select(o => o.CardId).Distinct());
        Assert.Equal(16, (await CardOf(loyalty)).TotalStamps);
        Assert.Equal(1, await loyalty.QueryAsync(db => db.Customers.CountAsync()));
    }

    [Fact]
    public async Task ApplySale_CarryingTheCode_RedeemsTheVoucherOnceAndASecondSaleIsRefused()
    {
        await using var loyalty = await StartAsync(Program(p => p.StampGoal = 1));
        await loyalty.SaleAsync(Sale("S-1"));
        var code = (await loyalty.QueryAsync(db => db.Vouchers.SingleAsync())).Code;

        var winner = await loyalty.SaleAsync(Sale("S-2", customerId: null, codes: "  " + code.ToLowerInvariant() + " "));
        var replay = await loyalty.SaleAsync(Sale("S-2", customerId: null, codes: code));
        var loser = await loyalty.SaleAsync(Sale("S-3", customerId: null, codes: code));

        Assert.Equal(1, winner.VouchersRedeemed);
        Assert.True(replay.Duplicate);
        Assert.Equal((0, 1), (loser.VouchersRedeemed, loser.CodesRejected));
        var voucher = await loyalty.QueryAsync(db => db.Vouchers.SingleAsync());
        Assert.Equal((VoucherState.Redeemed, RedemptionMethod.RedeemCode, ConnectorId, "S-2"), (voucher.State, voucher.RedeemedBy!.Value, voucher.RedeemedByConnectorId, voucher.RedeemedBySaleId));
        var redeemed = Assert.Single(await loyalty.OutboxAsync<VoucherRedeemed>());
        Assert.Equal(("S-2", voucher.Id), (redeemed.ExternalSaleId, redeemed.VoucherId));
        var rejected = Assert.Single(await loyalty.OutboxAsync<RedeemCodeRejected>());
        Assert.Equal(("S-3", RedeemCodeRejectionReason.AlreadyRedeemed, "S-2", voucher.Id), (rejected.ExternalSaleId, rejected.Reason, rejected.RedeemedBySaleId, rejected.VoucherId));
        Assert.Equal(voucher.ClosedAt, rejected.RedeemedAt);
    }

    [Fact]
    public async Task ApplySale_CodeInADiscountNameOrCatalogId_IsMatchedToo()
    {
        await using var loyalty = await StartAsync(Program(p => p.StampGoal = 1));
        await loyalty.SaleAsync(Sale("S-1"));
        var code = (await loyalty.QueryAsync(db => db.Vouchers.SingleAsync())).Code;

        var outcome = await loyalty.SaleAsync(Sale("S-2", customerId: null) with { Discounts = [new AppliedDiscount { Name = "Reward", CatalogObjectId = code, Amount = 3m }] });

        Assert.Equal(1, outcome.VouchersRedeemed);
    }

    [Fact]
    public async Task ApplySale_UnknownCodeOfOurs_IsRefusedAndOrdinaryDiscountsAreLeftAlone()
    {
        await using var loyalty = await StartAsync();

        var outcome = await loyalty.SaleAsync(Sale("S-1", codes: ["CAFE-ABCDEF", "10% OFF", "SUMMER"]));

        Assert.Equal(1, outcome.CodesRejected);
        var rejected = Assert.Single(await loyalty.OutboxAsync<RedeemCodeRejected>());
        Assert.Equal(("CAFE-ABCDEF", RedeemCodeRejectionReason.Unknown), (rejected.Code, rejected.Reason));
    }

    [Fact]
    public async Task ApplySale_ExpiredVoucher_IsRefusedAndExpiryRunsOnTheInjectedClock()
    {
        await using var loyalty = await StartAsync(Program(p => (p.StampGoal, p.VoucherExpiry, p.VoucherValidDays) = (1, VoucherExpiryKind.DaysAfterIssue, 30)));
        await loyalty.SaleAsync(Sale("S-1"));
        await loyalty.SaleAsync(Sale("S-2"));
        var vouchers = await loyalty.QueryAsync(db => db.Vouchers.OrderBy(v => v.Cycle).ToListAsync());
        Assert.All(vouchers, v => Assert.Equal(loyalty.Time.GetUtcNow().AddDays(30), v.ExpiresAt));

        loyalty.Time.Advance(TimeSpan.FromDays(29));
        Assert.Equal(0, await loyalty.UseAsync<LoyaltyEngine, int>(e => e.ExpireDueVouchersAsync(CancellationToken.None)));
        loyalty.Time.Advance(TimeSpan.FromDays(2));
        var late = await loyalty.SaleAsync(Sale("S-3", customerId: null) with { OccurredAt = loyalty.Time.GetUtcNow(), Discounts = [new AppliedDiscount { Code = vouchers[0].Code, Amount = 1m }] });
        var swept = await loyalty.UseAsync<LoyaltyEngine, int>(e => e.ExpireDueVouchersAsync(CancellationToken.None));

        Assert.Equal(1, late.CodesRejected);
        Assert.Equal(RedeemCodeRejectionReason.Expired, Assert.Single(await loyalty.OutboxAsync<RedeemCodeRejected>()).Reason);
        Assert.Equal(1, swept);
        Assert.All(await loyalty.QueryAsync(db => db.Vouchers.ToListAsync()), v => Assert.Equal(VoucherState.Expired, v.State));
        Assert.Equal(2, (await loyalty.OutboxAsync<VoucherExpired>()).Count);
    }

    [Fact]
    public async Task ApplySale_PoolCodes_AreHandedOutAndAnEmptyPoolOwesTheVoucherUntilCodesArrive()
    {
        await using var loyalty = await StartAsync(Program(p => (p.StampGoal, p.CodeSource) = (1, RedeemCodeSource.Pool)));
        var programId = await loyalty.QueryAsync(db => db.Programs.Select(p => p.Id).SingleAsync());
        await loyalty.UseAsync<LoyaltyEngine, (int, int)>(e => e.ImportPoolCodesAsync(programId, ["SQ-FREE-001", "sq-free-001", " "], CancellationToken.None));

        await loyalty.SaleAsync(Sale("S-1"));
        await loyalty.SaleAsync(Sale("S-2"));

        var card = await CardOf(loyalty);
        Assert.Equal(2, card.CyclesCompleted);
        Assert.Equal(["SQ-FREE-001"], await loyalty.QueryAsync(db => db.Vouchers.Select(v => v.Code).ToListAsync()));
        var empty = Assert.Single(await loyalty.OutboxAsync<RedeemCodePoolEmpty>());
        Assert.Equal((card.Id, 2), (empty.CardId, empty.Cycle));

        var (added, minted) = await loyalty.UseAsync<LoyaltyEngine, (int, int)>(e => e.ImportPoolCodesAsync(programId, ["SQ-FREE-001", "SQ-FREE-002"], CancellationToken.None));

        Assert.Equal((1, 1), (added, minted));
        Assert.Equal([(1, "SQ-FREE-001"), (2, "SQ-FREE-002")], (await loyalty.QueryAsync(db => db.Vouchers.OrderBy(v => v.Cycle).Select(v => new { v.Cycle, v.Code }).ToListAsync())).Select(v => (v.Cycle, v.Code)));
        var poolVoucher = await loyalty.SaleAsync(Sale("S-3", customerId: null, codes: "sq-free-002"));
        Assert.Equal(1, poolVoucher.VouchersRedeemed);
    }

    [Fact]
    public async Task ApplyRefund_Full_TakesTheStampsBackAndAMintedVoucherStaysAsDebt()
    {
        await using var loyalty = await StartAsync(Program(p => (p.StampGoal, p.StampsPerVisit) = (3, 1)));
        for (var i = 1; i <= 3; i++)
        {
            await loyalty.SaleAsync(Sale($"S-{i}"));
        }

        Assert.True(await loyalty.RefundAsync(Refund("R-1", "S-2", 4.20m, full: true)));
        Assert.False(await loyalty.RefundAsync(Refund("R-1", "S-2", 4.20m, full: true)));

        var card = await CardOf(loyalty);
        Assert.Equal((2, 1), (card.TotalStamps, card.CyclesCompleted));
        Assert.Equal(1, await loyalty.QueryAsync(db => db.Vouchers.CountAsync(v => v.State == VoucherState.Issued)));
        var revoked = Assert.Single(await loyalty.OutboxAsync<StampsRevoked>());
        Assert.Equal((1, 0, 1), (revoked.Stamps, revoked.Balance, revoked.Debt));

        // The debt is paid before the next voucher: two more sales bring the card to 4 = one cycle and one stamp.
        await loyalty.SaleAsync(Sale("S-4"));
        await loyalty.SaleAsync(Sale("S-5"));
        card = await CardOf(loyalty);
        Assert.Equal((4, 1), (card.TotalStamps, card.CyclesCompleted));
    }

    [Fact]
    public async Task ApplyRefund_MoreThanTheCardHolds_StampsNeverGoBelowZero()
    {
        await using var loyalty = await StartAsync(Program(p => (p.EarningRule, p.AmountPerStamp) = (EarningRuleKind.PerAmount, 1m)));
        await loyalty.SaleAsync(Sale("S-1", total: 5m));
        await loyalty.QueryAsync(db => db.Cards.ExecuteUpdateAsync(s => s.SetProperty(c => c.TotalStamps, 2)));

        await loyalty.RefundAsync(Refund("R-1", "S-1", 5m, full: true));

        Assert.Equal(0, (await CardOf(loyalty)).TotalStamps);
    }

    [Fact]
    public async Task ApplyRefund_PartialUnderAnAmountRule_TakesBackInProportion()
    {
        await using var loyalty = await StartAsync(Program(p => (p.EarningRule, p.AmountPerStamp, p.StampGoal) = (EarningRuleKind.PerAmount, 1m, 100)));
        await loyalty.SaleAsync(Sale("S-1", total: 10m));

        await loyalty.RefundAsync(Refund("R-1", "S-1", 4m, full: false));
        Assert.Equal(6, (await CardOf(loyalty)).TotalStamps);
        await loyalty.RefundAsync(Refund("R-2", "S-1", 6m, full: false));
        Assert.Equal(0, (await CardOf(loyalty)).TotalStamps);
        Assert.Equal([4, 6], (await loyalty.OutboxAsync<StampsRevoked>()).Select(r => r.Stamps));
    }

    [Fact]
    public async Task ApplyRefund_PartialUnderAVisitRule_KeepsTheStamp()
    {
        await using var loyalty = await StartAsync();
        await loyalty.SaleAsync(Sale("S-1", total: 10m));

        await loyalty.RefundAsync(Refund("R-1", "S-1", 4m, full: false));

        Assert.Equal(1, (await CardOf(loyalty)).TotalStamps);
    }

    [Fact]
    public async Task ApplyRefund_ArrivingBeforeItsSale_StillApplies()
    {
        await using var loyalty = await StartAsync();

        await loyalty.RefundAsync(Refund("R-1", "S-1", 4.20m, full: true));
        await loyalty.SaleAsync(Sale("S-1"));

        Assert.Equal(0, (await CardOf(loyalty)).TotalStamps);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ApplyRefund_WhileItsSaleIsBeingApplied_StillTakesTheStampBack(bool batch)
    {
        // Arrange: the sale's transaction stops right after it looked for refunds of its sales (none yet); the
        // refund then runs in a transaction of its own. (A batch reads refunds once for all its sales; a sale alone
        // reads them when it records its award.)
        await using var loyalty = await StartAsync();
        await loyalty.SaleAsync(Sale("S-0"));
        using var pause = new PauseAfter("sale_refunds");
        var (engine, context) = loyalty.EngineWith(pause);
        await using var _ = context;
        SaleCompleted[] sales = batch ? [Sale("S-1"), Sale("S-2", customerId: "c-2")] : [Sale("S-1")];
        var applying = Task.Run(() => engine.ApplySalesAsync(sales, CancellationToken.None));
        await pause.WaitUntilReachedAsync();

        // Act: the refund runs while the sale's transaction is open. It either waits for the sale's commit, or (were
        // nothing to order the two) commits first without seeing the award, which the sale then never learns of.
        var refunding = Task.Run(() => loyalty.RefundAsync(Refund("R-1", "S-1", 4.20m, full: true)));
        await Task.WhenAny(refunding, Task.Delay(TimeSpan.FromSeconds(1)));
        pause.Release();
        var errors = await applying;
        Assert.True(await refunding);

        // Assert: S-0's stamp stays, S-1's is taken back, once.
        Assert.All(errors, Assert.Null);
        Assert.Equal(1, (await CardOf(loyalty)).TotalStamps);
        Assert.Equal(1, await loyalty.QueryAsync(db => db.StampAwards.Where(a => a.ExternalSaleId == "S-1").Select(a => a.StampsRevoked).SingleAsync()));
        var revoked = Assert.Single(await loyalty.OutboxAsync<StampsRevoked>());
        Assert.Equal(("S-1", 1), (revoked.ExternalSaleId, revoked.Stamps));
    }

    [Fact]
    public async Task ApplyRefund_OfTheRedeemingSale_ReinstatesTheVoucher()
    {
        await using var loyalty = await StartAsync(Program(p => p.StampGoal = 1));
        await loyalty.SaleAsync(Sale("S-1"));
        var code = (await loyalty.QueryAsync(db => db.Vouchers.SingleAsync())).Code;
        await loyalty.SaleAsync(Sale("S-2", customerId: null, codes: code));

        await loyalty.RefundAsync(Refund("R-1", "S-2", 0m, full: true));

        var voucher = await loyalty.QueryAsync(db => db.Vouchers.SingleAsync());
        Assert.Equal((VoucherState.Issued, (string?)null), (voucher.State, voucher.RedeemedBySaleId));
        Assert.Single(await loyalty.OutboxAsync<VoucherReinstated>());
        Assert.Equal(
            [VoucherState.Issued, VoucherState.Redeemed, VoucherState.Issued],
            await loyalty.QueryAsync(db => db.VoucherHistory.OrderBy(h => h.Id).Select(h => h.State).ToListAsync()));
        Assert.Equal(1, (await loyalty.SaleAsync(Sale("S-3", customerId: null, codes: code))).VouchersRedeemed);
    }

    [Fact]
    public async Task ApplySale_AThousandConcurrentSalesOfOneCustomer_LoseNoStampAndMintEveryVoucher()
    {
        const int sales = 1000;
        await using var loyalty = await StartAsync();

        await Task.WhenAll(Enumerable.Range(1, sales).Select(i => loyalty.Harness.Bus.Publish(Sale($"S-{i}"))));
        await loyalty.WaitForConsumedAsync<SaleCompleted>(sales);

        var card = await CardOf(loyalty);
        Assert.Equal((sales, sales / 10), (card.TotalStamps, card.CyclesCompleted));
        Assert.Equal(Enumerable.Range(1, sales / 10), await loyalty.QueryAsync(db => db.Vouchers.OrderBy(v => v.Cycle).Select(v => v.Cycle).ToListAsync()));
        Assert.False(await loyalty.Harness.Published.Any<MassTransit.Fault<SaleCompleted>>());
    }

    [Fact]
    public async Task ApplySale_FiftyConcurrentSalesWithOneCodeOnThreeConsumerInstances_RedeemItExactlyOnce()
    {
        await using var first = await StartAsync(Program(p => p.StampGoal = 1));
        await first.SaleAsync(Sale("S-0"));
        var code = (await first.QueryAsync(db => db.Vouchers.SingleAsync())).Code;
        await using var second = await LoyaltyHarness.StartBesideAsync(first);
        await using var third = await LoyaltyHarness.StartBesideAsync(first);
        LoyaltyHarness[] instances = [first, second, third];

        await Task.WhenAll(Enumerable.Range(1, 50).Select(i => instances[i % 3].Harness.Bus.Publish(Sale($"T-{i}", customerId: null, codes: code))));
        await first.WaitForConsumedAsync<SaleCompleted>(51);

        var voucher = await first.QueryAsync(db => db.Vouchers.SingleAsync());
        Assert.Equal(VoucherState.Redeemed, voucher.State);
        Assert.Single(await first.OutboxAsync<VoucherRedeemed>());
        var rejections = await first.OutboxAsync<RedeemCodeRejected>();
        Assert.Equal(49, rejections.Count);
        Assert.All(rejections, r => Assert.Equal((RedeemCodeRejectionReason.AlreadyRedeemed, voucher.RedeemedBySaleId), (r.Reason, r.RedeemedBySaleId)));
        Assert.DoesNotContain(rejections, r => r.ExternalSaleId == voucher.RedeemedBySaleId);
    }

    /// <summary>Holds the first command whose text contains <paramref name="table"/>, once it has run, until released.</summary>
    private sealed class PauseAfter(string table) : Microsoft.EntityFrameworkCore.Diagnostics.DbCommandInterceptor, IDisposable
    {
        private readonly SemaphoreSlim _reached = new(0);
        private readonly SemaphoreSlim _released = new(0);
        private int _paused;

        public async Task WaitUntilReachedAsync()
        {
            Assert.True(await _reached.WaitAsync(TimeSpan.FromMinutes(1)), $"No command on {table} ran within a minute.");
        }

        public void Release() => _released.Release();

        public void Dispose()
        {
            _reached.Dispose();
            _released.Dispose();
        }

        public override async ValueTask<System.Data.Common.DbDataReader> ReaderExecutedAsync(System.Data.Common.DbCommand command, Microsoft.EntityFrameworkCore.Diagnostics.CommandExecutedEventData eventData, System.Data.Common.DbDataReader result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.Contains(table, StringComparison.Ordinal) && Interlocked.Exchange(ref _paused, 1) == 0)
            {
                _reached.Release();
                await _released.WaitAsync(CancellationToken.None);
            }

            return result;
        }
    }

    /// <summary>Waits up to 10 s for what the relay does in the background.</summary>
    private static Task<bool> RunningEventually(Func<Task<bool>> condition) => Eventually.HoldsAsync(condition, TimeSpan.FromSeconds(10));
}

public sealed class LoyaltyEngineSqliteTests : LoyaltyEngineTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.Sqlite;
}

public sealed class LoyaltyEnginePostgresTests : LoyaltyEngineTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.PostgreSql;
}
