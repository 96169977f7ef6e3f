using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Engine;

namespace SevenStamp.Loyalty.Tests;

/// <summary>
/// A model-based test of the engine: CsCheck generates random sequences of sales (three customers and anonymous
/// ones), redeliveries, full and partial refunds (of earlier sales, of sales still to come and of one that never
/// comes), refund redeliveries, sales carrying a voucher's Redeem Code (spent or not, in any case and padding) and
/// clock advances with or without the expiry sweep. <see cref="LoyaltyModel"/>, a plain in-memory statement of the
/// engine's rules, runs each sequence first and says what every step should return and what the cards and vouchers
/// should look like after it; then the sequence runs on a fresh database, and the engine's answers, state, outbox
/// events and voucher history are compared with the model's, after which a prefix of the deliveries is replayed
/// and must change nothing. A failure names the step and what differs, and prints the sequence up to that step with
/// the model's expectations; CsCheck adds the seed that reproduces it (CsCheck_Seed) and the generated operations.
/// </summary>
public abstract class LoyaltyModelTests
{
    protected abstract LoyaltyStoreProvider Provider { get; }

    /// <summary>
    /// How many sequences CsCheck runs (each on its own database), one at a time. For a longer hunt set CsCheck_Iter
    /// (and CsCheck_Threads); to rerun a failure set CsCheck_Seed to the seed its message names.
    /// </summary>
    protected abstract long Iterations { get; }

    [Fact]
    public Task Engine_RandomSequencesOfSalesRefundsCodesAndRedeliveries_MatchTheModel() =>
        ModelScenario.Generator.SampleAsync(
            RunAsync,
            iter: Environment.GetEnvironmentVariable("CsCheck_Iter") is null ? Iterations : -1,
            threads: Environment.GetEnvironmentVariable("CsCheck_Threads") is null ? 1 : -1,
            print: s => s.ToString());

    [Fact]
    public void Model_Itself_FollowsTheDocumentedRules()
    {
        // A fixed sequence, checked by hand, so a mistake in the model cannot hide behind agreeing with the engine.
        var model = new LoyaltyModel(EarningRuleKind.PerAmount, expiry: true);
        var first = model.ApplySale("S-1", "c-1", 7.50m, code: null, unknownCode: false);
        Assert.Equal((7, 2), (first.Outcome.StampsAwarded, first.Outcome.VouchersIssued));
        Assert.True(model.ApplyRefund("R-1", "S-1", 2.50m, full: false).Applied);
        Assert.False(model.ApplyRefund("R-1", "S-1", 2.50m, full: false).Applied);
        Assert.Equal(["card c-1: total 5, cycles 2, progress 0, debt 1", "voucher c-1#1: Issued", "voucher c-1#2: Issued"], model.Render());
        var firstVoucher = new VoucherKey("c-1", 1);
        var use = model.ApplySale("S-2", null, 1m, firstVoucher, unknownCode: false);
        Assert.Equal((1, 0, UnmatchedReason.NoCustomer), (use.Outcome.VouchersRedeemed, use.Outcome.CodesRejected, use.Outcome.Unmatched));
        Assert.Equal(1, model.ApplySale("S-3", null, 1m, firstVoucher, unknownCode: false).Outcome.CodesRejected);
        Assert.True(model.ApplySale("S-2", null, 1m, firstVoucher, unknownCode: false).Outcome.Duplicate);
        Assert.True(model.ApplyRefund("R-2", "S-2", 1m, full: true).Applied);
        model.Advance(3, sweep: false);
        var late = model.ApplySale("S-4", null, 1m, firstVoucher, unknownCode: false);
        Assert.Equal((0, 1), (late.Outcome.VouchersRedeemed, late.Outcome.CodesRejected));
        Assert.Equal((1, "day 3, expires c-1#2"), model.Advance(0, sweep: true));
        Assert.Equal(["card c-1: total 5, cycles 2, progress 0, debt 1", "voucher c-1#1: Expired", "voucher c-1#2: Expired"], model.Render());
        Assert.True(model.ApplyRefund("R-3", "S-5", 10m, full: true).Applied);
        var refundedFirst = model.ApplySale("S-5", "c-2", 3m, firstVoucher, unknownCode: false);
        Assert.Equal((3, 1, 0, 0), (refundedFirst.Outcome.StampsAwarded, refundedFirst.Outcome.VouchersIssued, refundedFirst.Outcome.VouchersRedeemed, refundedFirst.Outcome.CodesRejected));
        Assert.Contains("card c-2: total 0, cycles 1, progress 0, debt 3", model.Render());
        Assert.Equal(["c-1#1: Issued > Redeemed > Issued > Expired", "c-1#2: Issued > Expired", "c-2#1: Issued"], model.History());
        Assert.Equal(["S-3: AlreadyRedeemed (c-1#1), redeemed by S-2", "S-4: Expired (c-1#1)"], model.Rejections);
    }

