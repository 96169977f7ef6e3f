using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using SevenStamp.Contracts;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Messaging;
using SevenStamp.Testing;

namespace SevenStamp.ChaosTests;

/// <summary>
/// Three host replicas on one PostgreSQL database and a three-node RabbitMQ cluster, behind a spreader that sends each
/// attempt to the next replica (so a POS's retry lands on another one). With sales flowing (some sent twice, some
/// refunded, and every voucher's Redeem Code rung up by two tills at once), four faults one after the other: a replica
/// killed with SIGKILL, a broker node stopped and started, PostgreSQL restarted, a replica paused with SIGSTOP for
/// longer than the outbox's claim. Afterwards every accepted sale is stamped exactly once and every refund applied
/// once, each card's stamps equal its ledger, each (card, cycle) has one voucher, each Redeem Code is redeemed once
/// and the other till told AlreadyRedeemed, every event of the outbox is published, the Google Wallet consumers (on a
/// local server speaking Google's API) applied each card event once, and no error queue holds anything.
/// The longest time without a 2xx during each fault, and the replicas' readiness while a broker node is down, are
/// written to the test output.
/// </summary>
public sealed class ScaleOutTests(ITestOutputHelper output)
{
    private const string Secret = "scale-out-signing-secret-0123456789";
    private const int Customers = 12;
    private const int Sales = 1500;

    /// <summary>A steady trade, so that every fault happens while sales flow.</summary>
    private const double SalesPerSecond = 10;

    /// <summary>Three runs in a row, each on fresh replicas and a fresh database: a checker that passes once may be lucky.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task ThreeReplicas_FourFaultsMidStream_EverySaleStampedOnceAndNothingLost(int round)
    {
        output.WriteLine($"Run {round} of 3");
        var nodes = Environment("SEVENSTAMP_TEST_RABBITMQ_CLUSTER", "the three-node test cluster's nodes, host:port separated by commas (tests/scripts/rabbitmq-cluster.sh start prints them)");
        var cluster = Environment("SEVENSTAMP_TEST_RABBITMQ_CLUSTER_SCRIPT", "the path of tests/scripts/rabbitmq-cluster.sh");
        var stopPostgres = Environment("SEVENSTAMP_TEST_POSTGRES_STOP", "a shell command that stops the test PostgreSQL");
        var startPostgres = Environment("SEVENSTAMP_TEST_POSTGRES_START", "a shell command that starts it again");
        await using var google = await FakeGoogleWalletServer.StartAsync();
        using var account = TestServiceAccount.Create(google.TokenUrl);
        google.AccountKey = account.Key;
        await using var scenario = await Replicas.StartAsync(
            3,
            nodes,
            HostArguments.ShopConnector(Secret),
            "--SevenStamp:Wallet:Google:IssuerId=3388000000023232323",
            $"--SevenStamp:Wallet:Google:ServiceAccountKeyFile={account.KeyFile}",
            $"--SevenStamp:Wallet:Google:ApiBaseUrl={google.ApiBaseUrl}",
            "--SevenStamp:Wallet:Google:IssuerName=Scale-out Café",
            "--SevenStamp:Wallet:Google:LogoUrl=https://cafe.example/logo.png");
        var load = new PosLoad(scenario.NextAddress, "shop", Secret, Customers) { DuplicateEvery = 10, RefundEvery = 25 };
        var run = $"scale-{Guid.NewGuid():N}"[..14];
        using var stopTills = new CancellationTokenSource();
        var sending = load.RunAsync(run, Sales, 12, TimeSpan.FromMinutes(8), CancellationToken.None, SalesPerSecond);
        var tills = new CodeTills(scenario, load, run);
        var ringing = tills.RunAsync(stopTills.Token);
        var gaps = new List<(string Fault, TimeSpan Gap, int Accepted, int Refused)>();

        async Task FaultAsync(string fault, int acceptedBefore, Func<Task> inject)
        {
            await WaitForAsync(() => load.TradeAccepted >= acceptedBefore, $"{acceptedBefore} sales accepted before: {fault}");
            var from = DateTime.UtcNow;
            var (accepted, refused) = (load.TradeAccepted, load.Refusals);
            await inject();
            var to = DateTime.UtcNow;
            (accepted, refused) = (load.TradeAccepted - accepted, load.Refusals - refused);
            await WaitForAsync(() => load.TradeAcceptedAfter(to) >= 50, $"50 more sales accepted after: {fault}");
            gaps.Add((fault, load.LongestGap(from, to), accepted, refused));
        }

        await FaultAsync("kill -9 of replica 1 (started again 5 s later)", 100, async () =>
        {
            await scenario.Hosts[0].KillAsync();
            await Task.Delay(TimeSpan.FromSeconds(5));
            await scenario.Hosts[0].StartAsync();
        });
        var readiness = new Readiness(scenario.Hosts);
        await FaultAsync("broker node 1 stopped for 15 s", 350, async () =>
        {
            await ShellAsync($"bash '{cluster}' stop-node 1");
            await readiness.SampleAsync(TimeSpan.FromSeconds(15));
            await ShellAsync($"bash '{cluster}' start-node 1");
        });
        await FaultAsync("PostgreSQL stopped and started", 550, async () =>
        {
            await ShellAsync(stopPostgres);
            await Task.Delay(TimeSpan.FromSeconds(5));
            await ShellAsync(startPostgres);
        });
        await FaultAsync("replica 2 paused (SIGSTOP) for 35 s, past the outbox's 30 s claim", 700, async () =>
        {
            await scenario.Hosts[1].SignalAsync("STOP");
            await Task.Delay(TimeSpan.FromSeconds(35));
            await scenario.Hosts[1].SignalAsync("CONT");
        });
        await sending;
        await stopTills.CancelAsync();
        await ringing;

        foreach (var (fault, gap, accepted, refused) in gaps)
        {
            output.WriteLine($"{fault}: longest time without a 2xx {gap.TotalSeconds:0.00} s; during it {accepted} sales accepted, {refused} attempts refused or failed (retried on the next replica)");
        }

        output.WriteLine($"While broker node 1 was down: {readiness}");
        output.WriteLine($"{load.Accepted} sales accepted ({tills.Rung.Count} Redeem Codes rung up twice each), {load.RefundedSales.Count} refunded, {load.Duplicates} sent twice");
        Assert.True(load.Accepted == Sales + (2 * tills.Rung.Count), $"The POS got a 2xx for {load.Accepted} of {Sales + (2 * tills.Rung.Count)} sales within its deadline.\n{scenario.Outputs()}");
        Assert.True(tills.Rung.Count >= 20, $"Only {tills.Rung.Count} vouchers' codes were rung up; the run should issue more than 100.");
        Assert.True(load.RefundedSales.Count == Sales / load.RefundEvery, $"{load.RefundedSales.Count} of {Sales / load.RefundEvery} refunds were answered 2xx.");
        await AssertConsistentAsync(scenario, run, load);
        await AssertEachCodeRedeemedOnceAsync(scenario, tills.Rung);
        await AssertGoogleAppliedEachEventOnceAsync(scenario);
    }

