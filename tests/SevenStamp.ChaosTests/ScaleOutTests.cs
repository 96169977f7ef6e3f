using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty.Data;
using SevenStamp.Testing;

namespace SevenStamp.ChaosTests;

/// <summary>
/// Three host replicas on one PostgreSQL database and a three-node RabbitMQ cluster, behind a spreader that sends each
/// attempt to the next replica (so a POS's retry lands on another one). With sales flowing, four faults one after the
/// other: a replica killed with SIGKILL, a broker node stopped and started, PostgreSQL restarted, a replica paused
/// with SIGSTOP for longer than the outbox's claim. Afterwards every accepted sale is stamped exactly once, each
/// card's stamps equal its ledger, each (card, cycle) has one voucher, every event of the outbox is published and
/// no error queue holds anything. The longest time without a 2xx during each fault is written to the test output.
/// </summary>
public sealed class ScaleOutTests(ITestOutputHelper output)
{
    private const string Secret = "scale-out-signing-secret-0123456789";
    private const int Customers = 12;
    private const int Sales = 1500;

    /// <summary>A steady trade, so that every fault happens while sales flow.</summary>
    private const double SalesPerSecond = 8;

    [Fact]
    public async Task ThreeReplicas_FourFaultsMidStream_EverySaleStampedOnceAndNothingLost()
    {
        var nodes = Environment("SEVENSTAMP_TEST_RABBITMQ_CLUSTER", "the three-node test cluster's nodes, host:port separated by commas (tests/scripts/rabbitmq-cluster.sh start prints them)");
        var cluster = Environment("SEVENSTAMP_TEST_RABBITMQ_CLUSTER_SCRIPT", "the path of tests/scripts/rabbitmq-cluster.sh");
        var stopPostgres = Environment("SEVENSTAMP_TEST_POSTGRES_STOP", "a shell command that stops the test PostgreSQL");
        var startPostgres = Environment("SEVENSTAMP_TEST_POSTGRES_START", "a shell command that starts it again");
        await using var scenario = await Replicas.StartAsync(3, nodes, HostArguments.ShopConnector(Secret));
        var load = new PosLoad(scenario.NextAddress, "shop", Secret, Customers);
        var run = $"scale-{Guid.NewGuid():N}"[..14];
        var sending = load.RunAsync(run, Sales, 12, TimeSpan.FromMinutes(8), CancellationToken.None, SalesPerSecond);
        var gaps = new List<(string Fault, TimeSpan Gap, int Accepted, int Refused)>();

        async Task FaultAsync(string fault, int acceptedBefore, Func<Task> inject)
        {
            await WaitForAsync(() => load.Accepted >= acceptedBefore, $"{acceptedBefore} sales accepted before: {fault}");
            var from = DateTime.UtcNow;
            var (accepted, refused) = (load.Accepted, load.Refusals);
            await inject();
            var to = DateTime.UtcNow;
            (accepted, refused) = (load.Accepted - accepted, load.Refusals - refused);
            await WaitForAsync(() => load.Accepted >= acceptedBefore + 100, $"100 more sales accepted after: {fault}");
            gaps.Add((fault, load.LongestGap(from, to), accepted, refused));
        }

        await FaultAsync("kill -9 of replica 1 (started again 5 s later)", 100, async () =>
        {
            await scenario.Hosts[0].KillAsync();
            await Task.Delay(TimeSpan.FromSeconds(5));
            await scenario.Hosts[0].StartAsync();
        });
        await FaultAsync("broker node 1 stopped for 15 s", 450, async () =>
        {
            await ShellAsync($"bash '{cluster}' stop-node 1");
            await Task.Delay(TimeSpan.FromSeconds(15));
            await ShellAsync($"bash '{cluster}' start-node 1");
        });
        await FaultAsync("PostgreSQL stopped and started", 750, async () =>
        {
            await ShellAsync(stopPostgres);
            await Task.Delay(TimeSpan.FromSeconds(5));
            await ShellAsync(startPostgres);
        });
        await FaultAsync("replica 2 paused (SIGSTOP) for 35 s, past the outbox's 30 s claim", 950, async () =>
        {
            await scenario.Hosts[1].SignalAsync("STOP");
            await Task.Delay(TimeSpan.FromSeconds(35));
            await scenario.Hosts[1].SignalAsync("CONT");
        });
        await sending;

        foreach (var (fault, gap, accepted, refused) in gaps)
        {
            output.WriteLine($"{fault}: longest time without a 2xx {gap.TotalSeconds:0.00} s; during it {accepted} sales accepted, {refused} attempts refused or failed (retried on the next replica)");
        }

        await AssertConsistentAsync(scenario, run, load, Sales);
    }

    private static string Environment(string variable, string what) => Faults.Setting(variable, what);

    private static Task ShellAsync(string command) => Faults.ShellAsync(command);

    private static Task WaitForAsync(Func<bool> condition, string what) => Faults.WaitForAsync(condition, what, TimeSpan.FromMinutes(3));

    /// <summary>What must hold once the load is over, whatever the faults did.</summary>
    private static async Task AssertConsistentAsync(Replicas replicas, string run, PosLoad load, int expected)
    {
        Assert.True(load.Accepted == expected, $"The POS got a 2xx for {load.Accepted} of {expected} sales within its deadline.\n{replicas.Outputs()}");
        await using var db = replicas.Context();
        var applied = 0;
        await Eventually.HoldsAsync(
            async () =>
            {
                try
                {
                    applied = await db.ProcessedEvents.CountAsync(p => p.Kind == "sale" && p.ExternalId.StartsWith(run));
                    return applied >= expected && await db.Outbox.CountAsync(m => m.SentAt == null) == 0;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    return false;
                }
            },
            TimeSpan.FromMinutes(3),
            TimeSpan.FromMilliseconds(250));

        // Every accepted sale stamped exactly once.
        Assert.True(applied == expected, $"{applied} of {expected} accepted sales were applied.\n{replicas.Outputs()}");
        var awards = await db.StampAwards.Where(a => a.ExternalSaleId.StartsWith(run)).Select(a => a.ExternalSaleId).ToListAsync();
        Assert.Equal(load.AcceptedSales.Order(StringComparer.Ordinal), awards.Order(StringComparer.Ordinal));

        // Each card's stamps equal its ledger; one goal voucher per (card, cycle), as many as cycles completed.
        var cards = await db.Cards.Select(c => new { c.Id, c.TotalStamps, c.CyclesCompleted, Ledger = db.StampAwards.Where(a => a.CardId == c.Id).Sum(a => a.Stamps - a.StampsRevoked) }).ToListAsync();
        Assert.All(cards, c => Assert.Equal(c.Ledger, c.TotalStamps));
        Assert.Equal(expected, cards.Sum(c => c.TotalStamps));
        var vouchers = await db.Vouchers.Where(v => v.Kind == VoucherKind.Goal).Select(v => new { v.CardId, v.Cycle }).ToListAsync();
        Assert.Equal(vouchers.Count, vouchers.Distinct().Count());
        Assert.Equal(cards.Sum(c => c.CyclesCompleted), vouchers.Count);

        // Every event published, nothing failed into an error queue.
        Assert.Equal(0, await db.Outbox.CountAsync(m => m.SentAt == null));
        Assert.Empty(await replicas.ErrorQueuesWithMessagesAsync());
    }
}