    private async Task RunAsync(ModelScenario scenario)
    {
        var plan = ModelPlan.Of(scenario);
        await using var loyalty = await LoyaltyHarness.StartAsync(Provider, scenario.Program());
        var sales = new Dictionary<string, SaleCompleted>(StringComparer.Ordinal);
        var refunds = new Dictionary<string, SaleRefunded>(StringComparer.Ordinal);
        var deliveries = new List<object>();
        var view = EngineView.Empty;

        foreach (var entry in plan.Entries)
        {
            var step = entry.Step;
            switch (step)
            {
                case SaleStep s:
                    var sale = s.Redelivery ? sales[s.SaleId] : NewSale(plan, s, view, loyalty.Time.GetUtcNow());
                    sales[s.SaleId] = sale;
                    deliveries.Add(sale);
                    var outcome = await loyalty.SaleAsync(sale);
                    Expect(plan, $"Step {step.Number} ({step}): the sale's outcome", [Describe(s.Expected)], [Describe(outcome with { CardId = null })], step.Number);
                    view = await EngineView.ReadAsync(loyalty);
                    if (!outcome.Duplicate && s.Customer is not null && (outcome.CardId is not { } cardId || view.CustomerOfCard.GetValueOrDefault(cardId) != s.Customer))
                    {
                        Fail(plan, $"Step {step.Number} ({step}): the outcome names card {outcome.CardId}, which is not {s.Customer}'s", step.Number);
                    }

                    break;
                case RefundStep r:
                    var refund = r.Redelivery ? refunds[r.RefundId] : LoyaltyHarness.Refund(r.RefundId, r.SaleId, r.Amount, r.Full) with { OccurredAt = loyalty.Time.GetUtcNow() };
                    refunds[r.RefundId] = refund;
                    deliveries.Add(refund);
                    var applied = await loyalty.RefundAsync(refund);
                    Expect(plan, $"Step {step.Number} ({step}): whether the refund was new", [r.Expected.ToString()], [applied.ToString()], step.Number);
                    view = await EngineView.ReadAsync(loyalty);
                    break;
                case AdvanceStep a:
                    loyalty.Time.Advance(TimeSpan.FromDays(a.Days));
                    if (a.Sweep)
                    {
                        var expired = await loyalty.UseAsync<LoyaltyEngine, int>(e => e.ExpireDueVouchersAsync(CancellationToken.None));
                        Expect(plan, $"Step {step.Number} ({step}): vouchers the sweep expired", [a.Expected.ToString(CultureInfo.InvariantCulture)], [expired.ToString(CultureInfo.InvariantCulture)], step.Number);
                    }

                    view = await EngineView.ReadAsync(loyalty);
                    break;
            }

            if (view.NegativeCards.Count > 0)
            {
                Fail(plan, $"After step {step.Number} ({step}) a card holds negative stamps: {string.Join(", ", view.NegativeCards)}", step.Number);
            }

            Expect(plan, $"After step {step.Number} ({step}): cards and vouchers", entry.StateAfter, view.Lines, step.Number);
        }

        await CheckEventsAndHistoryAsync(loyalty, plan, view);
        await CheckReplayChangesNothingAsync(loyalty, plan, deliveries);
    }

    private static SaleCompleted NewSale(ModelPlan plan, SaleStep step, EngineView view, DateTimeOffset now)
    {
        string[] codes = [];
        if (step.Code is { } key)
        {
            if (!view.Codes.TryGetValue(key, out var code))
            {
                Fail(plan, $"Step {step.Number} ({step}): the engine has no voucher {key}", step.Number);
            }

            codes = [step.Mangle ? "  " + code.ToLowerInvariant() + " " : code];
        }
        else if (step.UnknownCode)
        {
            codes = [LoyaltyModel.UnknownCode];
        }

        return LoyaltyHarness.Sale(step.SaleId, step.Customer, step.Total, codes: codes) with { OccurredAt = now };
    }

    /// <summary>The outbox events and voucher history the sequence left, against the model's; and that no voucher was redeemed twice over.</summary>
    private static async Task CheckEventsAndHistoryAsync(LoyaltyHarness loyalty, ModelPlan plan, EngineView view)
    {
        var model = plan.Model;
        string CustomerOf(Guid cardId) => view.CustomerOfCard.GetValueOrDefault(cardId, $"card {cardId}");
        string KeyOf(Guid? voucherId) => voucherId is { } id && view.KeyOfVoucher.TryGetValue(id, out var key) ? key.ToString() : $"voucher {voucherId}";

        Expect(plan, "StampsAwarded events", model.Awarded,
            (await loyalty.OutboxAsync<StampsAwarded>()).Select(e => LoyaltyModel.AwardedLine(CustomerOf(e.CardId), e.ExternalSaleId, e.Stamps, e.Balance, e.Debt, e.Goal)));
        Expect(plan, "StampsRevoked events", model.Revoked,
            (await loyalty.OutboxAsync<StampsRevoked>()).Select(e => LoyaltyModel.RevokedLine(CustomerOf(e.CardId), e.ExternalSaleId, e.ExternalRefundId, e.Stamps, e.Balance, e.Debt, e.Goal)));
        Expect(plan, "VoucherIssued events", model.Issued,
            (await loyalty.OutboxAsync<VoucherIssued>()).Select(e => new VoucherKey(CustomerOf(e.CardId), e.Cycle).ToString()));
        var redeemed = await loyalty.OutboxAsync<VoucherRedeemed>();
        Expect(plan, "VoucherRedeemed events", model.Redemptions, redeemed.Select(e => LoyaltyModel.RedeemedLine(KeyOf(e.VoucherId), e.ExternalSaleId, e.Method)));
        var reinstated = await loyalty.OutboxAsync<VoucherReinstated>();
        Expect(plan, "VoucherReinstated events", model.Reinstatements, reinstated.Select(e => LoyaltyModel.ReinstatedLine(KeyOf(e.VoucherId), e.ExternalSaleId)));
        Expect(plan, "VoucherExpired events (any order)", model.Expirations.Order(StringComparer.Ordinal),
            (await loyalty.OutboxAsync<VoucherExpired>()).Select(e => KeyOf(e.VoucherId)).Order(StringComparer.Ordinal));
        Expect(plan, "RedeemCodeRejected events", model.Rejections,
            (await loyalty.OutboxAsync<RedeemCodeRejected>()).Select(e => LoyaltyModel.RejectedLine(e.ExternalSaleId, e.Reason, e.VoucherId is null ? null : KeyOf(e.VoucherId), e.RedeemedBySaleId)));

        var history = await loyalty.QueryAsync(db => db.VoucherHistory.AsNoTracking().ToListAsync());
        var engineHistory = history.OrderBy(h => h.Id).GroupBy(h => h.VoucherId)
            .Select(g => LoyaltyModel.HistoryLine(KeyOf(g.Key), g.Select(h => h.State)))
            .Order(StringComparer.Ordinal)
            .ToList();
        Expect(plan, "Voucher history", model.History(), engineHistory);

        // Exactly once, independently of the model: between two redemptions of a voucher the history shows it issued
        // again (a full refund of the redeeming sale), and no voucher has more redemption events than that allows.
        foreach (var group in history.OrderBy(h => h.Id).GroupBy(h => h.VoucherId))
        {
            var redeemedNow = false;
            foreach (var state in group.Select(h => h.State))
            {
                if (state == VoucherState.Redeemed && redeemedNow)
                {
                    Fail(plan, $"Voucher {KeyOf(group.Key)} was redeemed twice without being issued again in between: {string.Join(", ", group.Select(h => h.State))}");
                }

                redeemedNow = state == VoucherState.Redeemed;
            }

            var redemptions = redeemed.Count(e => e.VoucherId == group.Key);
            var reinstatements = reinstated.Count(e => e.VoucherId == group.Key);
            if (redemptions - reinstatements is not (0 or 1))
            {
                Fail(plan, $"Voucher {KeyOf(group.Key)} has {redemptions} VoucherRedeemed and {reinstatements} VoucherReinstated events");
            }
        }

        Expect(plan, "Unmatched sales", model.Unmatched,
            (await loyalty.QueryAsync(db => db.UnmatchedSales.AsNoTracking().ToListAsync())).OrderBy(u => u.Id).Select(u => LoyaltyModel.UnmatchedLine(u.ExternalSaleId, u.Reason)));
        Expect(plan, "Deliveries counted in the inbox", model.Deliveries(extra: []), await DeliveriesAsync(loyalty));
    }