    private static string Environment(string variable, string what) => Faults.Setting(variable, what);

    private static Task ShellAsync(string command) => Faults.ShellAsync(command);

    private static Task WaitForAsync(Func<bool> condition, string what) => Faults.WaitForAsync(condition, what, TimeSpan.FromMinutes(3));

    /// <summary>What must hold once the load is over, whatever the faults did.</summary>
    private static async Task AssertConsistentAsync(Replicas replicas, string run, PosLoad load)
    {
        var expected = load.Accepted;
        var refunds = load.RefundedSales.Count;
        await using var db = replicas.Context();
        var (applied, refunded) = (0, 0);
        await Eventually.HoldsAsync(
            async () =>
            {
                try
                {
                    applied = await db.ProcessedEvents.CountAsync(p => p.Kind == "sale" && p.ExternalId.StartsWith(run));
                    refunded = await db.ProcessedEvents.CountAsync(p => p.Kind == "refund" && p.ExternalId.StartsWith("R-" + run));
                    return applied >= expected && refunded >= refunds && await db.Outbox.CountAsync(m => m.SentAt == null) == 0;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    return false;
                }
            },
            TimeSpan.FromMinutes(3),
            TimeSpan.FromMilliseconds(250));

        // Every accepted sale stamped exactly once, the duplicates not at all; every refund applied once.
        Assert.True(applied == expected, $"{applied} of {expected} accepted sales were applied.\n{replicas.Outputs()}");
        Assert.True(refunded == refunds, $"{refunded} of {refunds} accepted refunds were applied.\n{replicas.Outputs()}");
        var awards = await db.StampAwards.Where(a => a.ExternalSaleId.StartsWith(run)).Select(a => new { a.ExternalSaleId, a.Stamps, a.StampsRevoked }).ToListAsync();
        Assert.Equal(load.AcceptedSales.Order(StringComparer.Ordinal), awards.Select(a => a.ExternalSaleId).Order(StringComparer.Ordinal));
        var refundedSales = load.RefundedSales.ToHashSet(StringComparer.Ordinal);
        Assert.All(awards, a => Assert.Equal(refundedSales.Contains(a.ExternalSaleId) ? a.Stamps : 0, a.StampsRevoked));
        Assert.Equal(refunds, await db.Refunds.CountAsync(r => r.ExternalSaleId.StartsWith(run)));

        // Each card's stamps equal its ledger; one goal voucher per (card, cycle), as many as cycles completed.
        var cards = await db.Cards.Select(c => new { c.Id, c.TotalStamps, c.CyclesCompleted, Ledger = db.StampAwards.Where(a => a.CardId == c.Id).Sum(a => a.Stamps - a.StampsRevoked) }).ToListAsync();
        Assert.All(cards, c => Assert.Equal(c.Ledger, c.TotalStamps));
        Assert.Equal(expected - refunds, cards.Sum(c => c.TotalStamps));
        var vouchers = await db.Vouchers.Where(v => v.Kind == VoucherKind.Goal).Select(v => new { v.CardId, v.Cycle }).ToListAsync();
        Assert.Equal(vouchers.Count, vouchers.Distinct().Count());
        Assert.Equal(cards.Sum(c => c.CyclesCompleted), vouchers.Count);

        // Every event published, nothing failed into an error queue.
        Assert.Equal(0, await db.Outbox.CountAsync(m => m.SentAt == null));
        Assert.Empty(await replicas.ErrorQueuesWithMessagesAsync());
    }

