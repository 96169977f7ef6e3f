using Microsoft.EntityFrameworkCore;
using RabbitMQ.Client;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Data;
using SevenStamp.Testing;

namespace SevenStamp.ChaosTests;

/// <summary>
/// With sales flowing from a POS that retries until it gets a 2xx: the host killed with SIGKILL, RabbitMQ restarted
/// twice, one node of a three-node RabbitMQ cluster stopped and started, PostgreSQL stopped for 20 s. Afterwards every sale the host accepted is stamped exactly once and nothing
/// sits in an error queue.
/// </summary>
public sealed class ChaosTests
{
    private const string Secret = "chaos-signing-secret-0123456789";
    private const int Customers = 10;

    [Fact]
    public async Task KillHost_MidStream_LosesAndDoublesNothing()
    {
        await using var scenario = await Scenario.StartAsync(LoyaltyStoreProvider.Sqlite);
        var load = scenario.Load();
        var sending = load.RunAsync(scenario.Run, 600, 8, TimeSpan.FromMinutes(3), CancellationToken.None);

        await WaitForAsync(() => load.Accepted >= 150, "150 sales accepted before the kill");
        await scenario.Host.KillAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await scenario.Host.StartAsync();
        await sending;

        await scenario.AssertExactlyOnceAsync(load, expected: 600);
    }

    [Fact]
    public async Task TerminateHost_MidStream_DrainsInFlightWorkInsideTheGracePeriod()
    {
        await using var scenario = await Scenario.StartAsync(LoyaltyStoreProvider.PostgreSql);
        var load = scenario.Load();
        var sending = load.RunAsync(scenario.Run, 600, 8, TimeSpan.FromMinutes(3), CancellationToken.None);

        await WaitForAsync(() => load.Accepted >= 150, "150 sales accepted before SIGTERM");
        var serverErrorsBefore = load.ServerErrors;
        var (exitCode, took) = await scenario.Host.StopAsync(TimeSpan.FromSeconds(60));

        // A clean exit inside the 30 s grace period (docker stop's default), and no webhook in flight was answered
        // with an error: each got its 2xx (durable) before the server closed, or was never accepted and is retried.
        Assert.True(exitCode == 0, $"The host exited with {exitCode} after SIGTERM:\n{scenario.Host.Output}");
        Assert.True(took < TimeSpan.FromSeconds(30), $"The host took {took.TotalSeconds:0.0} s to stop after SIGTERM:\n{scenario.Host.Output}");
        Assert.Equal(serverErrorsBefore, load.ServerErrors);
        Assert.DoesNotContain("Unhandled exception", scenario.Host.Output, StringComparison.OrdinalIgnoreCase);

        await scenario.Host.StartAsync();
        await sending;
        await scenario.AssertExactlyOnceAsync(load, expected: 600);
    }

    [Fact]
    public async Task RestartBroker_TwiceMidStream_LosesAndDoublesNothing()
    {
        var restart = Command("SEVENSTAMP_TEST_RABBITMQ_RESTART", "a shell command that restarts the test RabbitMQ");
        await using var scenario = await Scenario.StartAsync(LoyaltyStoreProvider.Sqlite);
        var load = scenario.Load();
        var sending = load.RunAsync(scenario.Run, 600, 8, TimeSpan.FromMinutes(4), CancellationToken.None);

        await WaitForAsync(() => load.Accepted >= 100, "100 sales accepted before the first restart");
        await ShellAsync(restart);
        await WaitForAsync(() => load.Accepted >= 300, "300 sales accepted before the second restart");
        await ShellAsync(restart);
        await sending;

        await scenario.AssertExactlyOnceAsync(load, expected: 600);
    }

