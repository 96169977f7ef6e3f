using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SevenStamp.Connectors.Host.Connectors;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>
/// Configuration mistakes a merchant or operator makes, each told at once and by name: every settings error in one
/// answer, a program whose vouchers would be born expired, two csv-drop connectors on one folder, a missing connector
/// file (normal, so a warning), an empty code pool (normal, so a warning), and an API document that shows every body.
/// </summary>
public sealed class ConfigurationChecksTests(ApiHostFixture fixture) : IClassFixture<ApiHostFixture>
{
    private RunningHost Host => fixture.Host;

    [Fact]
    public async Task ValidateConfig_UnsetEnvSecretAndABrokenPluginRule_ReportsBothAtOnce()
    {
        // Arrange: the secret refers to a variable no host sets; the encoding breaks one of the plugin's own rules.
        var body = """{ "signingSecret": "${env:SEVENSTAMP_TEST_NEVER_SET_0123}", "signatureEncoding": "rot13" }""";

        // Act
        var response = await Host.Client.PutAsync("/api/connector-plugins/generic-webhook/config/validate", Json(body));

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var errors = result.RootElement.GetProperty("errors").EnumerateArray().ToDictionary(e => e.GetProperty("field").GetString()!, e => e.GetProperty("message").GetString()!);
        Assert.Equal(["signatureEncoding", "signingSecret"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("SEVENSTAMP_TEST_NEVER_SET_0123", errors["signingSecret"], StringComparison.Ordinal);
        Assert.Equal(2, result.RootElement.GetProperty("errorCount").GetInt32());
    }

    [Fact]
    public async Task PutProgram_FixedDateExpiryInThePast_RefusedNamingVoucherExpiresAt()
    {
        // Arrange
        var past = """{ "name": "Old card", "reward": "A free scone", "voucherExpiry": "FixedDate", "voucherExpiresAt": "2020-01-31T23:59:59Z" }""";
        var future = """{ "name": "New card", "reward": "A free scone", "voucherExpiry": "FixedDate", "voucherExpiresAt": "2099-01-31T23:59:59Z" }""";

        // Act
        var refused = await Host.Client.PutAsync("/api/merchants/expiry-cafe/program", Json(past));
        var accepted = await Host.Client.PutAsync("/api/merchants/expiry-cafe/program", Json(future));

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.Equal(["voucherExpiresAt"], problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Contains("2020-01-31T23:59:59Z", problem.RootElement.GetProperty("errors").GetProperty("voucherExpiresAt")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task Start_ConfiguredProgramWithAPastFixedDate_IsNotWrittenAndTheLogNamesTheField()
    {
        // Arrange
        var logs = new CapturingLoggerProvider();
        var settings = new Dictionary<string, string?>
        {
            ["SevenStamp:Bus:Transport"] = "InMemory",
            ["SevenStamp:Programs:1:MerchantId"] = "stale-cafe",
            ["SevenStamp:Programs:1:Name"] = "Stale card",
            ["SevenStamp:Programs:1:Reward"] = "A free scone",
            ["SevenStamp:Programs:1:VoucherExpiry"] = "FixedDate",
            ["SevenStamp:Programs:1:VoucherExpiresAt"] = "2020-01-31T23:59:59Z",
        };

        // Act
        await using var host = await RunningHost.StartAsync("""{ "connectors": [] }""", settings, logs: logs);
        var written = await host.QueryAsync(db => Task.FromResult(db.Programs.Any(p => p.MerchantId == "stale-cafe")));

        // Assert
        Assert.False(written);
        Assert.Contains(logs.Lines, l => l.StartsWith("Error ", StringComparison.Ordinal) && l.Contains("SevenStamp:Programs:1", StringComparison.Ordinal) && l.Contains("VoucherExpiresAt", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_TwoCsvDropConnectorsOnOneFolder_RefusesTheSecondNamingConnectorAndSetting()
    {
        // Arrange: 'b' names a's inbox with a trailing slash, 'c' moves its finished files into it through "./".
        var root = Directory.CreateTempSubdirectory("sevenstamp-folders-");
        try
        {
            var inbox = Directory.CreateDirectory(Path.Combine(root.FullName, "inbox")).FullName;
            var other = Directory.CreateDirectory(Path.Combine(root.FullName, "other")).FullName;
            var third = Directory.CreateDirectory(Path.Combine(root.FullName, "third")).FullName;
            var connectors = JsonSerializer.Serialize(new
            {
                connectors = new object[]
                {
                    new { id = "a", plugin = "csv-drop", merchantId = "cafe-1", settings = new { folder = inbox } },
                    new { id = "b", plugin = "csv-drop", merchantId = "cafe-1", settings = new { folder = inbox + "/" } },
                    new { id = "c", plugin = "csv-drop", merchantId = "cafe-1", settings = new { folder = other, processedFolder = Path.Combine(root.FullName, ".", "inbox") } },
                    new { id = "d", plugin = "csv-drop", merchantId = "cafe-1", settings = new { folder = third } },
                },
            });

            // Act
            await using var host = await RunningHost.StartAsync(connectors, new Dictionary<string, string?> { ["SevenStamp:Bus:Transport"] = "InMemory" });
            var supervisor = host.Services.GetRequiredService<ConnectorSupervisor>();

            // Assert
            Assert.True(supervisor.TryGet("a", out var a) && a.State == ConnectorState.Running, a?.FailureReason);
            Assert.True(supervisor.TryGet("d", out var d) && d.State == ConnectorState.Running, d?.FailureReason);
            Assert.True(supervisor.TryGet("b", out var b) && b.State == ConnectorState.Failed);
            var bError = Assert.Single(b.SettingErrors);
            Assert.Equal("folder", bError.Field);
            Assert.Contains("connector 'a'", bError.Message, StringComparison.Ordinal);
            Assert.True(supervisor.TryGet("c", out var c) && c.State == ConnectorState.Failed);
            var cError = Assert.Single(c.SettingErrors);
            Assert.Equal("processedFolder", cError.Field);
            Assert.Contains("connector 'a'", cError.Message, StringComparison.Ordinal);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task CreateConnector_CsvDropOnAFolderAnotherUses_Refused400NamingSettingAndConnector()
    {
        // Arrange: a csv-drop connector created through the API, then a second one on the same folder written another way.
        var root = Directory.CreateTempSubdirectory("sevenstamp-api-folders-");
        try
        {
            var inbox = Directory.CreateDirectory(Path.Combine(root.FullName, "inbox")).FullName;
            var first = await Host.Client.PostAsJsonAsync("/api/connectors", new { id = "api-csv-one", plugin = "csv-drop", merchantId = "code-cafe", settings = new { folder = inbox } });
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);

            // Act
            var second = await Host.Client.PostAsJsonAsync("/api/connectors", new { id = "api-csv-two", plugin = "csv-drop", merchantId = "code-cafe", settings = new { folder = root.FullName + "/./inbox//" } });
            var replaceFirst = await Host.Client.PutAsJsonAsync("/api/connectors/api-csv-one", new { plugin = "csv-drop", merchantId = "code-cafe", settings = new { folder = inbox } });

            // Assert: refused naming the setting and the connector; the first may keep its own folder.
            Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
            using var problem = JsonDocument.Parse(await second.Content.ReadAsStringAsync());
            var messages = problem.RootElement.GetProperty("errors").GetProperty("settings.folder");
            Assert.Contains("connector 'api-csv-one'", messages[0].GetString(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, replaceFirst.StatusCode);
        }
        finally
        {
            await Host.Client.DeleteAsync("/api/connectors/api-csv-one");
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Start_ConnectorsFileMissing_LogsAWarningAndReadinessSaysSo()
    {
        // Arrange
        var logs = new CapturingLoggerProvider();
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-connectors-{Guid.NewGuid():N}.json");

        // Act
        await using var host = await RunningHost.StartAsync(
            """{ "connectors": [] }""",
            new Dictionary<string, string?> { ["SevenStamp:Bus:Transport"] = "InMemory", ["SevenStamp:ConnectorsFile"] = missing },
            logs: logs);
        var ready = await host.Client.GetAsync("/health/ready");

        // Assert: a warning naming the path, no error; still ready, with the note.
        Assert.Contains(logs.Lines, l => l.StartsWith("Warning ", StringComparison.Ordinal) && l.Contains(missing, StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.StartsWith("Error ", StringComparison.Ordinal) && l.Contains(missing, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("no connector file at", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sale_RedeemCodePoolEmpty_LogsAWarningNotAnError()
    {
        // Arrange: a program whose codes come from a pool nobody filled, one stamp per voucher.
        var logs = new CapturingLoggerProvider();
        await using var host = await RunningHost.StartAsync(
            """{ "connectors": [ { "id": "shop", "plugin": "generic-webhook", "merchantId": "cafe-1", "settings": { "signingSecret": "pool-shop-secret-0123456789" } } ] }""",
            new Dictionary<string, string?>
            {
                ["SevenStamp:Bus:Transport"] = "InMemory",
                ["SevenStamp:Programs:0:StampGoal"] = "1",
                ["SevenStamp:Programs:0:CodeSource"] = "Pool",
            },
            logs: logs);

        // Act
        Assert.Equal(HttpStatusCode.OK, (await host.PostWebhookAsync("shop", RunningHost.SaleJson("evt-pool-1", "S-POOL-1", "cust-pool"), "pool-shop-secret-0123456789")).StatusCode);
        var told = await Eventually.HoldsAsync(() => Task.FromResult(logs.Lines.Any(l => l.Contains("Redeem Code pool is empty", StringComparison.Ordinal))), TimeSpan.FromSeconds(20));

        // Assert
        Assert.True(told, "The empty pool was never reported.");
        Assert.All(logs.Lines.Where(l => l.Contains("Redeem Code pool is empty", StringComparison.Ordinal)), l => Assert.StartsWith("Warning ", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpenApi_EveryPostOrPutThatTakesABody_CarriesARequestSchema()
    {
        // Arrange: the operations that take no body at all; any other POST or PUT must describe its body.
        string[] bodiless =
        [
            "POST /v/{voucherId}/{token}/redeem", "PUT /api/connectors/{id}/pause", "PUT /api/connectors/{id}/resume", "POST /api/connectors/{id}/restart",
            "PUT /api/merchants/{merchantId}/connectors/{id}/pause", "PUT /api/merchants/{merchantId}/connectors/{id}/resume", "POST /api/merchants/{merchantId}/connectors/{id}/restart",
            "POST /api/account/sign-out", "POST /api/account/two-factor/setup", "POST /api/account/two-factor/disable",
            "POST /api/merchants/{merchantId}/people/{userId}/password-reset",
            "POST /api/merchants/{merchantId}/webhooks/{subscriptionId}/secret", "POST /api/merchants/{merchantId}/webhooks/{subscriptionId}/deliveries/{deliveryId}/redeliver",
            "POST /api/merchants/{merchantId}/campaigns/{campaignId}/cancel",
        ];

        // Act
        var document = JsonNode.Parse(await Host.Client.GetStringAsync("/openapi/v1.json"))!;

        // Assert
        var checkedOperations = new List<string>();
        foreach (var (path, operations) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in operations!.AsObject().Where(o => o.Key is "post" or "put" or "patch"))
            {
                var name = $"{method.ToUpperInvariant()} {path}";
                if (bodiless.Contains(name))
                {
                    continue;
                }

                var content = operation!["requestBody"]?["content"]?.AsObject();
                Assert.True(content is { Count: > 0 }, $"{name} has no request body in the OpenAPI document.");
                Assert.All(content!, c => Assert.True(c.Value?["schema"] is not null, $"{name} ({c.Key}) has no schema."));
                checkedOperations.Add(name);
            }
        }

        Assert.Contains("PUT /api/merchants/{merchantId}/program", checkedOperations);
        Assert.Contains("POST /api/merchants/{merchantId}/program/pool", checkedOperations);
        Assert.Contains("POST /api/merchants/{merchantId}/staff", checkedOperations);
        Assert.Contains("POST /api/connectors", checkedOperations);
        Assert.Contains("PUT /api/connectors/{id}", checkedOperations);
        var program = document["paths"]!["/api/merchants/{merchantId}/program"]!["put"]!["requestBody"]!["content"]!["application/json"]!["schema"]!;
        Assert.NotNull(program["$ref"] ?? program["properties"]);
        Assert.NotNull(document["paths"]!["/api/merchants/{merchantId}/program/pool"]!["post"]!["requestBody"]!["content"]!["text/csv"]);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
