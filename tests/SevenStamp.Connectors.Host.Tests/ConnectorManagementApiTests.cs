using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SevenStamp.Connectors.Host.Connectors;
using SevenStamp.Connectors.Host.Connectors.Data;
using SevenStamp.Loyalty;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>
/// The connector management API on a real host (Kestrel on loopback, plugins from disk, SQLite and PostgreSQL):
/// connectors created, changed and removed without a restart, on every replica sharing the database, with secrets
/// that never come back out.
/// </summary>
public sealed class ConnectorManagementApiTests
{
    private const string AdminKey = "mgmt-test-admin-key-0123456789abcdef";
    private const string FileSecret = "file-shop-secret-0123456789";
    private const string FileConnectors = """
        { "connectors": [ { "id": "shop", "plugin": "generic-webhook", "merchantId": "cafe-1", "settings": { "signingSecret": "file-shop-secret-0123456789" } } ] }
        """;

    private const string NoConnectors = """{ "connectors": [] }""";

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static TheoryData<LoyaltyStoreProvider> Providers => [LoyaltyStoreProvider.Sqlite, LoyaltyStoreProvider.PostgreSql];

    [Fact]
    public async Task Validate_ReportsEveryFieldAndTheCount_AndStoresNothing()
    {
        // Arrange
        await using var host = await StartAsync(NoConnectors, NewKey());

        // Act
        var invalid = await host.Client.PutAsJsonAsync("/api/connector-plugins/generic-webhook/config/validate", new { signingSecret = "short", signatureEncoding = "hex2", colour = "red" });
        var valid = await host.Client.PutAsJsonAsync("/api/connector-plugins/generic-webhook/config/validate", new { signingSecret = "a-long-enough-secret-0123" });
        var unknown = await host.Client.PutAsJsonAsync("/api/connector-plugins/no-such-pos/config/validate", new { });
        var plugins = await host.Client.GetStringAsync("/api/connector-plugins");
        var openApi = await host.Client.GetStringAsync("/openapi/v1.json");

        // Assert
        Assert.Equal(HttpStatusCode.OK, invalid.StatusCode);
        using var report = JsonDocument.Parse(await invalid.Content.ReadAsStringAsync());
        Assert.Equal("generic-webhook", report.RootElement.GetProperty("plugin").GetString());
        Assert.Equal(3, report.RootElement.GetProperty("errorCount").GetInt32());
        Assert.Equal(["colour", "signatureEncoding", "signingSecret"], report.RootElement.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).Order(StringComparer.Ordinal));
        using var ok = JsonDocument.Parse(await valid.Content.ReadAsStringAsync());
        Assert.Equal(0, ok.RootElement.GetProperty("errorCount").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(0, await host.QueryConnectorStoreAsync(db => db.ConnectorInstances.CountAsync()));

        using var schema = JsonDocument.Parse(plugins);
        var webhook = schema.RootElement.EnumerateArray().Single(p => p.GetProperty("id").GetString() == "generic-webhook");
        var secret = webhook.GetProperty("settings").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "signingSecret");
        Assert.True(secret.GetProperty("secret").GetBoolean());
        Assert.True(secret.GetProperty("required").GetBoolean());
        Assert.Equal("string", secret.GetProperty("type").GetString());
        Assert.False(secret.TryGetProperty("default", out var defaultValue) && defaultValue.ValueKind != JsonValueKind.Null);
        var encoding = webhook.GetProperty("settings").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "signatureEncoding");
        Assert.Equal(["hex", "base64"], encoding.GetProperty("allowedValues").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("must be 'hex' or 'base64'", report.RootElement.GetProperty("errors").EnumerateArray().Single(e => e.GetProperty("field").GetString() == "signatureEncoding").GetProperty("message").GetString());
        foreach (var path in new[] { "/api/connector-plugins", "/api/connector-plugins/{pluginId}/config/validate", "/api/connectors", "/api/connectors/{id}", "/api/connectors/{id}/status", "/api/connectors/{id}/pause", "/api/connectors/{id}/resume", "/api/connectors/{id}/restart" })
        {
            Assert.Contains($"\"{path}\"", openApi, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Create_WithInvalidInput_Answers400PerFieldAndStoresNothing()
    {
        // Arrange
        await using var host = await StartAsync(NoConnectors, NewKey());

        // Act
        var badIdentity = await host.Client.PostAsJsonAsync("/api/connectors", new { id = "Bad_Id", plugin = "no-such-pos", merchantId = "" });
        var badSettings = await host.Client.PostAsJsonAsync("/api/connectors", new { id = "till-x", plugin = "generic-webhook", merchantId = "cafe-1", settings = new { signingSecret = "short", colour = "red" } });
        var notJson = await host.Client.PostAsync("/api/connectors", new StringContent("{ not json", Encoding.UTF8, "application/json"));
        var badPathId = await host.Client.GetAsync("/api/connectors/Not_Valid");

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, badIdentity.StatusCode);
        Assert.Equal(["id", "merchantId", "plugin"], await ErrorFieldsAsync(badIdentity));
        Assert.Equal(HttpStatusCode.BadRequest, badSettings.StatusCode);
        Assert.Equal(["settings.colour", "settings.signingSecret"], await ErrorFieldsAsync(badSettings));
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Equal(["body"], await ErrorFieldsAsync(notJson));
        Assert.Equal(HttpStatusCode.BadRequest, badPathId.StatusCode);
        Assert.Equal(0, await host.QueryConnectorStoreAsync(db => db.ConnectorInstances.CountAsync()));
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync("/api/connectors/till-x")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.PostWebhookAsync("till-x", RunningHost.SaleJson("e", "S", "c"), "short")).StatusCode);
    }

    [Fact]
    public async Task Isolation_Process_RunsTheConnectorInAWorkerAReplaceKeepsItAndAWrongValueIsNamed()
    {
        // Arrange
        const string secret = "iso-till-secret-0123456789";
        await using var host = await StartAsync(NoConnectors, NewKey());
        var supervisor = host.Services.GetRequiredService<ConnectorSupervisor>();
        bool InWorker() => supervisor.TryGet("till-iso", out var runtime) && runtime.State == ConnectorState.Running && runtime.Task is Isolation.IsolatedConnectorTask;
        bool InProcess() => supervisor.TryGet("till-iso", out var runtime) && runtime.State == ConnectorState.Running && runtime.Task is not Isolation.IsolatedConnectorTask;

        // Act and assert: a wrong value is refused, naming the field.
        var wrong = await host.Client.PostAsJsonAsync("/api/connectors", new { id = "till-iso", plugin = "generic-webhook", merchantId = "cafe-1", isolation = "thread", settings = new { signingSecret = secret } });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Equal(["isolation"], await ErrorFieldsAsync(wrong));

        // "process": a worker process of its own, shown in the connector's view, and its sales are stamped.
        var created = await host.Client.PostAsJsonAsync("/api/connectors", new { id = "till-iso", plugin = "generic-webhook", merchantId = "cafe-1", isolation = "process", settings = new { signingSecret = secret } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(InWorker()), TimeSpan.FromSeconds(60)), "The connector did not run in a worker process.");
        Assert.Equal("process", await IsolationOfAsync(host));
        Assert.Equal(HttpStatusCode.OK, (await host.PostWebhookAsync("till-iso", RunningHost.SaleJson("evt-iso-1", "S-ISO-1", "cust-iso"), secret)).StatusCode);
        Assert.True(await Eventually.HoldsAsync(async () => await host.StampsOfAsync("till-iso", "cust-iso") == 1, Deadline));

        // A replace that leaves isolation out keeps it; one that sets "in-process" brings the connector into the host.
        var kept = await host.Client.PutAsJsonAsync("/api/connectors/till-iso", new { plugin = "generic-webhook", merchantId = "cafe-1", settings = new { signingSecret = secret, signatureHeader = "X-Till-Signature" } });
        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
        Assert.Equal("process", await IsolationOfAsync(host));
        var moved = await host.Client.PutAsJsonAsync("/api/connectors/till-iso", new { plugin = "generic-webhook", merchantId = "cafe-1", isolation = "in-process", settings = new { signingSecret = secret } });
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(InProcess()), TimeSpan.FromSeconds(60)), "The connector did not come back into the host's process.");
        Assert.Equal("in-process", await IsolationOfAsync(host));
    }

    private static async Task<string?> IsolationOfAsync(RunningHost host)
    {
        using var view = JsonDocument.Parse(await host.Client.GetStringAsync("/api/connectors/till-iso"));
        return view.RootElement.GetProperty("isolation").GetString();
    }

    [Fact]
    public async Task Create_WithAShortSecret_NamesTheSecretFieldWithoutEchoingIt()
    {
        await using var host = await StartAsync(NoConnectors, NewKey());

        var response = await host.Client.PostAsJsonAsync("/api/connectors", new { id = "till-y", plugin = "generic-webhook", merchantId = "cafe-1", settings = new { signingSecret = "shortsecret" } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(["settings.signingSecret"], await ErrorFieldsAsync(response));
        Assert.DoesNotContain("shortsecret", body, StringComparison.Ordinal);
        Assert.Contains("\"errorCount\":1", body, StringComparison.Ordinal);
        Assert.Equal(0, await host.QueryConnectorStoreAsync(db => db.ConnectorInstances.CountAsync()));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Lifecycle_CreatePauseResumeRestartReplaceDelete_TakesEffectWithoutARestart(LoyaltyStoreProvider provider)
    {
        // Arrange
        const string first = "first-till-secret-0123456789";
        const string second = "second-till-secret-0123456789";
        var logs = new CapturingLoggerProvider();
        var responses = new List<string>();
        await using var host = await StartAsync(NoConnectors, NewKey(), provider, logs);
        async Task<HttpResponseMessage> Keep(Func<Task<HttpResponseMessage>> call)
        {
            var response = await call();
            responses.Add(string.Join("\n", response.Headers.Select(h => h.Key + ": " + string.Join(",", h.Value))) + "\n" + await response.Content.ReadAsStringAsync());
            return response;
        }

        // Act + Assert: create, and it serves at once.
        var created = await Keep(() => host.Client.PostAsJsonAsync("/api/connectors", new { id = "till-1", plugin = "generic-webhook", merchantId = "cafe-1", settings = new { signingSecret = first } }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/connectors/till-1", created.Headers.Location?.OriginalString);
        Assert.NotNull(created.Headers.ETag);
        using (var view = JsonDocument.Parse(await created.Content.ReadAsStringAsync()))
        {
            Assert.Equal(["signingSecret"], view.RootElement.GetProperty("secretsSet").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal("api", view.RootElement.GetProperty("source").GetString());
            Assert.Equal("running", view.RootElement.GetProperty("status").GetProperty("state").GetString());
        }

        Assert.Equal(HttpStatusCode.OK, (await host.PostWebhookAsync("till-1", RunningHost.SaleJson("evt-l1", "S-L1", "cust-l"), first)).StatusCode);
        Assert.True(await Eventually.HoldsAsync(async () => await host.StampsOfAsync("till-1", "cust-l") == 1, Deadline), "The sale through the new connector earned no stamp.");
        Assert.Equal(HttpStatusCode.Conflict, (await Keep(() => host.Client.PostAsJsonAsync("/api/connectors", new { id = "till-1", plugin = "generic-webhook", merchantId = "cafe-1", settings = new { signingSecret = first } }))).StatusCode);

        // Pause: the POS is told to come back later.
        var paused = await Keep(() => host.Client.PutAsync("/api/connectors/till-1/pause", null));
        Assert.Equal("paused", await StateOfAsync(paused));
        var whilePaused = await host.PostWebhookAsync("till-1", RunningHost.SaleJson("evt-l2", "S-L2", "cust-l"), first);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, whilePaused.StatusCode);
        Assert.NotNull(whilePaused.Headers.RetryAfter);

        // Resume: the same delivery now goes through.
        Assert.Equal("running", await StateOfAsync(await Keep(() => host.Client.PutAsync("/api/connectors/till-1/resume", null))));
        Assert.Equal(HttpStatusCode.OK, (await host.PostWebhookAsync("till-1", RunningHost.SaleJson("evt-l2", "S-L2", "cust-l"), first)).StatusCode);

        // Restart: running again, counters kept.
        var restarted = await Keep(() => host.Client.PostAsync("/api/connectors/till-1/restart", null));
        Assert.Equal(HttpStatusCode.OK, restarted.StatusCode);
        using (var status = JsonDocument.Parse(await restarted.Content.ReadAsStringAsync()))
        {
            Assert.Equal("running", status.RootElement.GetProperty("state").GetString());
            Assert.Equal(2, status.RootElement.GetProperty("eventsIn").GetInt64());
        }

        Assert.Equal(HttpStatusCode.OK, (await host.PostWebhookAsync("till-1", RunningHost.SaleJson("evt-l3", "S-L3", "cust-l"), first)).StatusCode);

        // Replace with a new secret: the old one stops working, the new one works.
        var replaced = await Keep(() => host.Client.PutAsJsonAsync("/api/connectors/till-1", new { plugin = "generic-webhook", merchantId = "cafe-1", settings = new { signingSecret = second } }));
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.PostWebhookAsync("till-1", RunningHost.SaleJson("evt-l4", "S-L4", "cust-l"), first)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.PostWebhookAsync("till-1", RunningHost.SaleJson("evt-l4", "S-L4", "cust-l"), second)).StatusCode);

        // Replace without the secret: it keeps its stored value; the other setting changes.
        var kept = await Keep(() => host.Client.PutAsJsonAsync("/api/connectors/till-1", new { plugin = "generic-webhook", merchantId = "cafe-1", settings = new { signatureHeader = "X-Till-Signature" } }));
        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.PostWebhookAsync("till-1", RunningHost.SaleJson("evt-l5", "S-L5", "cust-l"), second, header: "X-Till-Signature")).StatusCode);
        var config = await Keep(() => host.Client.GetAsync("/api/connectors/till-1"));
        using (var view = JsonDocument.Parse(await config.Content.ReadAsStringAsync()))
        {
            Assert.Equal("X-Till-Signature", view.RootElement.GetProperty("settings").GetProperty("signatureHeader").GetString());
            Assert.False(view.RootElement.GetProperty("settings").TryGetProperty("signingSecret", out _));
            Assert.Equal(["signingSecret"], view.RootElement.GetProperty("secretsSet").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(6, view.RootElement.GetProperty("version").GetInt64());
        }

        // Optimistic concurrency: a stale ETag is refused, the current one accepted.
        var stale = new HttpRequestMessage(HttpMethod.Put, "/api/connectors/till-1") { Content = JsonContent.Create(new { plugin = "generic-webhook", merchantId = "cafe-2" }) };
        stale.Headers.IfMatch.Add(created.Headers.ETag!);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await Keep(() => host.Client.SendAsync(stale))).StatusCode);
        var fresh = new HttpRequestMessage(HttpMethod.Put, "/api/connectors/till-1") { Content = JsonContent.Create(new { plugin = "generic-webhook", merchantId = "cafe-1" }) };
        fresh.Headers.IfMatch.Add(config.Headers.ETag!);
        Assert.Equal(HttpStatusCode.OK, (await Keep(() => host.Client.SendAsync(fresh))).StatusCode);

        // Concurrent replaces without If-Match: none is lost, the row stays whole.
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            Keep(() => host.Client.PutAsJsonAsync("/api/connectors/till-1", new { plugin = "generic-webhook", merchantId = "cafe-1", settings = new { signatureHeader = $"X-Sig-{i}" } }))));
        Assert.All(concurrent, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var row = await host.QueryConnectorStoreAsync(db => db.ConnectorInstances.AsNoTracking().SingleAsync(i => i.Id == "till-1"));
        Assert.Equal(13, row.Version);
        Assert.StartsWith("X-Sig-", StoredConnectorSettings.Parse(row.Settings)["signatureHeader"], StringComparison.Ordinal);

        // At rest: the secret is encrypted, never plain.
        Assert.DoesNotContain(first, row.Settings, StringComparison.Ordinal);
        Assert.DoesNotContain(second, row.Settings, StringComparison.Ordinal);
        Assert.StartsWith("enc:v1:", StoredConnectorSettings.Parse(row.Settings)["signingSecret"], StringComparison.Ordinal);

        // Delete: stopped, gone, its webhooks 404.
        Assert.Equal(HttpStatusCode.NoContent, (await Keep(() => host.Client.DeleteAsync("/api/connectors/till-1"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.PostWebhookAsync("till-1", RunningHost.SaleJson("evt-l6", "S-L6", "cust-l"), second)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Keep(() => host.Client.GetAsync("/api/connectors/till-1"))).StatusCode);

        // Every change was counted.
        var metrics = await host.Client.GetStringAsync("/metrics");
        foreach (var action in new[] { "created", "pause", "resume", "restart", "replaced", "deleted" })
        {
            Assert.Matches($"sevenstamp_connector_changes_total\\{{[^}}]*action=\"{action}\"[^}}]*\\}} [1-9]", metrics);
        }

        // Secrets never came out: not in any answer, not in any log line.
        responses.Add(await host.Client.GetStringAsync("/api/connectors"));
        responses.Add(await host.Client.GetStringAsync("/connectors"));
        Assert.All(responses, r => Assert.DoesNotContain(first, r, StringComparison.Ordinal));
        Assert.All(responses, r => Assert.DoesNotContain(second, r, StringComparison.Ordinal));
        Assert.NotEmpty(logs.Lines);
        Assert.Contains(logs.Lines, l => l.Contains("till-1", StringComparison.Ordinal) && l.Contains("running with", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains(first, StringComparison.Ordinal) || l.Contains(second, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Status_CountsAForgedSignatureAndAPublishedSale_AndWhenTheLastEventCame()
    {
        // Arrange
        const string secret = "counted-till-secret-0123456789";
        await using var host = await StartAsync(NoConnectors, NewKey());
        var created = await host.Client.PostAsJsonAsync("/api/connectors", new { id = "till-c", plugin = "generic-webhook", merchantId = "cafe-1", settings = new { signingSecret = secret } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using (var fresh = JsonDocument.Parse(await host.Client.GetStringAsync("/api/connectors/till-c/status")))
        {
            Assert.Equal(0, fresh.RootElement.GetProperty("eventsIn").GetInt64());
            Assert.Equal(JsonValueKind.Null, fresh.RootElement.GetProperty("lastEventAt").ValueKind);
        }

        var before = DateTimeOffset.UtcNow;

        // Act: one delivery signed with a secret the connector does not know, then one signed right.
        var forged = await host.PostWebhookAsync("till-c", RunningHost.SaleJson("evt-c1", "S-C1", "cust-c"), "someone-elses-secret-0123456789");
        var valid = await host.PostWebhookAsync("till-c", RunningHost.SaleJson("evt-c2", "S-C2", "cust-c"), secret);
        var status = await host.Client.GetAsync("/api/connectors/till-c/status");

        // Assert: both calls came in; only the authentic one published a sale.
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        using var document = JsonDocument.Parse(await status.Content.ReadAsStringAsync());
        var root = document.RootElement;
        Assert.Equal("running", root.GetProperty("state").GetString());
        Assert.Equal(1, root.GetProperty("signatureFailures").GetInt64());
        Assert.Equal(1, root.GetProperty("recordsOut").GetInt64());
        Assert.Equal(2, root.GetProperty("eventsIn").GetInt64());
        Assert.Equal(0, root.GetProperty("failures").GetInt64());
        var lastEventAt = root.GetProperty("lastEventAt").GetDateTimeOffset();
        Assert.InRange(lastEventAt, before, DateTimeOffset.UtcNow);
        Assert.True(await Eventually.HoldsAsync(async () => await host.StampsOfAsync("till-c", "cust-c") == 1, Deadline), "The authentic sale earned no stamp.");
    }

    [Fact]
    public async Task FileConnector_ThroughTheApi_IsReadOnlyButCanBePausedAndResumedAndWinsAnIdConflict()
    {
        // Arrange
        await using var host = await StartAsync(FileConnectors, NewKey());

        // Act
        var replace = await host.Client.PutAsJsonAsync("/api/connectors/shop", new { plugin = "generic-webhook", merchantId = "cafe-1", settings = new { signingSecret = "another-secret-0123456789" } });
        var delete = await host.Client.DeleteAsync("/api/connectors/shop");
        var create = await host.Client.PostAsJsonAsync("/api/connectors", new { id = "shop", plugin = "generic-webhook", merchantId = "cafe-1", settings = new { signingSecret = "another-secret-0123456789" } });
        var list = await host.Client.GetStringAsync("/api/connectors");

        // Assert
        Assert.Equal(HttpStatusCode.Conflict, replace.StatusCode);
        Assert.Contains("connectors.json", await replace.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("edit that file", await replace.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, delete.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, create.StatusCode);
        Assert.DoesNotContain(FileSecret, list, StringComparison.Ordinal);
        using (var document = JsonDocument.Parse(list))
        {
            var shop = document.RootElement.GetProperty("connectors").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "shop");
            Assert.Equal("file", shop.GetProperty("source").GetString());
            Assert.Equal(["signingSecret"], shop.GetProperty("secretsSet").EnumerateArray().Select(e => e.GetString()));
        }

        Assert.Equal("paused", await StateOfAsync(await host.Client.PutAsync("/api/connectors/shop/pause", null)));
        var whilePaused = await host.PostWebhookAsync("shop", RunningHost.SaleJson("evt-f1", "S-F1", "cust-f"), FileSecret);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, whilePaused.StatusCode);
        Assert.NotNull(whilePaused.Headers.RetryAfter);
        var ready = await host.Client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("Paused", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("running", await StateOfAsync(await host.Client.PutAsync("/api/connectors/shop/resume", null)));
        Assert.Equal(HttpStatusCode.OK, (await host.PostWebhookAsync("shop", RunningHost.SaleJson("evt-f1", "S-F1", "cust-f"), FileSecret)).StatusCode);
        Assert.Equal("running", await StateOfAsync(await host.Client.PostAsync("/api/connectors/shop/restart", null)));

        // A stored instance with the file's id (e.g. written by a replica with another file): the file wins, reported.
        await host.QueryConnectorStoreAsync(async db =>
        {
            db.ConnectorInstances.Add(new ConnectorInstance { Id = "shop", PluginId = "generic-webhook", MerchantId = "cafe-9", Settings = "{}", Version = 1, Revision = Guid.NewGuid() });
            return await db.SaveChangesAsync();
        });
        await host.Services.GetRequiredService<ConnectorSupervisor>().SyncAsync(CancellationToken.None);
        using (var document = JsonDocument.Parse(await host.Client.GetStringAsync("/api/connectors")))
        {
            var errors = document.RootElement.GetProperty("configurationErrors").EnumerateArray().ToList();
            Assert.Contains(errors, e => e.GetProperty("connector").GetString() == "shop" && e.GetProperty("message").GetString()!.Contains("the file's definition runs", StringComparison.Ordinal));
            Assert.Equal("cafe-1", document.RootElement.GetProperty("connectors").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "shop").GetProperty("merchantId").GetString());
        }

        Assert.Equal(HttpStatusCode.OK, (await host.PostWebhookAsync("shop", RunningHost.SaleJson("evt-f2", "S-F2", "cust-f"), FileSecret)).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task HostRestart_OnTheSameDatabase_BringsTheApiCreatedConnectorBackRunning(LoyaltyStoreProvider provider)
    {
        // Arrange
        const string secret = "restart-till-secret-0123456789";
        var key = NewKey();
        await using var database = await TestDatabase.CreateAsync(provider);
        await using (var before = await StartAsync(NoConnectors, key, provider, database: database))
        {
            var created = await before.Client.PostAsJsonAsync("/api/connectors", new { id = "till-r", plugin = "generic-webhook", merchantId = "cafe-1", settings = new { signingSecret = secret } });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal("paused", await StateOfAsync(await before.Client.PutAsync("/api/connectors/till-r/pause", null)));
            Assert.Equal("running", await StateOfAsync(await before.Client.PutAsync("/api/connectors/till-r/resume", null)));
        }

        // Act
        await using var after = await StartAsync(NoConnectors, key, provider, database: database);

        // Assert
        var status = await after.Client.GetAsync("/api/connectors/till-r/status");
        Assert.Equal("running", await StateOfAsync(status));
        Assert.Equal(HttpStatusCode.OK, (await after.PostWebhookAsync("till-r", RunningHost.SaleJson("evt-r1", "S-R1", "cust-r"), secret)).StatusCode);
        Assert.True(await Eventually.HoldsAsync(async () => await after.StampsOfAsync("till-r", "cust-r") == 1, Deadline));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task HostRestart_OnTheSameDatabase_KeepsAPauseAndAReplacedSetting(LoyaltyStoreProvider provider)
    {
        // Arrange: a connector paused through the API, then the host stops.
        const string secret = "persist-till-secret-0123456789";
        var key = NewKey();
        await using var database = await TestDatabase.CreateAsync(provider);
        await using (var first = await StartAsync(NoConnectors, key, provider, database: database))
        {
            var created = await first.Client.PostAsJsonAsync("/api/connectors", new { id = "till-p", plugin = "generic-webhook", merchantId = "cafe-1", settings = new { signingSecret = secret } });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal("paused", await StateOfAsync(await first.Client.PutAsync("/api/connectors/till-p/pause", null)));
        }

        // Act + Assert: after a restart it is still paused, and the POS is told to come back later.
        await using (var second = await StartAsync(NoConnectors, key, provider, database: database))
        {
            Assert.Equal("paused", await StateOfAsync(await second.Client.GetAsync("/api/connectors/till-p/status")));
            var whilePaused = await second.PostWebhookAsync("till-p", RunningHost.SaleJson("evt-p1", "S-P1", "cust-p"), secret);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, whilePaused.StatusCode);
            Assert.NotNull(whilePaused.Headers.RetryAfter);
            Assert.Null(await second.StampsOfAsync("till-p", "cust-p"));

            // Replace a setting (the secret is kept) and resume.
            var replaced = await second.Client.PutAsJsonAsync("/api/connectors/till-p", new { plugin = "generic-webhook", merchantId = "cafe-1", settings = new { signatureHeader = "X-Till-Signature" }, paused = false });
            Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        }

        // After another restart the replaced setting is the one in effect: the old header is refused, the new one accepted.
        await using var third = await StartAsync(NoConnectors, key, provider, database: database);
        Assert.Equal("running", await StateOfAsync(await third.Client.GetAsync("/api/connectors/till-p/status")));
        Assert.Equal(HttpStatusCode.Unauthorized, (await third.PostWebhookAsync("till-p", RunningHost.SaleJson("evt-p2", "S-P2", "cust-p"), secret)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await third.PostWebhookAsync("till-p", RunningHost.SaleJson("evt-p2", "S-P2", "cust-p"), secret, header: "X-Till-Signature")).StatusCode);
        Assert.True(await Eventually.HoldsAsync(async () => await third.StampsOfAsync("till-p", "cust-p") == 1, Deadline));
    }

    [Fact]
    public async Task TwoHosts_OnOnePostgresDatabase_ConnectorCreatedOnAServesOnBAndFollowsPauseAndDelete()
    {
        // Arrange
        const string secret = "replica-till-secret-0123456789";
        var key = NewKey();
        await using var database = await TestDatabase.CreateAsync(LoyaltyStoreProvider.PostgreSql);
        await using var a = await StartAsync(NoConnectors, key, LoyaltyStoreProvider.PostgreSql, database: database);
        await using var b = await StartAsync(NoConnectors, key, LoyaltyStoreProvider.PostgreSql, database: database);
        Assert.Equal(HttpStatusCode.NotFound, (await b.PostWebhookAsync("till-b", RunningHost.SaleJson("evt-b0", "S-B0", "cust-b"), secret)).StatusCode);

        // Act
        var created = await a.Client.PostAsJsonAsync("/api/connectors", new { id = "till-b", plugin = "generic-webhook", merchantId = "cafe-1", settings = new { signingSecret = secret } });

        // Assert: B serves it within seconds, then follows a pause and a delete made on A.
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.True(await Eventually.HoldsAsync(async () => (await b.PostWebhookAsync("till-b", RunningHost.SaleJson("evt-b1", "S-B1", "cust-b"), secret)).StatusCode == HttpStatusCode.OK, Deadline), "Replica B never served the connector created on A.");
        Assert.True(await Eventually.HoldsAsync(async () => await b.StampsOfAsync("till-b", "cust-b") == 1, Deadline));

        Assert.Equal("paused", await StateOfAsync(await a.Client.PutAsync("/api/connectors/till-b/pause", null)));
        Assert.True(await Eventually.HoldsAsync(async () => (await b.PostWebhookAsync("till-b", RunningHost.SaleJson("evt-b2", "S-B2", "cust-b"), secret)).StatusCode == HttpStatusCode.ServiceUnavailable, Deadline), "Replica B did not pause.");

        Assert.Equal(HttpStatusCode.NoContent, (await a.Client.DeleteAsync("/api/connectors/till-b")).StatusCode);
        Assert.True(await Eventually.HoldsAsync(async () => (await b.PostWebhookAsync("till-b", RunningHost.SaleJson("evt-b3", "S-B3", "cust-b"), secret)).StatusCode == HttpStatusCode.NotFound, Deadline), "Replica B still serves the deleted connector.");
    }

    [Fact]
    public async Task Pause_WaitsForTheWebhookCallsInsideTheConnector_BeforeStoppingIt()
    {
        // Arrange: a connector whose webhook call hangs until the host's webhook timeout gives up on it.
        await using var host = await StartAsync(NoConnectors, NewKey(), extra: new Dictionary<string, string?> { ["SevenStamp:Webhooks:Timeout"] = "00:00:02" });
        var created = await host.Client.PostAsJsonAsync("/api/connectors", new { id = "hang-1", plugin = "faulty-test", merchantId = "cafe-1", settings = new { mode = "hang-on-webhook" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.True(host.Services.GetRequiredService<ConnectorSupervisor>().TryGet("hang-1", out var old));
        var call = host.PostWebhookAsync("hang-1", RunningHost.SaleJson("evt-h1", "S-H1", "cust-h"), secret: null);
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(old.InFlight == 1), Deadline), "The webhook call never reached the connector.");

        // Act
        var paused = await host.Client.PutAsync("/api/connectors/hang-1/pause", null);

        // Assert: the pause answered only once the call had left the old runtime; new calls get 503 + Retry-After.
        Assert.Equal("paused", await StateOfAsync(paused));
        Assert.True(old.IsRetiring);
        Assert.Equal(0, old.InFlight);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await call).StatusCode);
        var later = await host.PostWebhookAsync("hang-1", RunningHost.SaleJson("evt-h2", "S-H2", "cust-h"), secret: null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, later.StatusCode);
        Assert.NotNull(later.Headers.RetryAfter);
    }

    [Fact]
    public async Task Create_OfAConnectorThatIsSlowToStart_AnswersWithItPendingAndTheApiStaysUsable()
    {
        // Arrange: a start that hangs far longer than an API call waits.
        await using var host = await StartAsync(NoConnectors, NewKey(), extra: new Dictionary<string, string?> { ["SevenStamp:ConnectorStartTimeout"] = "00:02:00" });

        // Act
        var created = await host.Client.PostAsJsonAsync("/api/connectors", new { id = "slow-1", plugin = "faulty-test", merchantId = "cafe-1", settings = new { mode = "hang-on-start" } });

        // Assert
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var view = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        Assert.Equal("pending", view.RootElement.GetProperty("status").GetProperty("state").GetString());
        Assert.Equal("pending", await StateOfAsync(await host.Client.GetAsync("/api/connectors/slow-1/status")));
        var webhook = await host.PostWebhookAsync("slow-1", RunningHost.SaleJson("evt-s1", "S-S1", "cust-s"), secret: null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, webhook.StatusCode);
        Assert.NotNull(webhook.Headers.RetryAfter);
    }

    [Fact]
    public async Task Start_AHostWithAnotherSecretsKey_FailsTheConnectorNamingTheKeyWithoutLeakingTheSecret()
    {
        // Arrange
        const string secret = "other-key-till-secret-0123456789";
        await using var database = await TestDatabase.CreateAsync(LoyaltyStoreProvider.Sqlite);
        await using (var first = await StartAsync(NoConnectors, NewKey(), database: database))
        {
            Assert.Equal(HttpStatusCode.Created, (await first.Client.PostAsJsonAsync("/api/connectors", new { id = "till-k", plugin = "generic-webhook", merchantId = "cafe-1", settings = new { signingSecret = secret } })).StatusCode);
        }

        // Act
        await using var second = await StartAsync(NoConnectors, NewKey(), database: database);

        // Assert
        var status = await second.Client.GetStringAsync("/api/connectors/till-k/status");
        using var document = JsonDocument.Parse(status);
        Assert.Equal("failed", document.RootElement.GetProperty("state").GetString());
        Assert.Contains("SevenStamp:Connectors:SecretsKey", document.RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, status, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await second.PostWebhookAsync("till-k", RunningHost.SaleJson("evt-k1", "S-K1", "cust-k"), secret)).StatusCode);
    }

    [Fact]
    public async Task WithoutASecretsKey_PlainSecretsAreRefusedWithHowToSetTheKey_AndEnvironmentReferencesWork()
    {
        // Arrange
        const string secret = "env-till-secret-0123456789";
        var variable = "SEVENSTAMP_TEST_TILL_SECRET_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(variable, secret);
        await using var host = await StartAsync(NoConnectors, secretsKey: null);

        // Act
        var plain = await host.Client.PostAsJsonAsync("/api/connectors", new { id = "till-e", plugin = "generic-webhook", merchantId = "cafe-1", settings = new { signingSecret = secret } });
        var missing = await host.Client.PostAsJsonAsync("/api/connectors", new { id = "till-e", plugin = "generic-webhook", merchantId = "cafe-1", settings = new { signingSecret = "${env:SEVENSTAMP_TEST_NOT_SET_ANYWHERE}" } });
        var reference = await host.Client.PostAsJsonAsync("/api/connectors", new { id = "till-e", plugin = "generic-webhook", merchantId = "cafe-1", settings = new { signingSecret = "${env:" + variable + "}" } });

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
        var plainBody = await plain.Content.ReadAsStringAsync();
        Assert.Contains("SevenStamp:Connectors:SecretsKey", plainBody, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, plainBody, StringComparison.Ordinal);
        Assert.Equal(["settings.signingSecret"], await ErrorFieldsAsync(plain));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("SEVENSTAMP_TEST_NOT_SET_ANYWHERE", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, reference.StatusCode);
        Assert.DoesNotContain(secret, await reference.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await host.PostWebhookAsync("till-e", RunningHost.SaleJson("evt-e1", "S-E1", "cust-e"), secret)).StatusCode);
        var stored = await host.QueryConnectorStoreAsync(db => db.ConnectorInstances.AsNoTracking().SingleAsync(i => i.Id == "till-e"));
        Assert.DoesNotContain(secret, stored.Settings, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnInvalidSecretsKey_StopsTheHostAtStart_NamingTheSetting()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(async () => await StartAsync(NoConnectors, "bm90LWEta2V5"));

        Assert.Contains("SevenStamp:Connectors:SecretsKey", failure.ToString(), StringComparison.Ordinal);
    }

    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static async Task<RunningHost> StartAsync(string connectors, string? secretsKey, LoyaltyStoreProvider provider = LoyaltyStoreProvider.Sqlite, CapturingLoggerProvider? logs = null, TestDatabase? database = null, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["SevenStamp:Bus:Transport"] = "InMemory",
            ["SevenStamp:Api:AdminKey"] = AdminKey,
            ["SevenStamp:Connectors:SecretsKey"] = secretsKey,
            ["SevenStamp:Connectors:PollInterval"] = "00:00:00.500",
        };
        if (logs is not null)
        {
            settings["Logging:LogLevel:Default"] = "Trace";
        }

        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var host = await RunningHost.StartAsync(connectors, settings, provider, logs, database);
        host.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return host;
    }

    private static async Task<string?> StateOfAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("state").GetString();
    }

    private static async Task<IEnumerable<string>> ErrorFieldsAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. document.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];
    }
}
