using System.Globalization;
using Npgsql;
using SevenStamp.Loyalty;

namespace SevenStamp.Benchmarks;

/// <summary>
/// The scale-out figure (<c>--replicas</c>, issue 23): the product's sustained and paced phases against one host, then
/// against <see cref="BenchOptions.ReplicaCount"/> hosts sharing one fresh PostgreSQL database, one queue prefix and
/// the one broker (competing consumers on the same queues), the harness's requests spread round robin over them.
/// Both configurations run the same code with the same pool per host, in the same run, so their ratio is what a
/// replica adds (or costs) on this machine.
/// </summary>
internal sealed partial class Benchmark
{
    public const string ScaleOutStartMarker = "<!-- replicas:start (written by the harness's --replicas run) -->";
    public const string ScaleOutEndMarker = "<!-- replicas:end -->";

    /// <summary>
    /// Connections each host may pool: three hosts with Npgsql's default of 100 would reach the server's usual
    /// <c>max_connections</c> (100 to 300) with the harness's own and other users' on top.
    /// </summary>
    private const int PoolPerReplica = 50;

    /// <summary>What one configuration measured.</summary>
    private sealed record ScaleOutRun(int Hosts, double SalesPerSecond, double P50, double P99, double WebhookP99, double CpuMsPerSale, double MachineBusy, int Refused, string Batching, string LoadBefore, string LoadAfter);

    public async Task RunScaleOutAsync(CancellationToken cancellationToken)
    {
        var one = await ScaleOutAsync(1, cancellationToken);
        var many = await ScaleOutAsync(options.ReplicaCount, cancellationToken);
        var n = options.ReplicaCount;
        var rate = options.PacedRate;

        report.Add(new Figure("Scale-out, PostgreSQL, 1 host: sales stamped/s (sustained)", one.SalesPerSecond, "sales/s", null, "—", null));
        report.Add(new Figure($"Scale-out, PostgreSQL, {n} hosts round robin: sales stamped/s (sustained)", many.SalesPerSecond, "sales/s", one.SalesPerSecond, "(vs. 1 host)", null));
        report.Add(new Figure("Scale-out, PostgreSQL, 1 host: host CPU per sale (sustained)", one.CpuMsPerSale, "ms", null, "—", null));
        report.Add(new Figure($"Scale-out, PostgreSQL, {n} hosts: host CPU per sale, all hosts (sustained)", many.CpuMsPerSale, "ms", one.CpuMsPerSale, "(vs. 1 host)", null));
        report.Add(new Figure($"Scale-out, PostgreSQL, 1 host: accepted → stamp committed p50 at {rate}/s", one.P50, "ms", null, "—", null));
        report.Add(new Figure($"Scale-out, PostgreSQL, {n} hosts: accepted → stamp committed p50 at {rate}/s", many.P50, "ms", one.P50, "(vs. 1 host)", null));
        report.Add(new Figure($"Scale-out, PostgreSQL, 1 host: accepted → stamp committed p99 at {rate}/s", one.P99, "ms", null, "—", null));
        report.Add(new Figure($"Scale-out, PostgreSQL, {n} hosts: accepted → stamp committed p99 at {rate}/s", many.P99, "ms", one.P99, "(vs. 1 host)", null));
        report.Add(new Figure($"Scale-out, PostgreSQL, 1 host: webhook answer p99 at {rate}/s", one.WebhookP99, "ms", null, "—", null));
        report.Add(new Figure($"Scale-out, PostgreSQL, {n} hosts: webhook answer p99 at {rate}/s", many.WebhookP99, "ms", one.WebhookP99, "(vs. 1 host)", null));
        foreach (var run in new[] { one, many })
        {
            report.Note(FormattableString.Invariant(
                $"{run.Hosts} host{(run.Hosts == 1 ? string.Empty : "s")}: {options.SustainedSales} sustained sales over {options.Connections} connections, then {rate}/s for {options.PacedDuration.TotalSeconds:0} s; {run.Refused} webhooks refused; {run.Batching}; the machine's cores were {run.MachineBusy * 100:0}% busy in the sustained phase; load average {run.LoadBefore} before, {run.LoadAfter} after."));
        }

        report.Note(FormattableString.Invariant($"Each host pools at most {PoolPerReplica} PostgreSQL connections in both configurations; the hosts of a configuration share one fresh database, one queue prefix and the one broker, and are started one after the other (the first migrates)."));
    }

