using System.Net;
using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;
using Newtonsoft.Json;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>
/// A host running a bundled connector beside the version-probe test plugin, which carries Newtonsoft.Json 13.0.3
/// while the host carries 13.0.4 (through its Google Wallet client): a plugin's own libraries stay its own.
/// </summary>
public sealed class VersionProbeHostFixture : IAsyncLifetime
{
    public const string Secret = "probe-secret-0123456789";

    public RunningHost Host { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Host = await RunningHost.StartAsync(
            $$"""
            { "connectors": [
                { "id": "shop", "plugin": "generic-webhook", "merchantId": "cafe-1", "settings": { "signingSecret": "{{Secret}}" } },
                { "id": "probe", "plugin": "version-probe-test", "merchantId": "cafe-1", "settings": { "signingSecret": "{{Secret}}" } }
            ] }
            """,
            new Dictionary<string, string?>
            {
                ["SevenStamp:Bus:Transport"] = "InMemory",
                ["SevenStamp:Programs:1:MerchantId"] = "cafe-1",
                ["SevenStamp:Programs:1:Name"] = "Coffee card",
                ["SevenStamp:Programs:1:Reward"] = "A free coffee",
                ["SevenStamp:Programs:1:StampGoal"] = "10",
            });

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}

public sealed class DependencyIsolationTests(VersionProbeHostFixture fixture) : IClassFixture<VersionProbeHostFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private RunningHost Host => fixture.Host;

    private static string FileVersionOf(Assembly assembly) => assembly.GetCustomAttribute<AssemblyFileVersionAttribute>()?.Version ?? "unknown";

    [Fact]
    public async Task Webhook_PluginCarryingAnotherNewtonsoftVersion_ReadsWithItsOwnCopyWhileTheHostKeepsItsOwn()
    {
        // Arrange: the host's own copy, as its code (the Google Wallet client) loads it.
        var hosts = typeof(JsonConvert).Assembly;

        // Act
        var response = await Host.PostWebhookAsync("probe", """{ "eventId": "evt-p1", "saleId": "P-1", "customerId": "cust-p1", "total": 3.10 }""", VersionProbeHostFixture.Secret);
        var body = await response.Content.ReadAsStringAsync();

        // Assert: the plugin answered from its own copy, in its own load context; the host's is 13.0.4 in the default one.
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var answer = JsonDocument.Parse(body);
        var message = answer.RootElement.GetProperty("message").GetString()!;
        Assert.Contains("Newtonsoft.Json 13.0.3.", message, StringComparison.Ordinal);
        Assert.DoesNotContain("load context 'Default'", message, StringComparison.Ordinal);
        Assert.StartsWith("13.0.4.", FileVersionOf(hosts), StringComparison.Ordinal);
        Assert.Same(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(hosts));
        // Both copies are loaded in this one process, each in its own context.
        var loaded = AssemblyLoadContext.All.SelectMany(c => c.Assemblies.Where(a => a.GetName().Name == "Newtonsoft.Json").Select(a => (Context: c, Version: FileVersionOf(a)))).ToList();
        Assert.Contains(loaded, l => l.Context == AssemblyLoadContext.Default && l.Version.StartsWith("13.0.4.", StringComparison.Ordinal));
        Assert.Contains(loaded, l => l.Context != AssemblyLoadContext.Default && l.Version.StartsWith("13.0.3.", StringComparison.Ordinal));
        // The host's copy still works after the plugin loaded its own.
        Assert.Equal("{\"a\":1}", JsonConvert.SerializeObject(new { a = 1 }));
    }

    [Fact]
    public async Task Webhook_BundledPluginBesideTheProbe_BothSalesEarnTheirStamp()
    {
        // Act: a sale through the bundled generic webhook, one through the probe plugin.
        var shop = await Host.PostWebhookAsync("shop", RunningHost.SaleJson("evt-s2", "S-2", "cust-s2"), VersionProbeHostFixture.Secret);
        var probe = await Host.PostWebhookAsync("probe", """{ "eventId": "evt-p2", "saleId": "P-2", "customerId": "cust-p2", "total": 4.20 }""", VersionProbeHostFixture.Secret);

        // Assert
        Assert.Equal(HttpStatusCode.OK, shop.StatusCode);
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        Assert.True(await Eventually.HoldsAsync(async () => await Host.StampsOfAsync("shop", "cust-s2") == 1, Deadline), "The bundled plugin's sale earned no stamp.");
        Assert.True(await Eventually.HoldsAsync(async () => await Host.StampsOfAsync("probe", "cust-p2") == 1, Deadline), "The probe plugin's sale earned no stamp.");
    }
}