    [Fact]
    public async Task StopBrokerNode_OfAThreeNodeClusterMidStream_LosesAndDoublesNothing()
    {
        // The host knows the cluster's three nodes and is connected to the first; that node stops with sales flowing,
        // and comes back later. Its quorum queues have members on the other two, which go on.
        var nodes = Command("SEVENSTAMP_TEST_RABBITMQ_CLUSTER", "the three-node test cluster's nodes, host:port separated by commas (tests/scripts/rabbitmq-cluster.sh start prints them)");
        var script = Command("SEVENSTAMP_TEST_RABBITMQ_CLUSTER_SCRIPT", "the path of tests/scripts/rabbitmq-cluster.sh");
        await using var scenario = await Scenario.StartAsync(LoyaltyStoreProvider.PostgreSql, $"amqp://guest:guest@{nodes.Split(',')[0]}/", nodes);
        var load = scenario.Load();
        var sending = load.RunAsync(scenario.Run, 600, 8, TimeSpan.FromMinutes(4), CancellationToken.None);

        await WaitForAsync(() => load.Accepted >= 150, "150 sales accepted before the node stops");
        await ShellAsync($"bash '{script}' stop-node 1");
        await WaitForAsync(() => load.Accepted >= 400, "400 sales accepted with the first node down");
        await ShellAsync($"bash '{script}' start-node 1");
        await sending;

        await scenario.AssertExactlyOnceAsync(load, expected: 600);
    }

    [Fact]
    public async Task StopPostgreSql_ForTwentySecondsMidStream_LosesAndDoublesNothing()
    {
        var stop = Command("SEVENSTAMP_TEST_POSTGRES_STOP", "a shell command that stops the test PostgreSQL");
        var start = Command("SEVENSTAMP_TEST_POSTGRES_START", "a shell command that starts it again");
        await using var scenario = await Scenario.StartAsync(LoyaltyStoreProvider.PostgreSql);
        var load = scenario.Load();
        var sending = load.RunAsync(scenario.Run, 400, 8, TimeSpan.FromMinutes(4), CancellationToken.None);

        await WaitForAsync(() => load.Accepted >= 100, "100 sales accepted before the database stops");
        await ShellAsync(stop);
        await Task.Delay(TimeSpan.FromSeconds(20));
        await ShellAsync(start);
        await sending;

        await scenario.AssertExactlyOnceAsync(load, expected: 400);
    }

    private static string Command(string variable, string what) => Faults.Setting(variable, what);

    private static Task ShellAsync(string command) => Faults.ShellAsync(command);

    private static Task WaitForAsync(Func<bool> condition, string what) => Faults.WaitForAsync(condition, what, TimeSpan.FromMinutes(2));

    /// <summary>One host process with its own database and queue names, and the checks of the end state.</summary>
    private sealed class Scenario : IAsyncDisposable
    {
        private readonly TestDatabase _database;
        private readonly string _rabbitUri;
        private readonly string _prefix;
        private readonly DirectoryInfo _directory;

        private Scenario(TestDatabase database, string rabbitUri, string prefix, DirectoryInfo directory, HostProcess host)
        {
            _database = database;
            _rabbitUri = rabbitUri;
            _prefix = prefix;
            _directory = directory;
            Host = host;
        }

        public HostProcess Host { get; }

        public string Run { get; } = $"chaos-{Guid.NewGuid():N}"[..14];

        public static async Task<Scenario> StartAsync(LoyaltyStoreProvider provider, string? rabbitUri = null, string? clusterNodes = null)
        {
            var rabbit = rabbitUri ?? Environment.GetEnvironmentVariable("SEVENSTAMP_TEST_RABBITMQ");
            Assert.False(string.IsNullOrWhiteSpace(rabbit), "Set SEVENSTAMP_TEST_RABBITMQ to the test broker's amqp:// URI (tests/scripts/start-rabbitmq.sh prints it).");
            var database = await TestDatabase.CreateAsync(provider);
            var directory = Directory.CreateTempSubdirectory("sevenstamp-chaos-");
            var connectors = Path.Combine(directory.FullName, "connectors.json");
            await File.WriteAllTextAsync(connectors, HostArguments.ShopConnector(Secret));
            var prefix = $"cx-{Guid.NewGuid():N}"[..11] + "-";
            var host = new HostProcess(new HostProcessOptions
            {
                // Up once it serves requests (/health/live): the POS load retries every sale until the host takes it.
                ReadyPath = "/health/live",
                Arguments = HostArguments.For(provider, database.ConnectionString, rabbit!, clusterNodes, prefix, connectors),
            });
            try
            {
                await host.StartAsync();
            }
            catch
            {
                await host.DisposeAsync();
                await database.DisposeAsync();
                directory.Delete(recursive: true);
                throw;
            }

            return new Scenario(database, rabbit!, prefix, directory, host);
        }