    /// <summary>
    /// Each code rung up by two tills is redeemed by one of the two sales, once (one VoucherRedeemed event), and the
    /// other sale is rejected as AlreadyRedeemed naming the winner (one RedeemCodeRejected event).
    /// </summary>
    private static async Task AssertEachCodeRedeemedOnceAsync(Replicas replicas, IReadOnlyList<CodeTills.Ringing> rung)
    {
        await using var db = replicas.Context();
        var ids = rung.Select(r => r.VoucherId).ToList();
        var vouchers = await db.Vouchers.Where(v => ids.Contains(v.Id)).ToDictionaryAsync(v => v.Id);
        var events = await db.Outbox.Where(m => m.MessageType == nameof(VoucherRedeemed) || m.MessageType == nameof(RedeemCodeRejected)).Select(m => new { m.MessageType, m.Payload }).ToListAsync();
        var redeemed = events.Where(e => e.MessageType == nameof(VoucherRedeemed)).Select(e => JsonSerializer.Deserialize<VoucherRedeemed>(e.Payload, JsonSerializerOptions.Web)!).ToLookup(e => e.VoucherId);
        var rejected = events.Where(e => e.MessageType == nameof(RedeemCodeRejected)).Select(e => JsonSerializer.Deserialize<RedeemCodeRejected>(e.Payload, JsonSerializerOptions.Web)!).ToLookup(e => e.ExternalSaleId, StringComparer.Ordinal);
        Assert.All(rung, r =>
        {
            var voucher = vouchers[r.VoucherId];
            Assert.Equal(VoucherState.Redeemed, voucher.State);
            Assert.Contains(voucher.RedeemedBySaleId, new[] { r.SaleA, r.SaleB });
            var loser = voucher.RedeemedBySaleId == r.SaleA ? r.SaleB : r.SaleA;
            Assert.Single(redeemed[r.VoucherId]);
            var rejection = Assert.Single(rejected[loser]);
            Assert.Equal(RedeemCodeRejectionReason.AlreadyRedeemed, rejection.Reason);
            Assert.Equal(voucher.RedeemedBySaleId, rejection.RedeemedBySaleId);
            Assert.Empty(rejected[voucher.RedeemedBySaleId!]);
        });
    }

