using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>One real host (Kestrel on loopback, plugins from disk, SQLite) on the in-memory bus, shared by the tests of a class.</summary>
public sealed class InMemoryHostFixture : IAsyncLifetime
{
    public const string Secret = "shop-secret-0123456789";

    private const string Connectors = """
        { "connectors": [
            { "id": "shop", "plugin": "generic-webhook", "merchantId": "cafe-1", "settings": { "signingSecret": "shop-secret-0123456789" } },
            { "id": "broken", "plugin": "generic-webhook", "merchantId": "cafe-1", "settings": { "signingSecret": "shop-secret-0123456789", "signatureEncoding": "hex2", "colour": "red" } },
            { "id": "resting", "plugin": "pos-simulator", "merchantId": "cafe-1", "enabled": false },
            { "id": "ghost", "plugin": "no-such-pos", "merchantId": "cafe-1" }
        ] }
        """;

    public RunningHost Host { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Host = await RunningHost.StartAsync(Connectors, new Dictionary<string, string?>
        {
            ["SevenStamp:Bus:Transport"] = "InMemory",
            ["SevenStamp:Webhooks:MaxBodyBytes"] = "4096",
        });

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>The webhook endpoint and status pages of a real host on the in-memory bus.</summary>
public sealed class WebhookEndpointTests(InMemoryHostFixture fixture) : IClassFixture<InMemoryHostFixture>
{
    private const string Secret = InMemoryHostFixture.Secret;

    private RunningHost Host => fixture.Host;

    [Fact]
    public async Task Webhook_SignedSale_BecomesAStampAndItsRedeliveryDoesNot()
    {
        var body = RunningHost.SaleJson("evt-a1", "S-A1", "cust-a");

        var first = await Host.PostWebhookAsync("shop", body, Secret);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.True(await Eventually.HoldsAsync(() => Host.QueryAsync(db => db.StampAwards.AnyAsync(a => a.ExternalSaleId == "S-A1")), TimeSpan.FromSeconds(20)));

        // The same event again: acknowledged at the door, nothing published.
        var second = await Host.PostWebhookAsync("shop", body, Secret);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Contains("\"outcome\":\"duplicate\"", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Another event about the same sale (as a POS sends on an update): it reaches the engine, which changes nothing.
        var third = await Host.PostWebhookAsync("shop", RunningHost.SaleJson("evt-a1-update", "S-A1", "cust-a"), Secret);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.True(await Eventually.HoldsAsync(async () => await Host.DeliveriesOfAsync("shop", "S-A1") == 2, TimeSpan.FromSeconds(20)), "The second delivery was not consumed.");
        Assert.Equal(1, await Host.StampsOfAsync("shop", "cust-a"));
        Assert.Equal(1, await Host.QueryAsync(db => db.StampAwards.CountAsync(a => a.ExternalSaleId == "S-A1")));
    }

    [Fact]
    public async Task Webhook_BadSignature_Gets401AndNothingIsRecorded()
    {
        var body = RunningHost.SaleJson("evt-b1", "S-B1", "cust-b");

        var unsigned = await Host.PostWebhookAsync("shop", body, secret: null);
        var wrong = await Host.PostWebhookAsync("shop", body, secret: "not-the-shop-secret-123");

        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        // Give a wrongly published sale every chance to show up before concluding it did not.
        await Task.Delay(500);
        Assert.False(await Host.QueryAsync(db => db.StampAwards.AnyAsync(a => a.ExternalSaleId == "S-B1")));
    }

    [Fact]
    public async Task Webhook_MalformedOrOversizedBody_IsRefusedWith4xx()
    {
        var malformed = await Host.PostWebhookAsync("shop", """{ "eventId": "e", "type": "sale.completed", "sale": { "id": "S" } }""", Secret);
        var oversized = await Host.PostWebhookAsync("shop", "{\"pad\":\"" + new string('x', 5000) + "\"}", Secret);

        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("sale.occurredAt is required", await malformed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);
    }

    [Theory]
    [InlineData("nobody", HttpStatusCode.NotFound)]
    [InlineData("..%2F..%2Fetc", HttpStatusCode.NotFound)]
    [InlineData("broken", HttpStatusCode.ServiceUnavailable)]
    [InlineData("resting", HttpStatusCode.ServiceUnavailable)]
    [InlineData("ghost", HttpStatusCode.ServiceUnavailable)]
    public async Task Webhook_UnknownOrIdleConnector_IsRefused(string connectorId, HttpStatusCode expected)
    {
        var response = await Host.PostWebhookAsync(connectorId, RunningHost.SaleJson("e", "S", "c"), Secret);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task ConnectorStatus_BrokenConnectors_ReportsEachWithFieldAndReasonAndNoSecret()
    {
        var json = await Host.Client.GetStringAsync("/connectors");

        Assert.DoesNotContain(Secret, json, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json);
        var connectors = document.RootElement.GetProperty("connectors").EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!);
        Assert.Equal("Running", connectors["shop"].GetProperty("state").GetString());
        Assert.Equal("Disabled", connectors["resting"].GetProperty("state").GetString());
        Assert.Equal("Failed", connectors["broken"].GetProperty("state").GetString());
        Assert.Equal(
            ["colour", "signatureEncoding"],
            connectors["broken"].GetProperty("settingErrors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal("Failed", connectors["ghost"].GetProperty("state").GetString());
        Assert.Contains("plugin 'no-such-pos' is not installed", connectors["ghost"].GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plugins_Installed_AreListedWithTheirSettingsSchema()
    {
        using var document = JsonDocument.Parse(await Host.Client.GetStringAsync("/plugins"));

        var plugins = document.RootElement.GetProperty("loaded").EnumerateArray().ToDictionary(p => p.GetProperty("id").GetString()!);
        Assert.Equal(["csv-drop", "faulty-test", "generic-webhook", "json-webhook", "pos-simulator", "square", "version-probe-test"], plugins.Keys.Order(StringComparer.Ordinal));
        var secret = plugins["generic-webhook"].GetProperty("settings").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "signingSecret");
        Assert.True(secret.GetProperty("secret").GetBoolean());
        Assert.True(secret.GetProperty("required").GetBoolean());
    }

    [Fact]
    public async Task ManagementApi_WithoutAnAdminKey_IsOff()
    {
        var response = await Host.Client.GetAsync("/api/merchants/cafe-1/program");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("SevenStamp:Api:AdminKey", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readiness_ConnectorsFailed_FailsAndNamesThem()
    {
        var live = await Host.Client.GetAsync("/health/live");
        var ready = await Host.Client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        using var report = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        var checks = report.RootElement.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("Healthy", checks.GetProperty("bus").GetProperty("status").GetString());
        var connectors = checks.GetProperty("connectors");
        Assert.Equal("Unhealthy", connectors.GetProperty("status").GetString());
        Assert.Equal("connector(s) failed: broken, ghost", connectors.GetProperty("description").GetString());
        Assert.StartsWith("Failed: plugin 'no-such-pos' is not installed", connectors.GetProperty("data").GetProperty("ghost").GetString(), StringComparison.Ordinal);
        Assert.Equal("Running", connectors.GetProperty("data").GetProperty("shop").GetString());
    }

    [Fact]
    public async Task Metrics_Webhooks_AreCountedByConnectorAndOutcome()
    {
        await Host.PostWebhookAsync("shop", RunningHost.SaleJson("evt-m1", "S-M1", "cust-m"), "not-the-secret-0123456789");

        var metrics = await Host.Client.GetStringAsync("/metrics");

        Assert.Matches("sevenstamp_webhooks_total\\{[^}]*connector=\"shop\"[^}]*outcome=\"Unauthorized\"[^}]*\\} [1-9]", metrics);
        Assert.Contains("sevenstamp_webhook_duration_seconds_bucket", metrics, StringComparison.Ordinal);
    }
}