        public PosLoad Load() => new(() => Host.BaseAddress, "shop", Secret, Customers);

        public async Task AssertExactlyOnceAsync(PosLoad load, int expected)
        {
            Assert.True(load.Accepted == expected, $"The POS got a 2xx for {load.Accepted} of {expected} sales within its deadline.\n{Host.Output}");

            await using var db = Context();
            var processed = 0;
            await Eventually.HoldsAsync(
                async () =>
                {
                    try
                    {
                        processed = await db.ProcessedEvents.CountAsync(p => p.Kind == "sale" && p.ExternalId.StartsWith(Run));
                        return processed >= expected;
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        // The database may still be coming back.
                        return false;
                    }
                },
                TimeSpan.FromMinutes(3),
                TimeSpan.FromMilliseconds(250));

            if (processed != expected)
            {
                // Where the rest are tells lost from stuck: still in the sale queue (and whether anything consumes it),
                // waiting in its delay queue, or failed into its error queue.
                Assert.Fail($"{processed} of {expected} accepted sales were applied. Broker: {await QueuesAsync()}\n{Host.Output}");
            }

            var awards = await db.StampAwards.Where(a => a.ExternalSaleId.StartsWith(Run)).Select(a => a.ExternalSaleId).ToListAsync();
            Assert.Equal(expected, awards.Count);
            Assert.Equal(expected, awards.Distinct().Count());
            Assert.Equal(load.AcceptedSales.Order(StringComparer.Ordinal), awards.Order(StringComparer.Ordinal));
            Assert.Equal(expected, await db.Cards.SumAsync(c => c.TotalStamps));
            // Every customer bought the same number of times; a voucher per ten stamps, minted exactly once.
            Assert.Equal(expected / 10, await db.Cards.SumAsync(c => c.CyclesCompleted));
            Assert.Equal(expected / 10, await db.Vouchers.CountAsync());
            Assert.Equal(0u, await ErrorQueueDepthAsync());
        }

        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            await _database.DisposeAsync();
            _directory.Delete(recursive: true);
            await Faults.DeleteQueuesAsync(_rabbitUri, _prefix);
        }

        private LoyaltyDbContext Context() => _database.Provider == LoyaltyStoreProvider.Sqlite
            ? new SqliteLoyaltyDbContext(new DbContextOptionsBuilder<SqliteLoyaltyDbContext>().UseSqlite(_database.ConnectionString).Options)
            : new PostgresLoyaltyDbContext(new DbContextOptionsBuilder<PostgresLoyaltyDbContext>().UseNpgsql(_database.ConnectionString).Options);

        /// <summary>Ready messages and consumers of the sale queue and its companions, for a failure message.</summary>
        private async Task<string> QueuesAsync()
        {
            var readings = new List<string>();
            try
            {
                foreach (var queue in new[] { "sale-completed", "sale-completed_delay", "sale-completed_error" })
                {
                    readings.Add(await ReadQueueAsync(queue) is { } ok ? $"{queue}: {ok.MessageCount} ready, {ok.ConsumerCount} consumer(s)" : $"{queue}: no such queue");
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                readings.Add($"not readable ({ex.GetType().Name})");
            }

            return string.Join("; ", readings);
        }

        // No error queue: nothing ever faulted.
        private async Task<uint> ErrorQueueDepthAsync() => (await ReadQueueAsync("sale-completed_error"))?.MessageCount ?? 0;

        /// <summary>The broker's reading of this scenario's <paramref name="queue"/>, or null when it does not exist.</summary>
        private async Task<QueueDeclareOk?> ReadQueueAsync(string queue)
        {
            await using var connection = await new ConnectionFactory { Uri = new Uri(_rabbitUri) }.CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync();
            try
            {
                return await channel.QueueDeclarePassiveAsync(_prefix + queue);
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
            {
                return null;
            }
        }
    }
}