    /// <summary>Redelivers the first deliveries of the sequence again, in order: each is a duplicate and the database does not change.</summary>
    private static async Task CheckReplayChangesNothingAsync(LoyaltyHarness loyalty, ModelPlan plan, List<object> deliveries)
    {
        var replay = deliveries.Take(plan.ReplayCount).ToList();
        var before = await SnapshotAsync(loyalty);
        var replayed = new List<string>();
        foreach (var delivery in replay)
        {
            switch (delivery)
            {
                case SaleCompleted sale:
                    var outcome = await loyalty.SaleAsync(sale);
                    if (outcome != new SaleOutcome { Duplicate = true })
                    {
                        Fail(plan, $"Replaying sale {sale.ExternalSaleId} after the sequence was not a plain duplicate: {Describe(outcome)}");
                    }

                    replayed.Add($"sale {sale.ExternalSaleId}");
                    break;
                case SaleRefunded refund:
                    if (await loyalty.RefundAsync(refund))
                    {
                        Fail(plan, $"Replaying refund {refund.ExternalRefundId} after the sequence applied it again");
                    }

                    replayed.Add($"refund {refund.ExternalRefundId}");
                    break;
            }
        }

        var after = await SnapshotAsync(loyalty);
        foreach (var (table, rows) in before)
        {
            if (rows != after[table])
            {
                Fail(plan, $"Replaying the first {replay.Count} deliveries ({string.Join(", ", replayed)}) changed table {table}.\nBefore:\n{Indent(rows)}\nAfter:\n{Indent(after[table])}");
            }
        }

        Expect(plan, "Deliveries counted in the inbox after the replay", plan.Model.Deliveries(replayed), await DeliveriesAsync(loyalty));
    }

    private static async Task<List<string>> DeliveriesAsync(LoyaltyHarness loyalty) =>
        (await loyalty.QueryAsync(db => db.ProcessedEvents.AsNoTracking().ToListAsync()))
            .Select(p => LoyaltyModel.DeliveryLine(p.Kind, p.ExternalId, p.Deliveries))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>Every table as JSON, rows in key order; the inbox's delivery counters and the outbox's sending columns are left out.</summary>
    private static Task<Dictionary<string, string>> SnapshotAsync(LoyaltyHarness loyalty) => loyalty.QueryAsync(async db => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["programs"] = Json((await db.Programs.AsNoTracking().ToListAsync()).OrderBy(x => x.Id)),
        ["customers"] = Json((await db.Customers.AsNoTracking().ToListAsync()).OrderBy(x => x.Id)),
        ["customer_links"] = Json((await db.CustomerLinks.AsNoTracking().ToListAsync()).OrderBy(x => x.Id)),
        ["cards"] = Json((await db.Cards.AsNoTracking().ToListAsync()).OrderBy(x => x.Id)),
        ["stamp_awards"] = Json((await db.StampAwards.AsNoTracking().ToListAsync()).OrderBy(x => x.Id)),
        ["sale_refunds"] = Json((await db.Refunds.AsNoTracking().ToListAsync()).OrderBy(x => x.Id)),
        ["unmatched_sales"] = Json((await db.UnmatchedSales.AsNoTracking().ToListAsync()).OrderBy(x => x.Id)),
        ["vouchers"] = Json((await db.Vouchers.AsNoTracking().ToListAsync()).OrderBy(x => x.Id)),
        ["voucher_history"] = Json((await db.VoucherHistory.AsNoTracking().ToListAsync()).OrderBy(x => x.Id)),
        ["pool_codes"] = Json((await db.PoolCodes.AsNoTracking().ToListAsync()).OrderBy(x => x.Id)),
        ["processed_events"] = Json((await db.ProcessedEvents.AsNoTracking().ToListAsync()).OrderBy(x => x.Id).Select(p => new { p.Id, p.MerchantId, p.ConnectorId, p.Kind, p.ExternalId, p.ProcessedAt })),
        ["outbox"] = Json((await db.Outbox.AsNoTracking().ToListAsync()).OrderBy(x => x.Id).Select(m => new { m.Id, m.MessageType, m.Payload, m.CreatedAt })),
    });

    private static string Json<T>(IEnumerable<T> rows) => string.Join('\n', rows.Select(r => JsonSerializer.Serialize(r)));

    private static string Describe(SaleOutcome outcome) => outcome.Duplicate
        ? "duplicate"
        : $"stamps {outcome.StampsAwarded}, vouchers issued {outcome.VouchersIssued}, redeemed {outcome.VouchersRedeemed}, codes rejected {outcome.CodesRejected}, unmatched {outcome.Unmatched?.ToString() ?? "no"}"
            + (outcome.CardId is null ? string.Empty : $", card {outcome.CardId}");

    private static void Expect(ModelPlan plan, string what, IEnumerable<string> model, IEnumerable<string> engine, int? failedStep = null)
    {
        var expected = string.Join('\n', model);
        var actual = string.Join('\n', engine);
        if (!string.Equals(expected, actual, StringComparison.Ordinal))
        {
            Fail(plan, $"{what} differ.\nModel:\n{Indent(expected)}\nEngine:\n{Indent(actual)}", failedStep);
        }
    }

    /// <summary>Fails with the sequence, up to <paramref name="failedStep"/> when a step failed (the rest did not run).</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Fail(ModelPlan plan, string what, int? failedStep = null) =>
        Assert.Fail($"{what}\n\nThe sequence, with what the model expects after each arrow:\n{plan.Describe(failedStep)}");

    private static string Indent(string text) => text.Length == 0 ? "    (none)" : string.Join('\n', text.Split('\n').Select(l => "    " + l));

    /// <summary>The engine's cards and vouchers, named as the model names them (customer, cycle).</summary>
    private sealed record EngineView(
        IReadOnlyList<string> Lines,
        IReadOnlyList<string> NegativeCards,
        IReadOnlyDictionary<Guid, string> CustomerOfCard,
        IReadOnlyDictionary<Guid, VoucherKey> KeyOfVoucher,
        IReadOnlyDictionary<VoucherKey, string> Codes)
    {
        public static readonly EngineView Empty = new([], [], new Dictionary<Guid, string>(), new Dictionary<Guid, VoucherKey>(), new Dictionary<VoucherKey, string>());

        public static Task<EngineView> ReadAsync(LoyaltyHarness loyalty) => loyalty.QueryAsync(async db =>
        {
            var cards = await db.Cards.AsNoTracking()
                .Select(c => new
                {
                    c.Id,
                    c.TotalStamps,
                    c.CyclesCompleted,
                    Pos = db.CustomerLinks.Where(l => l.CustomerId == c.CustomerId && l.Kind == CustomerIdentity.Pos).Select(l => l.Value).FirstOrDefault(),
                })
                .ToListAsync();
            var vouchers = await db.Vouchers.AsNoTracking().Select(v => new { v.Id, v.CardId, v.Cycle, v.State, v.RedeemedBySaleId, v.Code }).ToListAsync();

            var prefix = LoyaltyHarness.ConnectorId + ":";
            var customerOfCard = cards.ToDictionary(c => c.Id, c => c.Pos is { } pos && pos.StartsWith(prefix, StringComparison.Ordinal) ? pos[prefix.Length..] : $"card {c.Id}");
            var keyOfVoucher = vouchers.ToDictionary(v => v.Id, v => new VoucherKey(customerOfCard.GetValueOrDefault(v.CardId, $"card {v.CardId}"), v.Cycle));
            var lines = cards.Select(c => LoyaltyModel.CardLine(customerOfCard[c.Id], c.TotalStamps, c.CyclesCompleted))
                .Concat(vouchers.Select(v => LoyaltyModel.VoucherLine(keyOfVoucher[v.Id], v.State, v.RedeemedBySaleId)))
                .Order(StringComparer.Ordinal)
                .ToList();
            return new EngineView(
                lines,
                [.. cards.Where(c => c.TotalStamps < 0).Select(c => $"{customerOfCard[c.Id]}: {c.TotalStamps}")],
                customerOfCard,
                keyOfVoucher,
                vouchers.ToDictionary(v => keyOfVoucher[v.Id], v => v.Code));
        });
    }
}

