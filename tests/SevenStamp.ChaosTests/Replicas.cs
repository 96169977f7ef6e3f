using Microsoft.EntityFrameworkCore;
using SevenStamp.Connectors.Host.Messaging;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Data;
using SevenStamp.Testing;

namespace SevenStamp.ChaosTests;

/// <summary>
/// Host processes sharing one PostgreSQL database, one queue name prefix and one connectors file, as replicas behind
/// a load balancer do. <see cref="NextAddress"/> spreads requests over them round robin, skipping a replica whose
/// <c>/health/live</c> did not answer within a second at the last check (twice a second), as a load balancer's active
/// health check does; requests already sent to a replica that stops answering wait for the client's own timeout.
/// </summary>
internal sealed class Replicas : IAsyncDisposable
{
    private static readonly HttpClient HealthChecks = new() { Timeout = TimeSpan.FromSeconds(1) };
    private readonly TestDatabase _database;
    private readonly CancellationTokenSource _stop = new();
    private bool[] _down = [];
    private Task _checking = Task.CompletedTask;
    private int _next;

    private Replicas(TestDatabase database, string rabbitUri, string prefix, DirectoryInfo directory, IReadOnlyList<HostProcess> hosts)
    {
        _database = database;
        RabbitUri = rabbitUri;
        Prefix = prefix;
        Directory = directory;
        Hosts = hosts;
    }

    public IReadOnlyList<HostProcess> Hosts { get; }

    /// <summary>The broker the replicas use (the cluster's first node when they run on a cluster).</summary>
    public string RabbitUri { get; }

    /// <summary>The start of every queue and exchange name of these replicas.</summary>
    public string Prefix { get; }

    /// <summary>A folder of this test's own, holding the connectors file; deleted at the end.</summary>
    public DirectoryInfo Directory { get; }

    public string ConnectionString => _database.ConnectionString;

    /// <summary>
    /// Starts <paramref name="count"/> replicas one after the other (the first migrates the database). On the cluster
    /// <paramref name="clusterNodes"/> (host:port, separated by commas), or else on the single test broker.
    /// <paramref name="connectors"/> is the connectors file's content; <paramref name="extra"/> settings go to every replica.
    /// </summary>
    public static async Task<Replicas> StartAsync(int count, string? clusterNodes, string connectors, params IEnumerable<string> extra)
    {
        var rabbit = clusterNodes is null
            ? Faults.Setting("SEVENSTAMP_TEST_RABBITMQ", "the test broker's amqp:// URI (tests/scripts/start-rabbitmq.sh prints it)")
            : $"amqp://guest:guest@{clusterNodes.Split(',')[0]}/";
        var database = await TestDatabase.CreateAsync(LoyaltyStoreProvider.PostgreSql);
        var directory = System.IO.Directory.CreateTempSubdirectory("sevenstamp-replicas-");
        var connectorsFile = Path.Combine(directory.FullName, "connectors.json");
        await File.WriteAllTextAsync(connectorsFile, connectors);
        var prefix = $"so-{Guid.NewGuid():N}"[..11] + "-";
        var arguments = HostArguments.For(LoyaltyStoreProvider.PostgreSql, database.ConnectionString, rabbit, clusterNodes, prefix, connectorsFile, extra);
        var hosts = Enumerable.Range(0, count).Select(_ => new HostProcess(new HostProcessOptions { ReadyPath = "/health/live", Arguments = arguments })).ToList();
        var replicas = new Replicas(database, rabbit, prefix, directory, hosts);
        try
        {
            foreach (var host in hosts)
            {
                await host.StartAsync();
            }
        }
        catch
        {
            await replicas.DisposeAsync();
            throw;
        }

        replicas._down = new bool[hosts.Count];
        replicas._checking = replicas.CheckHealthAsync(replicas._stop.Token);
        return replicas;
    }

    /// <summary>
    /// The next live replica's address, round robin: each attempt of the POS goes to the next one (to the next one
    /// at all when none looked live at the last check).
    /// </summary>
    public Uri NextAddress()
    {
        var first = Interlocked.Increment(ref _next);
        for (var offset = 0; offset < Hosts.Count; offset++)
        {
            var index = (int)((uint)(first + offset) % (uint)Hosts.Count);
            if (!Volatile.Read(ref _down[index]))
            {
                return Hosts[index].BaseAddress;
            }
        }

        return Hosts[(int)((uint)first % (uint)Hosts.Count)].BaseAddress;
    }

    private async Task CheckHealthAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await Task.WhenAll(Hosts.Select(async (host, index) =>
            {
                bool live;
                try
                {
                    using var response = await HealthChecks.GetAsync(new Uri(host.BaseAddress, "/health/live"), stop);
                    live = response.IsSuccessStatusCode;
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or InvalidOperationException)
                {
                    live = false; // Not answering, not listening, or not started yet.
                }

                Volatile.Write(ref _down[index], !live);
            }));
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>A context on the shared database.</summary>
    public PostgresLoyaltyDbContext Context() =>
        new(new DbContextOptionsBuilder<PostgresLoyaltyDbContext>().UseNpgsql(_database.ConnectionString).Options);

    /// <summary>Every replica's output, for a failure message.</summary>
    public string Outputs() => string.Join("\n", Hosts.Select((h, i) => $"--- replica {i + 1}:\n{h.Output}"));

    /// <summary>The error queues of these replicas that hold messages, with their counts.</summary>
    public async Task<List<string>> ErrorQueuesWithMessagesAsync()
    {
        var full = new List<string>();
        await using var connection = await RabbitMqEndpoint.Parse(RabbitUri).CreateFactory().CreateConnectionAsync();
        foreach (var queue in HostQueues.All(Prefix).Where(q => q.EndsWith(HostQueues.ErrorSuffix, StringComparison.Ordinal)))
        {
            await using var channel = await connection.CreateChannelAsync();
            try
            {
                var ok = await channel.QueueDeclarePassiveAsync(queue);
                if (ok.MessageCount > 0)
                {
                    full.Add($"{queue}: {ok.MessageCount}");
                }
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
            {
                // No such queue: nothing ever failed there.
            }
        }

        return full;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
#pragma warning disable VSTHRD003 // The health checks were started by this object, at its start.
        await _checking;
#pragma warning restore VSTHRD003
        _stop.Dispose();
        foreach (var host in Hosts)
        {
            await host.DisposeAsync();
        }

        await _database.DisposeAsync();
        Directory.Delete(recursive: true);
        await Faults.DeleteQueuesAsync(RabbitUri, Prefix);
    }
}
