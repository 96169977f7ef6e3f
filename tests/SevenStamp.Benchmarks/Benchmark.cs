using System.Globalization;
using RabbitMQ.Client;
using SevenStamp.Loyalty;
using SevenStamp.Testing;

namespace SevenStamp.Benchmarks;

/// <summary>The run: the raw broker baseline, the product end to end per database, ingress alone, memory and start-up.</summary>
internal sealed partial class Benchmark(BenchOptions options, Report report, TextWriter log)
{
    /// <summary>The arguments of a quorum queue, the type the host's consumer queues are by default.</summary>
    internal static readonly Dictionary<string, object?> QuorumQueue = new() { ["x-queue-type"] = "quorum" };

    private const string ConnectorId = "shop";
    private const string MerchantId = "cafe-1";
    private const string Secret = "bench-signing-secret-0123456789abcdef";
    private const int StampGoal = 10;

    /// <summary>The operator's key of every host of this run (the webhooks run subscribes with it); new each run.</summary>
    private readonly string _adminKey = $"bench-admin-{Guid.NewGuid():N}";

    private readonly List<(LoyaltyStoreProvider Provider, string Label, TimeSpan Ready, long IdleRss, long PeakRss)> _hosts = [];

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (options.Published && !options.BaselinesOnly)
        {
            await HostUnderTest.PublishAsync(log, cancellationToken);
        }