/// <summary>
/// The model tests run alone, after the others: each creates and drops dozens of databases, and the bus tests beside
/// them wait on MassTransit's test harness, which gives up after a few idle seconds on a busy machine.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoyaltyModelRunsAlone
{
    public const string Name = "Loyalty model, alone";
}

[Collection(LoyaltyModelRunsAlone.Name)]
public sealed class LoyaltyModelSqliteTests : LoyaltyModelTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.Sqlite;

    protected override long Iterations => 40;
}

[Collection(LoyaltyModelRunsAlone.Name)]
public sealed class LoyaltyModelPostgresTests : LoyaltyModelTests
{
    protected override LoyaltyStoreProvider Provider => LoyaltyStoreProvider.PostgreSql;

    protected override long Iterations => 10;
}

/// <summary>A voucher as the model names it: its customer and the cycle it rewards.</summary>
internal readonly record struct VoucherKey(string Customer, int Cycle)
{
    public override string ToString() => $"{Customer}#{Cycle}";
}

/// <summary>One generated operation. Picks are resolved (modulo what exists at that point) when the plan is made.</summary>
internal abstract record ModelOp;

/// <summary>A new sale; customer 0 is anonymous, 1..3 are c-1..c-3.</summary>
internal sealed record NewSaleOp(int Customer, int Cents) : ModelOp
{
    public override string ToString() => $"NewSale(c{Customer}, {Cents}c)";
}

internal sealed record RedeliverSaleOp(int Pick) : ModelOp
{
    public override string ToString() => $"RedeliverSale({Pick})";
}

/// <summary>
/// A refund of a sale of the sequence (earlier or later) or of one that never arrives; with <see cref="RedeemingSale"/>,
/// of an earlier sale that redeemed a voucher (when there is one), so that refunds reinstate vouchers often enough.
/// </summary>
internal sealed record RefundOp(int Pick, bool RedeemingSale, bool Full, int Percent) : ModelOp
{
    public override string ToString() => $"Refund({Pick}{(RedeemingSale ? " of a redeeming sale" : string.Empty)}, {(Full ? "full" : $"{Percent}%")})";
}

internal sealed record RedeliverRefundOp(int Pick) : ModelOp
{
    public override string ToString() => $"RedeliverRefund({Pick})";
}

/// <summary>A new sale carrying the code of an existing voucher, preferably a spent one when <see cref="Spent"/>.</summary>
internal sealed record UseCodeOp(int Customer, int Cents, int Pick, bool Spent, bool Mangle) : ModelOp
{
    public override string ToString() => $"UseCode(c{Customer}, {Cents}c, {Pick}{(Spent ? ", spent" : string.Empty)}{(Mangle ? ", mangled" : string.Empty)})";
}

internal sealed record ReplayCodeSaleOp(int Pick) : ModelOp
{
    public override string ToString() => $"ReplayCodeSale({Pick})";
}

internal sealed record AdvanceOp(int Days, bool Sweep) : ModelOp
{
    public override string ToString() => $"Advance({Days}d{(Sweep ? ", sweep" : string.Empty)})";
}

