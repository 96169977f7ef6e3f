using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>
/// The pool's counts (<c>GET /api/merchants/{merchantId}/program/pool</c>), which the console's pool page shows too:
/// the codes left and the vouchers owed, counted by the database on both kinds.
/// </summary>
public sealed class RedeemCodePoolApiTests
{
    private const string AdminKey = "pool-admin-key-0123456789abcdefghij";
    private const string Secret = "pool-api-shop-secret-0123456789";

    public static TheoryData<LoyaltyStoreProvider> Providers() => [LoyaltyStoreProvider.Sqlite, LoyaltyStoreProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task GetPool_OwedVoucherThenImport_CountsCodesLeftAndVouchersOwed(LoyaltyStoreProvider provider)
    {
        // Arrange: a program that takes its codes from the pool (goal 1), one that makes its own, and an empty pool.
        await using var host = await RunningHost.StartAsync(
            """{ "connectors": [ { "id": "pool-shop", "plugin": "generic-webhook", "merchantId": "pool-cafe", "settings": { "signingSecret": "pool-api-shop-secret-0123456789" } } ] }""",
            new Dictionary<string, string?>
            {
                ["SevenStamp:Bus:Transport"] = "InMemory",
                ["SevenStamp:Api:AdminKey"] = AdminKey,
                ["SevenStamp:Vouchers:LinkSecret"] = "pool-link-secret-0123456789abcdefghij",
                ["SevenStamp:Programs:1:MerchantId"] = "pool-cafe",
                ["SevenStamp:Programs:1:Name"] = "Muffin card",
                ["SevenStamp:Programs:1:Reward"] = "A free muffin",
                ["SevenStamp:Programs:1:StampGoal"] = "1",
                ["SevenStamp:Programs:1:CodeSource"] = "Pool",
                ["SevenStamp:Programs:2:MerchantId"] = "own-cafe",
                ["SevenStamp:Programs:2:Name"] = "Bagel card",
                ["SevenStamp:Programs:2:Reward"] = "A free bagel",
            },
            provider);
        host.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        var empty = await PoolAsync(host, "pool-cafe");

        // Act: two customers reach the goal while the pool is empty; then three codes come in, two of them used at once.
        foreach (var customer in new[] { "C-1", "C-2" })
        {
            Assert.Equal(HttpStatusCode.OK, (await host.PostWebhookAsync("pool-shop", RunningHost.SaleJson($"evt-{customer}", $"S-{customer}", customer), Secret)).StatusCode);
        }

        await Eventually.AssertAsync(
            async () => await host.QueryAsync(db => db.Cards.CountAsync(c => c.MerchantId == "pool-cafe" && c.CyclesCompleted == 1)) == 2,
            TimeSpan.FromSeconds(20),
            "both cards to reach the goal");
        var owed = await PoolAsync(host, "pool-cafe");
        var import = await host.Client.PostAsync("/api/merchants/pool-cafe/program/pool", new StringContent("code\nSQ-1\nSQ-2\nSQ-3\n", Encoding.UTF8, "text/csv"));
        var after = await PoolAsync(host, "pool-cafe");
        var own = await PoolAsync(host, "own-cafe");
        var none = await host.Client.GetAsync("/api/merchants/nobody/program/pool");

        // Assert
        Assert.Equal(("Pool", 0, 0), empty);
        Assert.Equal(("Pool", 0, 2), owed);
        Assert.Equal(HttpStatusCode.OK, import.StatusCode);
        Assert.Contains("\"vouchersMinted\":2", await import.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(("Pool", 1, 0), after);
        Assert.Equal(("Generated", 0, 0), own);
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
    }

    private static async Task<(string? CodeSource, int Unassigned, int Owed)> PoolAsync(RunningHost host, string merchantId)
    {
        var response = await host.Client.GetAsync($"/api/merchants/{merchantId}/program/pool");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var pool = body.RootElement;
        return (pool.GetProperty("codeSource").GetString(), pool.GetProperty("unassigned").GetInt32(), pool.GetProperty("owed").GetInt32());
    }
}
