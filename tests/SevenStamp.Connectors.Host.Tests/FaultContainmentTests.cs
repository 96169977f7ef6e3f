using System.Net;
using System.Text.Json;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>A host running healthy connectors beside ones that throw, hang or fail to start (the faulty test plugin from disk).</summary>
public sealed class FaultyHostFixture : IAsyncLifetime
{
    public const string Secret = "shop-secret-0123456789";

    public RunningHost Host { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Host = await RunningHost.StartAsync(
            """
            { "connectors": [
                { "id": "shop", "plugin": "generic-webhook", "merchantId": "cafe-1", "settings": { "signingSecret": "shop-secret-0123456789" } },
                { "id": "thrower", "plugin": "faulty-test", "merchantId": "cafe-1", "settings": { "mode": "throw-on-webhook" } },
                { "id": "hanger", "plugin": "faulty-test", "merchantId": "cafe-1", "settings": { "mode": "hang-on-webhook" } },
                { "id": "slow-starter", "plugin": "faulty-test", "merchantId": "cafe-1", "settings": { "mode": "hang-on-start" } },
                { "id": "flaky", "plugin": "faulty-test", "merchantId": "cafe-1", "settings": { "mode": "fail-first-starts", "failures": 2 } }
            ] }
            """,
            new Dictionary<string, string?>
            {
                ["SevenStamp:Bus:Transport"] = "InMemory",
                ["SevenStamp:Webhooks:Timeout"] = "00:00:03",
                ["SevenStamp:ConnectorStartTimeout"] = "00:00:02",
                ["SevenStamp:ConnectorRestartDelay"] = "00:00:00.100",
                ["SevenStamp:ConnectorRestartMaxDelay"] = "00:00:01",
                ["SevenStamp:CircuitBreakerFailures"] = "3",
                ["SevenStamp:CircuitBreakerOpenFor"] = "00:10:00",
            });

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}

public sealed class FaultContainmentTests(FaultyHostFixture fixture) : IClassFixture<FaultyHostFixture>
{
    private RunningHost Host => fixture.Host;

    [Fact]
    public async Task Webhook_ConnectorKeepsThrowing_GetsItsCircuitOpenedAndTheOthersCarryOn()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await Host.PostWebhookAsync("thrower", "{}", secret: null)).StatusCode);
        }

        var healthy = await Host.PostWebhookAsync("shop", RunningHost.SaleJson("evt-f1", "S-F1", "cust-f"), FaultyHostFixture.Secret);

        Assert.Equal([HttpStatusCode.InternalServerError, HttpStatusCode.InternalServerError, HttpStatusCode.InternalServerError, HttpStatusCode.ServiceUnavailable], statuses);
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        var thrower = await ConnectorAsync("thrower");
        Assert.Equal(3, thrower.GetProperty("failures").GetInt64());
    }

    [Fact]
    public async Task Webhook_ConnectorHangs_IsAbandonedWith503SoThePosRetries()
    {
        var response = await Host.PostWebhookAsync("hanger", "{}", secret: null);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("timed out", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectorStart_Hangs_IsMarkedFailedAndRetriedWithBackoff()
    {
        Assert.True(await Eventually.HoldsAsync(async () => (await ConnectorAsync("slow-starter")).GetProperty("restartAttempts").GetInt32() >= 2, TimeSpan.FromSeconds(30)));

        var connector = await ConnectorAsync("slow-starter");
        Assert.Equal("Failed", connector.GetProperty("state").GetString());
        Assert.Equal("did not start within 2 s", connector.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task ConnectorStart_FailedThenARestartSucceeds_Runs()
    {
        Assert.True(await Eventually.HoldsAsync(async () => (await ConnectorAsync("flaky")).GetProperty("state").GetString() == "Running", TimeSpan.FromSeconds(30)), "The flaky connector never came up.");

        // Its two failed starts stay counted until it has run longer than the longest back-off.
        Assert.Equal(2, (await ConnectorAsync("flaky")).GetProperty("restartAttempts").GetInt32());
    }

    private async Task<JsonElement> ConnectorAsync(string id)
    {
        using var document = JsonDocument.Parse(await Host.Client.GetStringAsync("/connectors"));
        return document.RootElement.GetProperty("connectors").EnumerateArray().Single(c => c.GetProperty("id").GetString() == id).Clone();
    }
}