/// <summary>A generated test case: the program's rule, whether vouchers expire, the operations, and how much to replay.</summary>
internal sealed record ModelScenario(EarningRuleKind Rule, bool Expiry, ModelOp[] Ops, int ReplayPercent)
{
    private static readonly Gen<int> Customer = Gen.Int[0, 3];
    private static readonly Gen<int> Pick = Gen.Int[0, 999];

    private static readonly Gen<ModelOp> Op = Gen.Frequency(
        (8, Gen.Select(Customer, Gen.Int[0, 600], (c, cents) => (ModelOp)new NewSaleOp(c, cents))),
        (2, Pick.Select(p => (ModelOp)new RedeliverSaleOp(p))),
        (4, Gen.Select(Pick, Gen.Frequency((1, Gen.Const(true)), (3, Gen.Const(false))), Gen.Bool, Gen.Int[1, 110], (p, redeeming, full, percent) => (ModelOp)new RefundOp(p, redeeming, full, percent))),
        (1, Pick.Select(p => (ModelOp)new RedeliverRefundOp(p))),
        (4, Gen.Select(Gen.Frequency((3, Gen.Const(0)), (1, Gen.Int[1, 3])), Gen.Int[0, 600], Pick, Gen.Bool, Gen.Bool, (c, cents, p, spent, mangle) => (ModelOp)new UseCodeOp(c, cents, p, spent, mangle))),
        (1, Pick.Select(p => (ModelOp)new ReplayCodeSaleOp(p))),
        (3, Gen.Select(Gen.Int[1, 2], Gen.Bool, (days, sweep) => (ModelOp)new AdvanceOp(days, sweep))));

    public static readonly Gen<ModelScenario> Generator = Gen.Select(
        Gen.Bool.Select(perAmount => perAmount ? EarningRuleKind.PerAmount : EarningRuleKind.PerVisit),
        Gen.Bool,
        Op.Array[10, 40],
        Gen.Int[0, 100],
        (rule, expiry, ops, replay) => new ModelScenario(rule, expiry, ops, replay));

    /// <summary>The harness's default program with a goal of 3, the rule, and optionally a 3-day expiry.</summary>
    public ProgramDefinition Program()
    {
        var program = LoyaltyHarness.DefaultProgram();
        program.StampGoal = LoyaltyModel.Goal;
        program.EarningRule = Rule;
        if (Rule == EarningRuleKind.PerAmount)
        {
            program.AmountPerStamp = LoyaltyModel.AmountPerStamp;
        }

        if (Expiry)
        {
            program.VoucherExpiry = VoucherExpiryKind.DaysAfterIssue;
            program.VoucherValidDays = LoyaltyModel.ValidDays;
        }

        return program;
    }

    public override string ToString() => $"{Rule}, expiry {Expiry}, replay {ReplayPercent}%: {string.Join(", ", Ops.Select(o => o.ToString()))}";
}

/// <summary>A concrete step of a plan: what is delivered to the engine and what the model expects back.</summary>
internal abstract record PlanStep(int Number);

internal sealed record SaleStep(int Number, string SaleId, string? Customer, decimal Total, VoucherKey? Code, bool UnknownCode, bool Mangle, bool Redelivery, SaleOutcome Expected, string Note) : PlanStep(Number)
{
    public override string ToString()
    {
        var code = Code is { } key
            ? $" with the code of {key}{(Mangle ? " (lower case, padded)" : string.Empty)}"
            : UnknownCode ? $" with unknown code {LoyaltyModel.UnknownCode}" : string.Empty;
        return $"{(Redelivery ? "redeliver sale" : "sale")} {SaleId} {(Customer ?? "anonymous")} {LoyaltyModel.Money(Total)}{code} → {Note}";
    }
}

internal sealed record RefundStep(int Number, string RefundId, string SaleId, decimal Amount, bool Full, bool Redelivery, bool Expected, string Note) : PlanStep(Number)
{
    public override string ToString() =>
        $"{(Redelivery ? "redeliver refund" : "refund")} {RefundId} of {SaleId}, {(Full ? "full" : "partial")} {LoyaltyModel.Money(Amount)} → {Note}";
}

internal sealed record AdvanceStep(int Number, int Days, bool Sweep, int Expected, string Note) : PlanStep(Number)
{
    public override string ToString() => $"advance the clock {Days} day(s){(Sweep ? " and run the expiry sweep" : string.Empty)} → {Note}";
}

internal sealed record PlanEntry(PlanStep Step, IReadOnlyList<string> StateAfter);

/// <summary>A scenario resolved by running the model: concrete steps, each with the model's expected answer and state.</summary>
internal sealed class ModelPlan
{
    private const string NeverArrives = "S-999";

    private ModelPlan(ModelScenario scenario, LoyaltyModel model, List<PlanEntry> entries, int replayCount)
    {
        Scenario = scenario;
        Model = model;
        Entries = entries;
        ReplayCount = replayCount;
    }

    public ModelScenario Scenario { get; }

    /// <summary>The model after the whole sequence.</summary>
    public LoyaltyModel Model { get; }

    public IReadOnlyList<PlanEntry> Entries { get; }

    /// <summary>How many of the sequence's deliveries (sales and refunds, redeliveries included) are replayed at the end.</summary>
    public int ReplayCount { get; }

