using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using SevenStamp.Loyalty.Data;
using SevenStamp.Testing;

namespace SevenStamp.ChaosTests;

/// <summary>
/// The work every replica does on its own, with host processes on one PostgreSQL database: a CSV folder all of them
/// watch, an API-managed connector created on one of them, the voucher expiry sweep and Square's catch-up. Each piece
/// of work must happen once, whichever replica does it: every row stamped once and every file processed once, a
/// connector (and each change to it) running on every replica within a few poll intervals, each voucher expired once,
/// and a catch-up offset that never moves backwards.
/// </summary>
public sealed class EveryReplicaOnceTests(ITestOutputHelper output)
{
    private const string AdminKey = "every-replica-once-admin-key-0123456789abcdef";
    private const string SecretsKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    [Fact]
    public async Task CsvDrop_FilesDroppedIntoAFolderThreeReplicasWatch_EveryRowStampedOnceAndEveryFileProcessedOnce()
    {
        const int files = 5;
        const int rows = 40;
        var inbox = Directory.CreateTempSubdirectory("sevenstamp-csv-replicas-");
        try
        {
            var folder = JsonSerializer.Serialize(inbox.FullName);
            var connectors = $$"""
                { "connectors": [ { "id": "till-export", "plugin": "csv-drop", "merchantId": "{{HostArguments.MerchantId}}",
                    "settings": { "folder": {{folder}}, "currency": "EUR", "pollInterval": "200ms", "quietPeriod": "500ms" } } ] }
                """;
            await using var replicas = await Replicas.StartAsync(3, null, connectors, $"--SevenStamp:Api:AdminKey={AdminKey}");
            var run = $"csv-{Guid.NewGuid():N}"[..12];

            // Three files appear at the same moment (written aside, then renamed in), two more a little later.
            var names = Enumerable.Range(0, files).Select(f => $"export-{f}.csv").ToList();
            for (var f = 0; f < files; f++)
            {
                var text = new StringBuilder("saleId,occurredAt,total,customerId\n");
                for (var r = 0; r < rows; r++)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{run}-{f}-{r:D3},2026-11-23T09:30:00Z,4.50,cust-{r % 20}\n");
                }

                await File.WriteAllTextAsync(Path.Combine(inbox.FullName, names[f] + ".part"), text.ToString());
            }

            for (var f = 0; f < files; f++)
            {
                if (f == 3)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1));
                }

                File.Move(Path.Combine(inbox.FullName, names[f] + ".part"), Path.Combine(inbox.FullName, names[f]));
            }

            var started = Stopwatch.StartNew();
            var expected = files * rows;
            await using var db = replicas.Context();
            var processed = Path.Combine(inbox.FullName, "processed");
            await WaitAsync(
                async () => await db.ProcessedEvents.CountAsync(p => p.Kind == "sale" && p.ExternalId.StartsWith(run)) >= expected
                    && Directory.Exists(processed) && Directory.GetFiles(processed, "*.csv").Length >= files,
                TimeSpan.FromSeconds(90),
                $"{expected} rows stamped and {files} files in processed/",
                replicas);
            output.WriteLine($"{expected} rows of {files} files stamped in {started.Elapsed.TotalSeconds:0.0} s by 3 replicas");

            // Every row stamped once.
            var awards = await db.StampAwards.Where(a => a.ExternalSaleId.StartsWith(run)).Select(a => a.ExternalSaleId).ToListAsync();
            Assert.Equal(expected, awards.Count);
            Assert.Equal(expected, awards.Distinct(StringComparer.Ordinal).Count());
            Assert.Equal(expected, await db.ProcessedEvents.CountAsync(p => p.Kind == "sale" && p.ExternalId.StartsWith(run)));

            // Every file processed once: in processed/ once, nowhere else, without an error report.
            Assert.Equal(names.Order(StringComparer.Ordinal), Directory.GetFiles(processed).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Empty(Directory.GetFiles(inbox.FullName));
            Assert.Empty(Directory.Exists(Path.Combine(inbox.FullName, "processing")) ? Directory.GetFiles(Path.Combine(inbox.FullName, "processing")) : []);
            Assert.False(Directory.Exists(Path.Combine(inbox.FullName, "quarantine")) && Directory.EnumerateFileSystemEntries(Path.Combine(inbox.FullName, "quarantine")).Any());

            // Published once: the replicas' connectors together handed the broker one record per row.
            var published = new List<long>();
            foreach (var host in replicas.Hosts)
            {
                published.Add(await RecordsOutAsync(host.BaseAddress, "till-export"));
            }

            output.WriteLine($"records published per replica: {string.Join(", ", published)}");
            Assert.Equal(expected, published.Sum());
            Assert.Empty(await replicas.ErrorQueuesWithMessagesAsync());
        }
        finally
        {
            inbox.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ApiManagedConnector_CreatedChangedAndDeletedOnOneReplica_ReachesEveryReplicaWithinThePollInterval()
    {
        await using var replicas = await Replicas.StartAsync(3, null, """{ "connectors": [] }""", ManagementArguments());
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        var bound = 3 * PollInterval + TimeSpan.FromSeconds(5);
        var run = $"api-{Guid.NewGuid():N}"[..12];
        var sale = 0;
        var accepted = new List<string>();

        // Sends a new signed sale to one replica; true when it was accepted (the connector runs there with this secret).
        async Task<HttpStatusCode> SendAsync(Uri replica, string secret)
        {
            var saleId = $"{run}-{Interlocked.Increment(ref sale):D4}";
            using var request = PosLoad.SignedRequest(replica, "api-shop", secret, PosLoad.Sale(saleId, "cust-api", 4.5m, code: null, occurredAt: "2026-11-23T09:30:00Z"));
            using var response = await http.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                accepted.Add(saleId);
            }

            return response.StatusCode;
        }

        // How long after the change each of replicas 2 and 3 took to behave as it says.
        async Task<List<TimeSpan>> PropagationAsync(string change, Func<Uri, Task<bool>> applied)
        {
            var since = Stopwatch.StartNew();
            var times = new List<TimeSpan>();
            foreach (var replica in replicas.Hosts.Skip(1))
            {
                while (!await applied(replica.BaseAddress))
                {
                    Assert.True(since.Elapsed < bound, $"{change}: replica at {replica.BaseAddress} did not apply it within {bound.TotalSeconds:0.0} s.\n{replicas.Outputs()}");
                    await Task.Delay(50);
                }

                times.Add(since.Elapsed);
            }

            output.WriteLine($"{change}: applied on replicas 2 and 3 after {string.Join(" and ", times.Select(t => $"{t.TotalSeconds:0.00} s"))} (poll interval {PollInterval.TotalSeconds:0.0} s)");
            return times;
        }

        // Before: no replica knows the connector.
        Assert.NotEqual(HttpStatusCode.OK, await SendAsync(replicas.Hosts[1].BaseAddress, "first-secret-0123456789abcdef"));

        // Created on replica 1.
        var created = await ManageAsync(http, HttpMethod.Post, replicas.Hosts[0].BaseAddress, "/api/connectors", Connector("first-secret-0123456789abcdef"));
        Assert.True(created == HttpStatusCode.Created, $"POST /api/connectors answered {created}.\n{replicas.Outputs()}");
        Assert.Equal(HttpStatusCode.OK, await SendAsync(replicas.Hosts[0].BaseAddress, "first-secret-0123456789abcdef"));
        await PropagationAsync("connector created on replica 1", async r => await SendAsync(r, "first-secret-0123456789abcdef") == HttpStatusCode.OK);

        // Its secret rotated on replica 1: the new one is accepted everywhere, the old one no longer.
        var changed = await ManageAsync(http, HttpMethod.Put, replicas.Hosts[0].BaseAddress, "/api/connectors/api-shop", Connector("second-secret-0123456789abcdef"));
        Assert.True(changed == HttpStatusCode.OK, $"PUT /api/connectors/api-shop answered {changed}.\n{replicas.Outputs()}");
        await PropagationAsync(
            "secret rotated on replica 1",
            async r => await SendAsync(r, "second-secret-0123456789abcdef") == HttpStatusCode.OK && await SendAsync(r, "first-secret-0123456789abcdef") == HttpStatusCode.Unauthorized);

        // Deleted on replica 1: no replica accepts its webhooks any more.
        var deleted = await ManageAsync(http, HttpMethod.Delete, replicas.Hosts[0].BaseAddress, "/api/connectors/api-shop", null);
        Assert.True(deleted is HttpStatusCode.NoContent or HttpStatusCode.OK, $"DELETE /api/connectors/api-shop answered {deleted}.\n{replicas.Outputs()}");
        await PropagationAsync("connector deleted on replica 1", async r => await SendAsync(r, "second-secret-0123456789abcdef") == HttpStatusCode.NotFound);

        // Every sale a replica accepted is stamped once.
        await using var db = replicas.Context();
        await WaitAsync(async () => await db.ProcessedEvents.CountAsync(p => p.Kind == "sale" && p.ExternalId.StartsWith(run)) >= accepted.Count, TimeSpan.FromSeconds(30), $"{accepted.Count} accepted sales stamped", replicas);
        var awards = await db.StampAwards.Where(a => a.ExternalSaleId.StartsWith(run)).Select(a => a.ExternalSaleId).ToListAsync();
        Assert.Equal(accepted.Order(StringComparer.Ordinal), awards.Order(StringComparer.Ordinal));
        Assert.Empty(await replicas.ErrorQueuesWithMessagesAsync());

        static string Connector(string secret) =>
            $$"""{ "id": "api-shop", "plugin": "generic-webhook", "merchantId": "{{HostArguments.MerchantId}}", "settings": { "signingSecret": "{{secret}}" } }""";
    }

    [Fact]
    public async Task ExpirySweep_ThreeReplicasSweepingEverySecond_ExpireEachVoucherOnce()
    {
        const string secret = "expiry-sweep-signing-secret-0123456789";
        const int customers = 20;
        await using var replicas = await Replicas.StartAsync(
            3, null, HostArguments.ShopConnector(secret), "--SevenStamp:Vouchers:ExpirySweepInterval=00:00:01", "--Logging:LogLevel:SevenStamp.Loyalty.Engine.VoucherExpiryService=Information");

        // Twenty cards reach the goal through signed sales: twenty issued vouchers, without an expiry date.
        var load = new PosLoad(replicas.NextAddress, "shop", secret, customers);
        await load.RunAsync($"exp-{Guid.NewGuid():N}"[..12], customers * HostArguments.StampGoal, 12, TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.True(load.Accepted == customers * HostArguments.StampGoal, $"{load.Accepted} sales accepted.\n{replicas.Outputs()}");
        await using var db = replicas.Context();
        await WaitAsync(async () => await db.Vouchers.CountAsync(v => v.State == VoucherState.Issued) >= customers, TimeSpan.FromSeconds(60), $"{customers} vouchers issued", replicas);
        var vouchers = await db.Vouchers.Where(v => v.State == VoucherState.Issued).Select(v => v.Id).ToListAsync();
        Assert.Equal(customers, vouchers.Count);

        // Their expiry moved into the past in the shared database, all at once: every replica's next sweep finds all of them.
        var past = DateTimeOffset.UtcNow.AddMinutes(-1);
        var started = Stopwatch.StartNew();
        Assert.Equal(customers, await db.Vouchers.Where(v => vouchers.Contains(v.Id)).ExecuteUpdateAsync(s => s.SetProperty(v => v.ExpiresAt, past)));
        await WaitAsync(async () => await db.Vouchers.CountAsync(v => vouchers.Contains(v.Id) && v.State == VoucherState.Expired) == customers, TimeSpan.FromSeconds(30), "every voucher expired", replicas);
        output.WriteLine($"{customers} vouchers expired {started.Elapsed.TotalSeconds:0.0} s after their expiry was moved into the past");

        // A few more sweeps of every replica, then: one expiry per voucher in its history and in the outbox.
        await Task.Delay(TimeSpan.FromSeconds(4));
        var history = await db.VoucherHistory.Where(h => vouchers.Contains(h.VoucherId) && h.State == VoucherState.Expired).Select(h => h.VoucherId).ToListAsync();
        Assert.Equal(vouchers.Order(), history.Order());
        var events = await db.Outbox.Where(m => m.MessageType == "VoucherExpired").Select(m => m.Payload).ToListAsync();
        var expiredIds = events.Select(p => JsonDocument.Parse(p).RootElement.GetProperty("voucherId").GetGuid()).ToList();
        Assert.Equal(vouchers.Order(), expiredIds.Order());
        await WaitAsync(async () => await db.Outbox.CountAsync(m => m.SentAt == null) == 0, TimeSpan.FromSeconds(30), "every outbox event published", replicas);

        // What each replica says it expired adds up to one expiry per voucher.
        var perReplica = replicas.Hosts.Select(h => Regex.Matches(h.Output, @"(\d+) voucher\(s\) expired").Sum(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))).ToList();
        output.WriteLine($"vouchers expired per replica: {string.Join(", ", perReplica)}");
        Assert.Equal(customers, perReplica.Sum());
        Assert.Empty(await replicas.ErrorQueuesWithMessagesAsync());
    }

    /// <summary>In the host's process, and in a worker process of its own (whose store calls cross to the host).</summary>
    [Theory]
    [InlineData("in-process")]
    [InlineData("process")]
    public async Task SquareCatchUp_TwoReplicasCatchingUpTogether_OffsetNeverMovesBackAndEachOrderIsStampedOnce(string isolation)
    {
        await using var square = await FakeSquareServer.StartAsync();
        var run = $"SQ{Guid.NewGuid():N}"[..10].ToUpperInvariant();
        var now = DateTimeOffset.UtcNow;
        var orders = Enumerable.Range(0, 6).Select(i => $"{run}-O{i}").ToList();
        for (var i = 0; i < orders.Count; i++)
        {
            square.PutOrder(SquarePayloads.Order(orders[i], customerId: $"CUST-{run}-{i}", updatedAt: now.AddMinutes(-30 + i)));
        }

        await using var replicas = await Replicas.StartAsync(2, null, """{ "connectors": [] }""", ManagementArguments());
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };

        // The connector is created through the API, so both replicas start it within a poll interval of each other.
        // The first search (whichever replica sends it) is answered late: that pass reads the offset first and ends
        // last, after the other replica's pass stored a newer offset.
        var held = TimeSpan.FromSeconds(6);
        square.DelayNextSearches(held);
        var connector = $$"""
            { "id": "square-main", "plugin": "square", "merchantId": "{{HostArguments.MerchantId}}", "isolation": "{{isolation}}",
              "settings": { "accessToken": "{{FakeSquareServer.AccessToken}}", "signatureKey": "square-signature-key-0123456789",
                            "notificationUrl": "http://127.0.0.1/webhooks/square-main", "locationIds": "{{SquarePayloads.Location}}",
                            "baseUrl": "{{square.BaseUrl}}", "catchUpEvery": "10s" } }
            """;
        var created = await ManageAsync(http, HttpMethod.Post, replicas.Hosts[0].BaseAddress, "/api/connectors", connector);
        Assert.True(created == HttpStatusCode.Created, $"POST /api/connectors answered {created}.\n{replicas.Outputs()}");

        // Every value the stored offset takes, read every 20 ms until the held pass has ended (and a while after).
        var seen = new List<(TimeSpan At, string Value)>();
        TimeSpan? firstSearch = null;
        var watch = Stopwatch.StartNew();
        await using (var connection = new NpgsqlConnection(replicas.ConnectionString))
        {
            await connection.OpenAsync();
            await using var read = new NpgsqlCommand("SELECT value FROM connector_offsets WHERE connector_id = 'square-main' AND key = 'orders.updatedAt'", connection);
            while (watch.Elapsed < TimeSpan.FromSeconds(40) && !(firstSearch is { } searched && watch.Elapsed > searched + held + TimeSpan.FromSeconds(4)))
            {
                firstSearch ??= square.RequestsTo("/v2/orders/search").Count > 0 ? watch.Elapsed : null;
                if (await read.ExecuteScalarAsync() is string value && (seen.Count == 0 || seen[^1].Value != value))
                {
                    seen.Add((watch.Elapsed, value));
                }

                await Task.Delay(20);
            }
        }

        var searches = square.RequestsTo("/v2/orders/search").Count;
        output.WriteLine($"{searches} searches; the stored offset took these values:");
        foreach (var (at, value) in seen)
        {
            output.WriteLine($"  {at.TotalSeconds,6:0.00} s  {value}");
        }

        Assert.True(searches >= 6, $"Expected the first passes of both replicas (3 pages each), got {searches} searches.\n{replicas.Outputs()}");

        // The passes overlapped: while the first search was held, the other replica's pass ended and stored its offset
        // (a time after every order's), so the held pass read its offset before a newer one was stored.
        var orderTimes = now.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
        Assert.True(
            firstSearch is { } first && seen.Any(s => string.CompareOrdinal(s.Value, orderTimes) > 0 && s.At < first + held),
            $"The replicas' first passes did not overlap (first search at {firstSearch?.TotalSeconds:0.00} s, held {held.TotalSeconds:0} s), so this run shows nothing.\n{replicas.Outputs()}");
        for (var i = 1; i < seen.Count; i++)
        {
            Assert.True(
                string.CompareOrdinal(seen[i].Value, seen[i - 1].Value) > 0,
                $"The offset moved back from {seen[i - 1].Value} to {seen[i].Value} at {seen[i].At.TotalSeconds:0.00} s.\n{string.Join("\n", seen.Select(s => $"{s.At.TotalSeconds:0.00} s {s.Value}"))}");
        }

        // Both replicas found every order; each is stamped once.
        await using var db = replicas.Context();
        await WaitAsync(async () => await db.ProcessedEvents.CountAsync(p => p.Kind == "sale" && p.ExternalId.StartsWith(run)) >= orders.Count, TimeSpan.FromSeconds(30), $"{orders.Count} orders stamped", replicas);
        var awards = await db.StampAwards.Where(a => a.ExternalSaleId.StartsWith(run)).Select(a => a.ExternalSaleId).ToListAsync();
        Assert.Equal(orders, awards.Order(StringComparer.Ordinal));
        var published = new List<long>();
        foreach (var host in replicas.Hosts)
        {
            published.Add(await RecordsOutAsync(host.BaseAddress, "square-main"));
        }

        output.WriteLine($"sales published per replica: {string.Join(", ", published)} (an order both publish is stamped once)");
        Assert.Empty(await replicas.ErrorQueuesWithMessagesAsync());
    }

    private static string[] ManagementArguments() =>
    [
        $"--SevenStamp:Api:AdminKey={AdminKey}",
        $"--SevenStamp:Connectors:SecretsKey={SecretsKey}",
        $"--SevenStamp:Connectors:PollInterval={PollInterval:c}",
    ];

    private static async Task<HttpStatusCode> ManageAsync(HttpClient http, HttpMethod method, Uri replica, string path, string? body)
    {
        using var request = new HttpRequestMessage(method, new Uri(replica, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>The records the connector handed the broker on this replica since it started there.</summary>
    private static async Task<long> RecordsOutAsync(Uri replica, string connectorId)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(replica, $"/api/connectors/{connectorId}/status"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET /api/connectors/{connectorId}/status answered {response.StatusCode}: {text}");
        using var status = JsonDocument.Parse(text);
        return status.RootElement.GetProperty("recordsOut").GetInt64();
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Replicas replicas)
    {
        var held = await Eventually.HoldsAsync(
            async () =>
            {
                try
                {
                    return await condition();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    return false;
                }
            },
            timeout,
            TimeSpan.FromMilliseconds(200));
        Assert.True(held, $"Not within {timeout.TotalSeconds:0} s: {what}.\n{replicas.Outputs()}");
    }
}