    private async Task<ScaleOutRun> ScaleOutAsync(int count, CancellationToken cancellationToken)
    {
        var loadBefore = LoadAverage();
        await log.WriteLineAsync($"scale-out: {count} host{(count == 1 ? string.Empty : "s")} on one PostgreSQL database (load average {loadBefore})…");
        await using var database = await BenchDatabase.CreateAsync(LoyaltyStoreProvider.PostgreSql, options.PostgresServer);
        var connectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = PoolPerReplica }.ToString();
        var prefix = $"bench-{Guid.NewGuid():N}"[..14] + "-";
        var started = new List<(HostUnderTest Host, DirectoryInfo Directory)>();
        try
        {
            // One after the other: the first migrates the new database and writes the program, the others find them.
            for (var i = 0; i < count; i++)
            {
                started.Add(await StartHostAsync(LoyaltyStoreProvider.PostgreSql, connectionString, prefix, consumers: true, cancellationToken));
            }

            var hosts = started.Select(s => s.Host).ToList();
            await log.WriteLineAsync("  ready in " + string.Join(", ", hosts.Select(h => h.TimeToReady.TotalSeconds.ToString("0.00 s", CultureInfo.InvariantCulture))));
            var customers = Math.Max(20, options.SustainedSales / 12);
            await using var load = new LoadGenerator([.. hosts.Select(h => h.BaseAddress)], ConnectorId, Secret, customers, options.Connections, database.IssuedCodesAsync);

            var (_, warmLatencies) = await load.RunClosedLoopAsync("w-", options.WarmUpFor(options.SustainedSales), options.Connections, cancellationToken);
            await RequireAwardsAsync(database, hosts[0], "w-", warmLatencies.Count, cancellationToken);
            load.StartRedeeming();

            var begun = DateTimeOffset.UtcNow;
            var cpu = CpuMeter.Start(hosts);
            var (sendTime, sustainedLatencies) = await load.RunClosedLoopAsync("s-", options.SustainedSales, options.Connections, cancellationToken);
            await RequireAwardsAsync(database, hosts[0], "s-", sustainedLatencies.Count, cancellationToken);
            var (cpuPerSale, machineBusy) = cpu.Stop(sustainedLatencies.Count);
            var committed = await database.LastAwardAsync("s-");
            var rate = sustainedLatencies.Count / Math.Max(0.001, (committed - begun).TotalSeconds);
            await log.WriteLineAsync($"  sustained: {sustainedLatencies.Count} sales in {(committed - begun).TotalSeconds:0.0} s = {rate:0}/s (sent in {sendTime.TotalSeconds:0.0} s), {load.Failures} refused; hosts' CPU {cpuPerSale:0.00} ms per sale, machine {machineBusy:P0} busy");

            var (accepted, webhookLatencies) = await load.RunPacedAsync("p-", options.PacedRate, options.PacedDuration, cancellationToken);
            await RequireAwardsAsync(database, hosts[0], "p-", accepted.Count, cancellationToken);
            var awarded = await database.AwardTimesAsync("p-");
            var latencies = accepted.Select(a => Math.Max(0, (awarded[a.Key] - a.Value).TotalMilliseconds)).ToList();
            var p50 = Report.Percentile(latencies, 50);
            var p99 = Report.Percentile(latencies, 99);
            var webhookP99 = Report.Percentile(webhookLatencies, 99);
            await log.WriteLineAsync($"  paced {options.PacedRate}/s: {accepted.Count} sales, accepted→committed p50 {p50:0.0} ms p99 {p99:0.0} ms, webhook answer p99 {webhookP99:0.0} ms");

            var batching = await SaleBatchSizeAsync(hosts, cancellationToken);
            return new ScaleOutRun(count, rate, p50, p99, webhookP99, cpuPerSale, machineBusy, load.Failures, batching, loadBefore, LoadAverage());
        }
        finally
        {
            for (var i = 0; i < started.Count; i++)
            {
                await started[i].Host.DisposeAsync();
                started[i].Directory.Delete(recursive: true);
                await SaveHostOutputAsync(started[i].Host, $"scale-out-{count}-{i + 1}");
            }

            await DeleteHostQueuesAsync(prefix);
        }
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