    public static ModelPlan Of(ModelScenario scenario)
    {
        var model = new LoyaltyModel(scenario.Rule, scenario.Expiry);

        // Sale ids in order of appearance, so a refund may name a sale that has not arrived yet.
        var planned = new List<(string Id, decimal Total)>();
        foreach (var op in scenario.Ops)
        {
            var cents = op switch
            {
                NewSaleOp n => n.Cents,
                UseCodeOp u => u.Cents,
                _ => (int?)null,
            };
            if (cents is not null)
            {
                planned.Add(($"S-{planned.Count + 1}", cents.Value / 100m));
            }
        }

        var entries = new List<PlanEntry>();
        var sales = new List<SaleStep>();
        var refunds = new List<RefundStep>();
        var nextSale = 0;
        var number = 0;
        foreach (var op in scenario.Ops)
        {
            PlanStep? step = null;
            switch (op)
            {
                case NewSaleOp n:
                {
                    var (id, total) = planned[nextSale++];
                    var customer = n.Customer == 0 ? null : $"c-{n.Customer}";
                    var (outcome, note) = model.ApplySale(id, customer, total, code: null, unknownCode: false);
                    step = new SaleStep(++number, id, customer, total, null, false, false, false, outcome, note);
                    sales.Add((SaleStep)step);
                    break;
                }

                case UseCodeOp u:
                {
                    var (id, total) = planned[nextSale++];
                    var customer = u.Customer == 0 ? null : $"c-{u.Customer}";
                    var key = model.PickVoucher(u.Pick, u.Spent);
                    var (outcome, note) = model.ApplySale(id, customer, total, key, unknownCode: key is null);
                    step = new SaleStep(++number, id, customer, total, key, key is null, u.Mangle, false, outcome, note);
                    sales.Add((SaleStep)step);
                    break;
                }

                case RedeliverSaleOp r when sales.Count > 0:
                    step = Redeliver(sales[r.Pick % sales.Count]);
                    break;

                case ReplayCodeSaleOp r when sales.Any(s => s.Code is not null || s.UnknownCode):
                    var codeSales = sales.Where(s => s.Code is not null || s.UnknownCode).ToList();
                    step = Redeliver(codeSales[r.Pick % codeSales.Count]);
                    break;

                case RefundOp r:
                {
                    var redeemingSales = sales.Where(s => s.Expected.VouchersRedeemed > 0).Select(s => (s.SaleId, s.Total)).ToList();
                    var targets = r.RedeemingSale && redeemingSales.Count > 0 ? redeemingSales : [.. planned, (NeverArrives, 5.00m)];
                    var (saleId, total) = targets[r.Pick % targets.Count];
                    var amount = r.Full ? total : decimal.Round(total * r.Percent / 100m, 2);
                    var refundId = $"R-{refunds.Count + 1}";
                    var (applied, note) = model.ApplyRefund(refundId, saleId, amount, r.Full);
                    step = new RefundStep(++number, refundId, saleId, amount, r.Full, false, applied, note);
                    refunds.Add((RefundStep)step);
                    break;
                }

                case RedeliverRefundOp r when refunds.Count > 0:
                {
                    var original = refunds[r.Pick % refunds.Count];
                    var (applied, note) = model.ApplyRefund(original.RefundId, original.SaleId, original.Amount, original.Full);
                    step = original with { Number = ++number, Redelivery = true, Expected = applied, Note = note };
                    break;
                }

                case AdvanceOp a:
                    var days = Math.Min(a.Days, LoyaltyModel.MaxDays - model.Day);
                    if (days > 0 || a.Sweep)
                    {
                        var (expired, note) = model.Advance(days, a.Sweep);
                        step = new AdvanceStep(++number, days, a.Sweep, expired, note);
                    }

                    break;
            }

            if (step is not null)
            {
                entries.Add(new PlanEntry(step, model.Render()));
            }
        }

        var deliveries = entries.Count(e => e.Step is SaleStep or RefundStep);
        var replayCount = deliveries == 0 ? 0 : Math.Max(1, deliveries * scenario.ReplayPercent / 100);
        return new ModelPlan(scenario, model, entries, replayCount);

        SaleStep Redeliver(SaleStep original)
        {
            var (outcome, note) = model.ApplySale(original.SaleId, original.Customer, original.Total, original.Code, original.UnknownCode);
            return original with { Number = ++number, Redelivery = true, Expected = outcome, Note = note };
        }
    }

    public override string ToString() => Describe(upTo: null);

    /// <summary>The plan as numbered steps; with <paramref name="upTo"/>, only the steps up to that one.</summary>
    public string Describe(int? upTo)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"  program: {Scenario.Rule}{(Scenario.Rule == EarningRuleKind.PerAmount ? $" (1 stamp per {LoyaltyModel.Money(LoyaltyModel.AmountPerStamp)})" : " (1 stamp per sale)")}, goal {LoyaltyModel.Goal}, ");
        text.Append(Scenario.Expiry ? $"vouchers expire {LoyaltyModel.ValidDays} days after issue" : "vouchers never expire").Append('\n');
        foreach (var entry in Entries.Where(e => upTo is null || e.Step.Number <= upTo))
        {
            text.Append(CultureInfo.InvariantCulture, $"  {entry.Step.Number,2}. {entry.Step}\n");
        }

        if (upTo is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"  (step {upTo} failed; {Entries.Count - upTo} more step(s) not run)\n  generated: ").Append(Scenario);
            return text.ToString();
        }

        text.Append(CultureInfo.InvariantCulture, $"  then replay the first {ReplayCount} deliveries: nothing may change\n");
        text.Append("  final state (model):\n");
        foreach (var line in Model.Render())
        {
            text.Append("      ").Append(line).Append('\n');
        }

        text.Append("  generated: ").Append(Scenario);
        return text.ToString();
    }
}

/// <summary>
/// The engine's rules in plain in-memory code (one program, one connector, generated codes, reinstatement on full
/// refunds on): what every sale, refund and clock advance should do. Written from the rules, not from the engine's code.
/// </summary>
internal sealed class LoyaltyModel(EarningRuleKind rule, bool expiry)
{
    public const int Goal = 3;
    public const int ValidDays = 3;

    /// <summary>The clock never goes past this many days: the outbox relay deletes rows sent more than 7 days ago.</summary>
    public const int MaxDays = 6;

    public const decimal AmountPerStamp = 1.00m;

    /// <summary>A code that looks generated (prefix, 6 characters of the alphabet) but belongs to no voucher.</summary>
    public const string UnknownCode = "CAFE-UNKN99";

    private readonly Dictionary<string, ModelCard> _cards = new(StringComparer.Ordinal);
    private readonly List<ModelVoucher> _vouchers = [];
    private readonly HashSet<string> _sales = new(StringComparer.Ordinal);
    private readonly HashSet<string> _refundIds = new(StringComparer.Ordinal);
    private readonly List<ModelRefund> _refunds = [];
    private readonly Dictionary<string, ModelAward> _awards = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _deliveries = new(StringComparer.Ordinal);