        try
        {
            await log.WriteLineAsync($"raw broker baseline: {options.BaselineMessages} messages…");
            var baseline = await RawBrokerBaseline.RunAsync(options.RabbitMqUri, options.BaselineMessages, cancellationToken);
            await log.WriteLineAsync($"  publish {baseline.PublishPerSecond:0}/s, end to end {baseline.EndToEndPerSecond:0}/s");
            report.Add(new Figure("Raw broker: publish with confirms", baseline.PublishPerSecond, "msg/s", null, "(baseline)", null));
            report.Add(new Figure("Raw broker: end to end (publish → ack)", baseline.EndToEndPerSecond, "msg/s", null, "(baseline)", null));

            await MassTransitAloneAsync(baseline, rawJson: false, cancellationToken);
            await MassTransitAloneAsync(baseline, rawJson: true, cancellationToken);
            if (options.BaselinesOnly)
            {
                return;
            }

            var sqlite = await ProductAsync(LoyaltyStoreProvider.Sqlite, baseline, cancellationToken);
            if (options.Webhooks)
            {
                await WebhooksAsync(LoyaltyStoreProvider.Sqlite, sqlite, cancellationToken);
            }

            if (options.Postgres)
            {
                var postgres = await ProductAsync(LoyaltyStoreProvider.PostgreSql, baseline, cancellationToken);
                if (options.Webhooks)
                {
                    await WebhooksAsync(LoyaltyStoreProvider.PostgreSql, postgres, cancellationToken);
                }
            }

            await IngressAsync(baseline, cancellationToken);

            var idle = _hosts.First(h => h.Provider == LoyaltyStoreProvider.Sqlite);
            var peak = _hosts.Max(h => h.PeakRss);
            var ready = _hosts.Max(h => h.Ready);
            report.Add(new Figure("Host RSS idle (all bundled plugins loaded)", Mb(idle.IdleRss), "MB", null, "—", null));
            report.Add(new Figure("Host RSS under load (peak VmRSS, sampled every 100 ms)", Mb(peak), "MB", null, "< 250 MB", Mb(peak) < 250));
            report.Add(new Figure("Start to /health/ready 200 (slowest of the runs)", ready.TotalSeconds, "s", null, "< 3 s", ready.TotalSeconds < 3));
            report.Note("Ready times per start: " + string.Join(", ", _hosts.Select(h => $"{h.Label} {h.Ready.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s")) + ".");
        }
        finally
        {
            if (options.Published && !options.BaselinesOnly)
            {
                Directory.Delete(HostUnderTest.HostDirectory, recursive: true);
            }
        }
    }

    /// <summary>The framework's own limit: MassTransit publishing and consuming the product's message, no HTTP, no database.</summary>
    private async Task MassTransitAloneAsync(RawBrokerBaseline.Result baseline, bool rawJson, CancellationToken cancellationToken)
    {
        var name = rawJson ? "MassTransit alone, raw JSON" : "MassTransit alone, JSON envelope as the product";
        await log.WriteLineAsync($"{name}: {options.BaselineMessages} SaleCompleted…");
        var result = await MassTransitBaseline.RunAsync(options.RabbitMqUri, options.BaselineMessages, options.WarmUpFor(options.BaselineMessages), rawJson, cancellationToken);
        await log.WriteLineAsync($"  publish {result.PublishPerSecond:0}/s, end to end {result.EndToEndPerSecond:0}/s, {result.CpuMsPerMessage:0.00} ms CPU per message");
        report.Add(new Figure($"{name} (no HTTP, no database): publish with confirms", result.PublishPerSecond, "msg/s", baseline.PublishPerSecond, "(reference)", null));
        report.Add(new Figure($"{name}: end to end (publish → consumed)", result.EndToEndPerSecond, "msg/s", baseline.EndToEndPerSecond, "(reference)", null));
        report.Note(FormattableString.Invariant($"{name}: publisher and consumer in the harness's process used {result.CpuMsPerMessage:0.00} ms of CPU per message."));
    }

    private static double Mb(long bytes) => bytes / 1024.0 / 1024.0;

    private static IEnumerable<string> HostArguments(LoyaltyStoreProvider provider, string connectionString, string prefix, string connectorsFile, bool consumers) =>
    [
        "--SevenStamp:Bus:Transport=RabbitMq",
        $"--SevenStamp:Bus:NamePrefix={prefix}",
        $"--SevenStamp:Bus:ConsumersEnabled={consumers}",
        $"--SevenStamp:Database:Provider={provider}",
        $"--SevenStamp:Database:ConnectionString={connectionString}",
        $"--SevenStamp:ConnectorsFile={connectorsFile}",
        $"--SevenStamp:Programs:0:MerchantId={MerchantId}",
        "--SevenStamp:Programs:0:Name=Coffee card",
        "--SevenStamp:Programs:0:Reward=A free coffee",
        $"--SevenStamp:Programs:0:StampGoal={StampGoal}",
        "--SevenStamp:Vouchers:LinkSecret=bench-link-secret-0123456789abcdefghij",
        // Every product host may take a subscription to a receiver on loopback over plain http; only the webhooks run
        // makes one, so the runs without differ from it by the subscription alone.
        "--SevenStamp:OutboundWebhooks:AllowPrivateAddresses=true",
        "--SevenStamp:OutboundWebhooks:AllowHttp=true",
        "--Logging:LogLevel:Default=Warning",
    ];

    private Task<(HostUnderTest Host, DirectoryInfo Directory)> StartHostAsync(BenchDatabase database, string prefix, bool consumers, CancellationToken cancellationToken) =>
        StartHostAsync(database.Provider, database.ConnectionString, prefix, consumers, cancellationToken);

    private async Task<(HostUnderTest Host, DirectoryInfo Directory)> StartHostAsync(LoyaltyStoreProvider provider, string connectionString, string prefix, bool consumers, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("sevenstamp-bench-host-");
        var connectors = Path.Combine(directory.FullName, "connectors.json");
        await File.WriteAllTextAsync(connectors, $$"""{ "connectors": [ { "id": "{{ConnectorId}}", "plugin": "generic-webhook", "merchantId": "{{MerchantId}}", "settings": { "signingSecret": "{{Secret}}" } } ] }""", cancellationToken);
        // The broker URI goes by environment, not the command line, so its password never shows in a process list.
        Environment.SetEnvironmentVariable("SevenStamp__Bus__RabbitMqUri", options.RabbitMqUri);
        Environment.SetEnvironmentVariable("SevenStamp__Api__AdminKey", _adminKey);
        var host = await HostUnderTest.StartAsync(HostArguments(provider, connectionString, prefix, connectors, consumers), cancellationToken);
        return (host, directory);
    }

    /// <summary>What the webhooks run of the same database is compared with: the product's sustained rate and its CPU per sale.</summary>
    private sealed record Sustained(double SalesPerSecond, double CpuMsPerSale);

    private async Task<Sustained> ProductAsync(LoyaltyStoreProvider provider, RawBrokerBaseline.Result baseline, CancellationToken cancellationToken)
    {
        var name = provider == LoyaltyStoreProvider.Sqlite ? "SQLite" : "PostgreSQL";
        await log.WriteLineAsync($"product end to end on {name}…");
        await using var database = await BenchDatabase.CreateAsync(provider, options.PostgresServer);
        var prefix = $"bench-{Guid.NewGuid():N}"[..14] + "-";
        var (host, directory) = await StartHostAsync(database, prefix, consumers: true, cancellationToken);
        try
        {
            await log.WriteLineAsync($"  ready in {host.TimeToReady.TotalSeconds:0.00} s, idle RSS {Mb(host.IdleRss):0} MB");
            host.StartSampling();
            var customers = Math.Max(20, options.SustainedSales / 12);
            await using var load = new LoadGenerator(host.BaseAddress, ConnectorId, Secret, customers, options.Connections, database.IssuedCodesAsync);

            // Warm-up: JIT, connection pools, the first cards.
            var warm = options.WarmUpFor(options.SustainedSales);
            var (_, warmLatencies) = await load.RunClosedLoopAsync("w-", warm, options.Connections, cancellationToken);
            await RequireAwardsAsync(database, host, "w-", warmLatencies.Count, cancellationToken);
            load.StartRedeeming();

            // Sustained: as fast as the host takes them; the rate is sales committed per second.
            var started = DateTimeOffset.UtcNow;
            var cpu = CpuMeter.Start(host);
            var (sendTime, sustainedLatencies) = await load.RunClosedLoopAsync("s-", options.SustainedSales, options.Connections, cancellationToken);
            await RequireAwardsAsync(database, host, "s-", sustainedLatencies.Count, cancellationToken);
            var (cpuPerSale, machineBusy) = cpu.Stop(sustainedLatencies.Count);
            var committed = await database.LastAwardAsync("s-");
            var rate = sustainedLatencies.Count / Math.Max(0.001, (committed - started).TotalSeconds);
            await log.WriteLineAsync($"  sustained: {sustainedLatencies.Count} sales in {(committed - started).TotalSeconds:0.0} s = {rate:0}/s (sent in {sendTime.TotalSeconds:0.0} s), {load.Failures} refused; host CPU {cpuPerSale:0.00} ms per sale, machine {machineBusy:P0} busy");
            report.Note(FormattableString.Invariant($"{name}, sustained phase: the host used {cpuPerSale:0.00} ms of CPU per sale; the machine's cores were {machineBusy * 100:0}% busy."));
            report.Add(new Figure($"Product end to end, {name}: sales stamped/s (sustained)", rate, "sales/s", baseline.EndToEndPerSecond, "≥ 0.5× baseline e2e", rate >= 0.5 * baseline.EndToEndPerSecond));

            // Paced: open loop at the target rate; latency from the 2xx to the award's commit.
            var (accepted, webhookLatencies) = await load.RunPacedAsync("p-", options.PacedRate, options.PacedDuration, cancellationToken);
            await RequireAwardsAsync(database, host, "p-", accepted.Count, cancellationToken);
            var awarded = await database.AwardTimesAsync("p-");
            var latencies = accepted.Select(a => Math.Max(0, (awarded[a.Key] - a.Value).TotalMilliseconds)).ToList();
            var p50 = Report.Percentile(latencies, 50);
            var p99 = Report.Percentile(latencies, 99);
            await log.WriteLineAsync($"  paced {options.PacedRate}/s: {accepted.Count} sales, accepted→committed p50 {p50:0.0} ms p99 {p99:0.0} ms");
            report.Add(new Figure($"Product, {name}: accepted → stamp committed p50 at {options.PacedRate}/s", p50, "ms", null, "—", null));
            report.Add(new Figure($"Product, {name}: accepted → stamp committed p99 at {options.PacedRate}/s", p99, "ms", null, "< 50 ms", p99 < 50));
            report.Add(new Figure($"Product, {name}: webhook answer p99 at {options.PacedRate}/s", Report.Percentile(webhookLatencies, 99), "ms", null, "—", null));

            var batching = await SaleBatchSizeAsync(host, cancellationToken);
            var (issued, redeemed) = await database.VoucherCountsAsync();
            var total = warmLatencies.Count + sustainedLatencies.Count + accepted.Count;
            report.Note($"{name}: {total} sales of {customers} customers (goal {StampGoal} stamps): {issued} vouchers minted, {load.CodesSent} sales carried a Redeem Code, {redeemed} vouchers redeemed; {load.Failures} webhooks refused; {batching}.");
            _hosts.Add((provider, provider.ToString(), host.TimeToReady, host.IdleRss, Math.Max(host.PeakSampledRss, host.ReadRss("VmHWM"))));
            return new Sustained(rate, cpuPerSale);
        }
        finally
        {
            await host.DisposeAsync();
            directory.Delete(recursive: true);
            await SaveHostOutputAsync(host, name);
            await DeleteHostQueuesAsync(prefix);
        }
    }

    /// <summary>
    /// The loyalty event types the outbound webhooks consumer turns into deliveries (its <c>IConsumer&lt;T&gt;</c>s), by
    /// the name the outbox stores: with one subscription to every event, one delivery per outbox row of these types.
    /// </summary>
    private static readonly string[] WebhookEventTypes = [.. typeof(SevenStamp.Webhooks.OutboundWebhooksConsumer).GetInterfaces()
        .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(MassTransit.IConsumer<>))
        .Select(i => i.GetGenericArguments()[0].Name)];

    /// <summary>
    /// The product's sustained phase again, on a fresh host and database, with one outbound webhook subscription to
    /// every event ("*") pointing at <see cref="WebhookReceiver"/>: the sales/s and host CPU per sale it costs against
    /// <paramref name="without"/> (the same run's product phase), and how fast the dispatcher delivers.
    /// </summary>
    private async Task WebhooksAsync(LoyaltyStoreProvider provider, Sustained without, CancellationToken cancellationToken)
    {
        var name = provider == LoyaltyStoreProvider.Sqlite ? "SQLite" : "PostgreSQL";
        await log.WriteLineAsync($"product with one outbound webhook subscription (every event) on {name}…");
        await using var receiver = await WebhookReceiver.StartAsync(cancellationToken);
        await using var database = await BenchDatabase.CreateAsync(provider, options.PostgresServer);
        var prefix = $"bench-{Guid.NewGuid():N}"[..14] + "-";
        var (host, directory) = await StartHostAsync(database, prefix, consumers: true, cancellationToken);
        try
        {
            await log.WriteLineAsync($"  ready in {host.TimeToReady.TotalSeconds:0.00} s; receiver at {receiver.Url}");
            host.StartSampling();
            await SubscribeAsync(host, receiver.Url, cancellationToken);
            var customers = Math.Max(20, options.SustainedSales / 12);
            await using var load = new LoadGenerator(host.BaseAddress, ConnectorId, Secret, customers, options.Connections, database.IssuedCodesAsync);

            // Warm-up as in the product phase, its deliveries too (the consumer's and the dispatcher's code paths),
            // and all of them delivered before the measured phase starts.
            var (_, warmLatencies) = await load.RunClosedLoopAsync("w-", options.WarmUpFor(options.SustainedSales), options.Connections, cancellationToken);
            await RequireAwardsAsync(database, host, "w-", warmLatencies.Count, cancellationToken);
            var warm = await RequireDeliveredAsync(database, host, receiver, cancellationToken);
            load.StartRedeeming();

            var started = DateTimeOffset.UtcNow;
            var cpu = CpuMeter.Start(host);
            var (sendTime, sustainedLatencies) = await load.RunClosedLoopAsync("s-", options.SustainedSales, options.Connections, cancellationToken);
            await RequireAwardsAsync(database, host, "s-", sustainedLatencies.Count, cancellationToken);
            var sales = sustainedLatencies.Count;
            var (cpuToStamps, busyToStamps) = cpu.Stop(sales);
            var committed = await database.LastAwardAsync("s-");
            var rate = sales / Math.Max(0.001, (committed - started).TotalSeconds);

            var done = await RequireDeliveredAsync(database, host, receiver, cancellationToken);
            var (cpuPerSale, machineBusy) = cpu.Stop(sales);
            var rows = await database.DeliveriesAfterAsync(warm.LastId);
            var deliveries = done.Delivered - warm.Delivered;
            var lastDelivered = rows.Max(r => r.DeliveredAt) ?? DateTimeOffset.UtcNow;
            var deliverySeconds = Math.Max(0.001, (lastDelivered - started).TotalSeconds);
            var deliveryRate = deliveries / deliverySeconds;
            var eventsPerSale = (double)deliveries / Math.Max(1, sales);
            var arrivals = receiver.Arrivals;
            var latencies = rows.Where(r => arrivals.ContainsKey(r.MessageId)).Select(r => Math.Max(0, (arrivals[r.MessageId] - r.CreatedAt).TotalMilliseconds)).ToList();
            var p50 = Report.Percentile(latencies, 50);
            var p99 = Report.Percentile(latencies, 99);
            var retried = rows.Count(r => r.Attempts > 1);
            var requests = receiver.Requests - warm.Requests;
            var unheard = rows.Count(r => !arrivals.ContainsKey(r.MessageId));

            await log.WriteLineAsync($"  sustained: {sales} sales in {(committed - started).TotalSeconds:0.0} s = {rate:0}/s (sent in {sendTime.TotalSeconds:0.0} s), {load.Failures} refused; host CPU {cpuToStamps:0.00} ms per sale to the last stamp");
            await log.WriteLineAsync($"  deliveries: {deliveries} ({eventsPerSale:0.00} per sale) delivered {deliverySeconds:0.0} s after the start = {deliveryRate:0}/s; created → received p50 {p50:0} ms p99 {p99:0} ms; host CPU {cpuPerSale:0.00} ms per sale to the last delivery, machine {machineBusy:P0} busy; {requests} requests received ({retried} deliveries took more than one attempt, {unheard} delivered but never seen by the receiver)");
            report.Add(new Figure($"Product + outbound webhooks, {name}: sales stamped/s (sustained, one subscription to every event)", rate, "sales/s", without.SalesPerSecond, "(vs. no subscription)", null));
            report.Add(new Figure($"Product + outbound webhooks, {name}: host CPU per sale (to the last delivery)", cpuPerSale, "ms", without.CpuMsPerSale, "(vs. no subscription)", null));
            report.Add(new Figure($"Outbound webhooks, {name}: deliveries delivered/s", deliveryRate, "deliveries/s", without.SalesPerSecond * eventsPerSale, "(vs. sales/s × events per sale)", null));
            report.Add(new Figure($"Outbound webhooks, {name}: event stored → received p50", p50, "ms", null, "—", null));
            report.Add(new Figure($"Outbound webhooks, {name}: event stored → received p99", p99, "ms", null, "—", null));
            report.Note(FormattableString.Invariant($"{name} with one subscription to every event: {sales} sustained sales made {deliveries} deliveries ({eventsPerSale:0.00} per sale), all delivered {deliverySeconds:0.0} s after the phase started (the last stamp {(committed - started).TotalSeconds:0.0} s after it); the receiver got {requests} requests ({retried} deliveries needed more than one attempt). Host CPU per sale {cpuToStamps:0.00} ms to the last stamp, {cpuPerSale:0.00} ms to the last delivery (without a subscription {without.CpuMsPerSale:0.00} ms); the machine's cores were {busyToStamps * 100:0}% and {machineBusy * 100:0}% busy."));
            _hosts.Add((provider, $"{provider} (webhooks)", host.TimeToReady, host.IdleRss, Math.Max(host.PeakSampledRss, host.ReadRss("VmHWM"))));
        }
        finally
        {
            await host.DisposeAsync();
            directory.Delete(recursive: true);
            await SaveHostOutputAsync(host, name + "-webhooks");
            await DeleteHostQueuesAsync(prefix);
        }
    }

    /// <summary>Subscribes <paramref name="url"/> to every event of the merchant, as a merchant's integrator would, through the API.</summary>
    private async Task SubscribeAsync(HostUnderTest host, Uri url, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/merchants/{MerchantId}/webhooks", UriKind.Relative))
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { url = url.ToString(), events = new[] { "*" }, description = "benchmark receiver" }),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _adminKey);
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.StatusCode != System.Net.HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"The subscription was refused ({(int)response.StatusCode}): {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    /// <summary>
    /// Waits until every loyalty event written so far has its delivery and every delivery is delivered; a failed
    /// delivery (the receiver always answers 200) or 5 minutes without that ends the run.
    /// </summary>
    private static async Task<(int Delivered, long LastId, int Requests)> RequireDeliveredAsync(BenchDatabase database, HostUnderTest host, WebhookReceiver receiver, CancellationToken cancellationToken)
    {
        (int Pending, int Delivered, int Failed, long LastId) counts = default;
        var events = 0;
        var done = await Eventually.HoldsAsync(
            async () =>
            {
                events = await database.CountEventsAsync(WebhookEventTypes);
                counts = await database.DeliveryCountsAsync();
                return counts.Failed > 0 || (counts.Pending == 0 && counts.Delivered >= events);
            },
            TimeSpan.FromMinutes(5),
            TimeSpan.FromMilliseconds(200),
            cancellationToken);
        if (!done || counts.Failed > 0)
        {
            throw new TimeoutException($"Of {events} events, {counts.Delivered} were delivered, {counts.Pending} pending and {counts.Failed} failed; the receiver got {receiver.Requests} requests. Host output:\n{host.Output}");
        }

        return (counts.Delivered, counts.LastId, receiver.Requests);
    }

    /// <summary>
    /// Deletes the consumer queues (with their error and skipped queues) a host with <paramref name="prefix"/>
    /// declared: each quorum queue left behind is a Raft group the broker recovers on every start.
    /// </summary>
    private async Task DeleteHostQueuesAsync(string prefix)
    {
        var factory = new ConnectionFactory { Uri = new Uri(options.RabbitMqUri) };
        await using var connection = await factory.CreateConnectionAsync(CancellationToken.None);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: CancellationToken.None);
        foreach (var name in SevenStamp.Connectors.Host.Messaging.HostQueues.All(prefix))
        {
            await channel.QueueDeleteAsync(name, cancellationToken: CancellationToken.None);
            await channel.ExchangeDeleteAsync(name, cancellationToken: CancellationToken.None);
        }
    }

    /// <summary>The host's own metric: sales committed per transaction (group commit), from <c>/metrics</c>.</summary>
    private static Task<string> SaleBatchSizeAsync(HostUnderTest host, CancellationToken cancellationToken) => SaleBatchSizeAsync([host], cancellationToken);

    /// <summary>Sales committed per transaction over all of <paramref name="hosts"/> together.</summary>
    private static async Task<string> SaleBatchSizeAsync(IReadOnlyList<HostUnderTest> hosts, CancellationToken cancellationToken)
    {
        var texts = new List<string>();
        foreach (var host in hosts)
        {
            using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            texts.Add(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), cancellationToken));
        }

        double Read(string name) => texts.SelectMany(text => text.Split('\n'))
            .Where(l => l.StartsWith(name, StringComparison.Ordinal))
            .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture))
            .Sum();
        var sum = Read("sevenstamp_loyalty_sale_batch_size_sum");
        var count = Read("sevenstamp_loyalty_sale_batch_size_count");
        return count > 0
            ? $"{count.ToString("0", CultureInfo.InvariantCulture)} transactions of {(sum / count).ToString("0.0", CultureInfo.InvariantCulture)} sales on average"
            : "no batch metric";
    }

    /// <summary>Keeps the host's console output (warnings and errors only) for a look after the run.</summary>
    private async Task SaveHostOutputAsync(HostUnderTest host, string name)
    {
        var file = Path.Combine(Path.GetTempPath(), $"sevenstamp-bench-host-{name.ToLowerInvariant()}.log");
        await File.WriteAllTextAsync(file, host.Output);
        await log.WriteLineAsync($"  host output: {file}");
    }

    private async Task IngressAsync(RawBrokerBaseline.Result baseline, CancellationToken cancellationToken)
    {
        await log.WriteLineAsync("webhook ingress alone (loyalty consumers off)…");
        await using var database = await BenchDatabase.CreateAsync(LoyaltyStoreProvider.Sqlite, null);
        var prefix = $"bench-{Guid.NewGuid():N}"[..14] + "-";

        // Nothing consumes, but the sales still go to a durable queue bound as the consumer's queue would be,
        // so the broker stores each one before it confirms.
        var factory = new ConnectionFactory { Uri = new Uri(options.RabbitMqUri) };
        await using var connection = await factory.CreateConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var exchange = prefix + "SevenStamp.Contracts:SaleCompleted";
        var queue = prefix + "ingress-sink";
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, QuorumQueue, cancellationToken: cancellationToken);
        await channel.QueueBindAsync(queue, exchange, string.Empty, cancellationToken: cancellationToken);

        var (host, directory) = await StartHostAsync(database, prefix, consumers: false, cancellationToken);
        try
        {
            host.StartSampling();
            await using var load = new LoadGenerator(host.BaseAddress, ConnectorId, Secret, 1_000, options.Connections, null);
            await load.RunClosedLoopAsync("w-", options.WarmUpFor(options.IngressRequests), options.Connections, cancellationToken);
            var cpu = CpuMeter.Start(host);
            var (elapsed, latencies) = await load.RunClosedLoopAsync("i-", options.IngressRequests, options.Connections, cancellationToken);
            var (cpuPerRequest, machineBusy) = cpu.Stop(latencies.Count);
            var rate = latencies.Count / elapsed.TotalSeconds;
            var queued = await channel.MessageCountAsync(queue, cancellationToken);
            await log.WriteLineAsync($"  {latencies.Count} webhooks in {elapsed.TotalSeconds:0.0} s = {rate:0}/s, {queued} sales on the queue, {load.Failures} refused; host CPU {cpuPerRequest:0.00} ms per request, machine {machineBusy:P0} busy");
            report.Note(FormattableString.Invariant($"Ingress: the host used {cpuPerRequest:0.00} ms of CPU per webhook; the machine's cores were {machineBusy * 100:0}% busy."));
            report.Add(new Figure("Webhook ingress (verify, dedupe, broker confirm): requests/s", rate, "req/s", baseline.PublishPerSecond, "≥ 0.5× baseline publish", rate >= 0.5 * baseline.PublishPerSecond));
            report.Add(new Figure($"Webhook ingress: p50 at {options.Connections} concurrent", Report.Percentile(latencies, 50), "ms", null, "—", null));
            report.Add(new Figure($"Webhook ingress: p99 at {options.Connections} concurrent", Report.Percentile(latencies, 99), "ms", null, "—", null));
            _hosts.Add((LoyaltyStoreProvider.Sqlite, "Sqlite (ingress)", host.TimeToReady, host.IdleRss, Math.Max(host.PeakSampledRss, host.ReadRss("VmHWM"))));
        }
        finally
        {
            await host.DisposeAsync();
            directory.Delete(recursive: true);
            await SaveHostOutputAsync(host, "ingress");
            await channel.QueueDeleteAsync(queue, cancellationToken: CancellationToken.None);
            await channel.ExchangeDeleteAsync(exchange, cancellationToken: CancellationToken.None);
        }
    }

    private static async Task RequireAwardsAsync(BenchDatabase database, HostUnderTest host, string prefix, int expected, CancellationToken cancellationToken)
    {
        if (await database.WaitForAwardsAsync(prefix, expected, TimeSpan.FromMinutes(5), cancellationToken) is null)
        {
            var seen = await database.CountAwardsAsync(prefix);
            throw new TimeoutException($"Only {seen} of {expected} '{prefix}' sales were stamped within 5 minutes. Host output:\n{host.Output}");
        }
    }
}