    /// <summary>
    /// The Google Wallet consumers applied every card event of the outbox, each under its own message id and once
    /// (the applied ids are the outbox rows' ids, one each), whichever replica took it and however often it was published.
    /// </summary>
    private static async Task AssertGoogleAppliedEachEventOnceAsync(Replicas replicas)
    {
        string[] walletEvents = [nameof(StampsAwarded), nameof(StampsRevoked), nameof(VoucherIssued), nameof(VoucherRedeemed), nameof(VoucherExpired), nameof(VoucherVoided), nameof(VoucherReinstated), nameof(VoucherExpiringSoon), nameof(CustomerNudged)];
        await using var db = replicas.Context();
        var expected = (await db.Outbox.Where(m => walletEvents.Contains(m.MessageType)).Select(m => m.Id).ToListAsync())
            .Select(Outbox.MessageIdOf).Order().ToList();
        List<Guid> applied = [];
        await Eventually.HoldsAsync(
            async () =>
            {
                applied = await AppliedAsync(replicas.ConnectionString, "google");
                return applied.Count >= expected.Count;
            },
            TimeSpan.FromMinutes(3),
            TimeSpan.FromMilliseconds(500));

        Assert.True(expected.Count > 1000, $"Only {expected.Count} card events were written.");
        Assert.True(expected.SequenceEqual(applied), $"{expected.Count} card events were written and Google's consumer applied {applied.Count} ({expected.Except(applied).Count()} missing, {applied.Except(expected).Count()} not in the outbox).");
    }

    private static async Task<List<Guid>> AppliedAsync(string connectionString, string consumer)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT message_id FROM wallet_applied_events WHERE consumer = @consumer ORDER BY message_id", connection);
        command.Parameters.AddWithValue("consumer", consumer);
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }

    /// <summary>
    /// Customers at the counter: every few seconds, each newly issued voucher's Redeem Code is rung up by two tills at
    /// once (two sales, each sent to the next replica), as when a screenshot of the voucher is shown twice.
    /// </summary>
    private sealed class CodeTills(Replicas replicas, PosLoad load, string run)
    {
        private readonly List<Ringing> _rung = [];

        public sealed record Ringing(Guid VoucherId, string SaleA, string SaleB);

        public IReadOnlyList<Ringing> Rung => _rung;

        public async Task RunAsync(CancellationToken stop)
        {
            var tried = new HashSet<Guid>();
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                List<(Guid Id, string Code)> issued;
                try
                {
                    await using var db = replicas.Context();
                    issued = (await db.Vouchers.Where(v => v.Kind == VoucherKind.Goal && v.State == VoucherState.Issued).Select(v => new { v.Id, v.Code }).ToListAsync(CancellationToken.None))
                        .Select(v => (v.Id, v.Code)).ToList();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    continue; // The database may be down for its fault; look again later.
                }

                foreach (var (id, code) in issued.Where(v => tried.Add(v.Id)))
                {
                    var ringing = new Ringing(id, $"{run}-code{_rung.Count:D4}a", $"{run}-code{_rung.Count:D4}b");
                    var both = await Task.WhenAll(
                        load.SellWithCodeAsync(ringing.SaleA, "till-customer", code, CancellationToken.None),
                        load.SellWithCodeAsync(ringing.SaleB, "till-customer", code, CancellationToken.None));
                    Assert.True(both.All(b => b), $"A sale carrying the code of voucher {id} was not accepted within the deadline.");
                    _rung.Add(ringing);
                }
            }
        }
    }

    /// <summary>Each replica's <c>/health/ready</c> sampled twice a second: how long each was not ready.</summary>
    private sealed class Readiness(IReadOnlyList<HostProcess> hosts)
    {
        private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };
        private readonly TimeSpan[] _notReady = new TimeSpan[hosts.Count];
        private int _samples;

        public async Task SampleAsync(TimeSpan duration)
        {
            var until = DateTime.UtcNow + duration;
            var interval = TimeSpan.FromMilliseconds(500);
            while (DateTime.UtcNow < until)
            {
                var ready = await Task.WhenAll(hosts.Select(async h =>
                {
                    try
                    {
                        using var response = await Http.GetAsync(new Uri(h.BaseAddress, "/health/ready"));
                        return response.IsSuccessStatusCode;
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                    {
                        return false;
                    }
                }));
                for (var i = 0; i < ready.Length; i++)
                {
                    _notReady[i] += ready[i] ? TimeSpan.Zero : interval;
                }

                _samples++;
                await Task.Delay(interval);
            }
        }

        public override string ToString() =>
            $"{_samples} readiness samples; " + string.Join(", ", _notReady.Select((t, i) => $"replica {i + 1} not ready for {t.TotalSeconds:0.0} s"));
    }
}