    public int Day { get; private set; }

    public List<string> Awarded { get; } = [];

    public List<string> Revoked { get; } = [];

    public List<string> Issued { get; } = [];

    public List<string> Redemptions { get; } = [];

    public List<string> Reinstatements { get; } = [];

    public List<string> Expirations { get; } = [];

    public List<string> Rejections { get; } = [];

    public List<string> Unmatched { get; } = [];

    public static string Money(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);

    public static string CardLine(string customer, int total, int cycles) =>
        $"card {customer}: total {total}, cycles {cycles}, progress {Card.Progress(total, cycles, Goal)}, debt {Card.Debt(total, cycles, Goal)}";

    public static string VoucherLine(VoucherKey key, VoucherState state, string? redeemedBy) =>
        $"voucher {key}: {state}{(redeemedBy is null ? string.Empty : $" by {redeemedBy}")}";

    public static string AwardedLine(string customer, string saleId, int stamps, int balance, int debt, int goal) =>
        $"{customer} {saleId}: +{stamps}, balance {balance}/{goal}, debt {debt}";

    public static string RevokedLine(string customer, string saleId, string refundId, int stamps, int balance, int debt, int goal) =>
        $"{customer} {saleId} by {refundId}: -{stamps}, balance {balance}/{goal}, debt {debt}";

    public static string RedeemedLine(string key, string? saleId, RedemptionMethod method) => $"{key} by {saleId} ({method})";

    public static string ReinstatedLine(string key, string saleId) => $"{key} after a full refund of {saleId}";

    public static string RejectedLine(string saleId, RedeemCodeRejectionReason reason, string? key, string? redeemedBy) =>
        $"{saleId}: {reason}{(key is null ? string.Empty : $" ({key})")}{(redeemedBy is null ? string.Empty : $", redeemed by {redeemedBy}")}";

    public static string HistoryLine(string key, IEnumerable<VoucherState> states) => $"{key}: {string.Join(" > ", states)}";

    public static string UnmatchedLine(string saleId, UnmatchedReason reason) => $"{saleId}: {reason}";

    public static string DeliveryLine(string kind, string id, int deliveries) => $"{kind} {id} x{deliveries}";

    /// <summary>The cards and vouchers, one sorted line each, as the engine's are rendered.</summary>
    public List<string> Render() =>
        _cards.Select(c => CardLine(c.Key, c.Value.Total, c.Value.Cycles))
            .Concat(_vouchers.Select(v => VoucherLine(v.Key, v.State, v.RedeemedBy)))
            .Order(StringComparer.Ordinal)
            .ToList();

    public List<string> History() =>
        _vouchers.Select(v => HistoryLine(v.Key.ToString(), v.History)).Order(StringComparer.Ordinal).ToList();

    /// <summary>The inbox's delivery counters, plus the <paramref name="extra"/> redeliveries ("sale S-1", "refund R-2").</summary>
    public List<string> Deliveries(IEnumerable<string> extra)
    {
        var counts = new Dictionary<string, int>(_deliveries, StringComparer.Ordinal);
        foreach (var key in extra)
        {
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        return counts.Select(c => DeliveryLine(c.Key.Split(' ')[0], c.Key.Split(' ')[1], c.Value)).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The voucher a code-carrying sale uses: a spent (redeemed or expired) one when asked and there is one, else an issued one; null when there is none.</summary>
    public VoucherKey? PickVoucher(int pick, bool spent)
    {
        if (_vouchers.Count == 0)
        {
            return null;
        }

        var pool = _vouchers.Where(v => (v.State != VoucherState.Issued) == spent).ToList();
        if (pool.Count == 0)
        {
            pool = _vouchers;
        }

        return pool[pick % pool.Count].Key;
    }

    public (SaleOutcome Outcome, string Note) ApplySale(string saleId, string? customer, decimal total, VoucherKey? code, bool unknownCode)
    {
        Count($"sale {saleId}");
        if (!_sales.Add(saleId))
        {
            return (new SaleOutcome { Duplicate = true }, "duplicate, nothing changes");
        }

        var notes = new List<string>();
        int redeemed = 0, rejected = 0;
        var hasCode = code is not null || unknownCode;
        if (hasCode && _refunds.Any(r => r.SaleId == saleId && r.Full))
        {
            notes.Add("code ignored: the sale was refunded in full before it arrived");
        }
        else if (code is { } key)
        {
            var voucher = _vouchers.Single(v => v.Key == key);
            if (voucher.State == VoucherState.Issued && !IsExpired(voucher))
            {
                voucher.State = VoucherState.Redeemed;
                voucher.RedeemedBy = saleId;
                voucher.History.Add(VoucherState.Redeemed);
                Redemptions.Add(RedeemedLine(key.ToString(), saleId, RedemptionMethod.RedeemCode));
                redeemed++;
                notes.Add($"redeems {key}");
            }
            else if (voucher.State == VoucherState.Redeemed && voucher.RedeemedBy == saleId)
            {
                notes.Add($"{key} already redeemed by this sale");
            }
            else
            {
                var reason = voucher.State == VoucherState.Redeemed ? RedeemCodeRejectionReason.AlreadyRedeemed : RedeemCodeRejectionReason.Expired;
                var redeemedBy = voucher.RedeemedBy;
                if (voucher.State == VoucherState.Issued)
                {
                    Expire(voucher);
                    notes.Add($"expires {key}");
                }

                Rejections.Add(RejectedLine(saleId, reason, key.ToString(), reason == RedeemCodeRejectionReason.AlreadyRedeemed ? redeemedBy : null));
                rejected++;
                notes.Add($"code of {key} rejected: {reason}");
            }
        }
        else if (unknownCode)
        {
            Rejections.Add(RejectedLine(saleId, RedeemCodeRejectionReason.Unknown, null, null));
            rejected++;
            notes.Add("code rejected: Unknown");
        }

        if (customer is null)
        {
            Unmatched.Add(UnmatchedLine(saleId, UnmatchedReason.NoCustomer));
            notes.Add("unmatched (no customer)");
            return (new SaleOutcome { Unmatched = UnmatchedReason.NoCustomer, VouchersRedeemed = redeemed, CodesRejected = rejected }, string.Join("; ", notes));
        }

        if (!_cards.TryGetValue(customer, out var card))
        {
            _cards[customer] = card = new ModelCard();
        }

        var stamps = rule == EarningRuleKind.PerVisit ? 1 : StampsForAmount(total);
        var issued = 0;
        if (stamps > 0)
        {
            _awards[saleId] = new ModelAward(customer, stamps, total);
            card.Total += stamps;
            var cycles = Math.Max(card.Cycles, card.Total / Goal);
            Awarded.Add(AwardedLine(customer, saleId, stamps, Card.Progress(card.Total, cycles, Goal), Card.Debt(card.Total, cycles, Goal), Goal));
            notes.Add($"+{stamps} stamp(s) for {customer}");
            for (var cycle = card.Cycles + 1; cycle <= cycles; cycle++)
            {
                var voucher = new ModelVoucher(new VoucherKey(customer, cycle), Day);
                _vouchers.Add(voucher);
                Issued.Add(voucher.Key.ToString());
                issued++;
                notes.Add($"issues {voucher.Key}");
            }

            card.Cycles = cycles;
            var revoked = ApplyRefunds(saleId, refundId: null);
            if (revoked > 0)
            {
                notes.Add($"earlier refunds take back {revoked}");
            }
        }
        else
        {
            notes.Add($"no stamps for {customer}");
        }

        return (new SaleOutcome { StampsAwarded = stamps, VouchersIssued = issued, VouchersRedeemed = redeemed, CodesRejected = rejected }, string.Join("; ", notes));
    }

    public (bool Applied, string Note) ApplyRefund(string refundId, string saleId, decimal amount, bool full)
    {
        Count($"refund {refundId}");
        if (!_refundIds.Add(refundId))
        {
            return (false, "duplicate, nothing changes");
        }

        _refunds.Add(new ModelRefund(refundId, saleId, amount, full));
        var notes = new List<string>();
        var revoked = ApplyRefunds(saleId, refundId);
        notes.Add(_awards.ContainsKey(saleId) ? $"takes back {revoked}" : "no award (yet)");
        if (full)
        {
            foreach (var voucher in _vouchers.Where(v => v.State == VoucherState.Redeemed && v.RedeemedBy == saleId))
            {
                voucher.State = VoucherState.Issued;
                voucher.RedeemedBy = null;
                voucher.History.Add(VoucherState.Issued);
                Reinstatements.Add(ReinstatedLine(voucher.Key.ToString(), saleId));
                notes.Add($"reinstates {voucher.Key}");
            }
        }

        return (true, string.Join("; ", notes));
    }

    /// <summary>Moves the clock on; with <paramref name="sweep"/>, expires every issued voucher whose expiry has passed.</summary>
    public (int Expired, string Note) Advance(int days, bool sweep)
    {
        Day += days;
        if (!sweep)
        {
            return (0, $"day {Day}");
        }

        var due = _vouchers.Where(v => v.State == VoucherState.Issued && IsExpired(v)).ToList();
        foreach (var voucher in due)
        {
            Expire(voucher);
        }

        return (due.Count, $"day {Day}, expires {(due.Count == 0 ? "none" : string.Join(", ", due.Select(v => v.Key)))}");
    }

    private static int StampsForAmount(decimal amount) =>
        amount <= 0 ? 0 : (int)Math.Min(1000, decimal.Floor(amount / AmountPerStamp));

    private bool IsExpired(ModelVoucher voucher) => expiry && voucher.IssuedDay + ValidDays <= Day;

    private void Expire(ModelVoucher voucher)
    {
        voucher.State = VoucherState.Expired;
        voucher.History.Add(VoucherState.Expired);
        Expirations.Add(voucher.Key.ToString());
    }

    private void Count(string delivery) => _deliveries[delivery] = _deliveries.GetValueOrDefault(delivery) + 1;

    /// <summary>
    /// Brings the stamps the sale's refunds take back up to date: all of the award when a refund is full or the
    /// refunds add up to the sale's total; under the amount rule, the stamps the unrefunded rest no longer earns.
    /// </summary>
    private int ApplyRefunds(string saleId, string? refundId)
    {
        if (!_awards.TryGetValue(saleId, out var award))
        {
            return 0;
        }

        var refunds = _refunds.Where(r => r.SaleId == saleId).ToList();
        if (refunds.Count == 0)
        {
            return 0;
        }

        var refunded = Math.Min(award.SaleTotal, refunds.Sum(r => r.Amount));
        var full = refunds.Any(r => r.Full) || (award.SaleTotal > 0 && refunded >= award.SaleTotal);
        var revoke = full
            ? award.Stamps
            : rule == EarningRuleKind.PerAmount ? Math.Max(0, award.Stamps - StampsForAmount(award.SaleTotal - refunded)) : 0;
        var delta = revoke - award.Revoked;
        if (delta <= 0)
        {
            return 0;
        }

        award.Revoked = revoke;
        var card = _cards[award.Customer];
        card.Total = Math.Max(0, card.Total - delta);
        Revoked.Add(RevokedLine(award.Customer, saleId, refundId ?? refunds[^1].RefundId, delta, Card.Progress(card.Total, card.Cycles, Goal), Card.Debt(card.Total, card.Cycles, Goal), Goal));
        return delta;
    }

    private sealed class ModelCard
    {
        public int Total { get; set; }

        public int Cycles { get; set; }
    }

    private sealed class ModelVoucher(VoucherKey key, int issuedDay)
    {
        public VoucherKey Key { get; } = key;

        public int IssuedDay { get; } = issuedDay;

        public VoucherState State { get; set; } = VoucherState.Issued;

        public string? RedeemedBy { get; set; }

        public List<VoucherState> History { get; } = [VoucherState.Issued];
    }

    private sealed class ModelAward(string customer, int stamps, decimal saleTotal)
    {
        public string Customer { get; } = customer;

        public int Stamps { get; } = stamps;

        public decimal SaleTotal { get; } = saleTotal;

        public int Revoked { get; set; }
    }

    private sealed record ModelRefund(string RefundId, string SaleId, decimal Amount, bool Full);
}
