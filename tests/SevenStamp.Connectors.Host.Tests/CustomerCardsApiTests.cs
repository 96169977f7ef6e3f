using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SevenStamp.Accounts.Data;
using SevenStamp.Loyalty;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>
/// The customer endpoints the console shares with the API: stamps adjusted by hand (the ledger, the card, the audit log,
/// a voucher minted at the goal, no overdraw) and the card search (by the e-mail and phone hash every connector sends,
/// by POS customer id, by loyalty card id, by Redeem Code), on both databases.
/// </summary>
public sealed class CustomerCardsApiTests
{
    private const string AdminKey = "customers-admin-key-0123456789abcdefgh";
    private const string Secret = "customers-shop-secret-0123456789";
    private const string Merchant = "corner-cafe";

    public static TheoryData<LoyaltyStoreProvider> Providers() => [LoyaltyStoreProvider.Sqlite, LoyaltyStoreProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AdjustStamps_UpToTheGoalThenBelowZero_WritesTheLedgerMintsOnceAuditsAndRefusesTheOverdraw(LoyaltyStoreProvider provider)
    {
        // Arrange: a program of two stamps and an enrolled card.
        await using var host = await StartAsync(provider);
        var card = await EnrollAsync(host, "CARD-ADJ-1");
        var path = $"/api/merchants/{Merchant}/cards/{card}/stamps";

        // Act
        var first = await host.Client.PostAsJsonAsync(path, new { delta = 1, reason = "Till was offline on 3 Dec" });
        var second = await host.Client.PostAsJsonAsync(path, new { delta = 1, reason = "Second coffee, same day" });
        var overdraw = await host.Client.PostAsJsonAsync(path, new { delta = -1, reason = "Given by mistake" });
        var zero = await host.Client.PostAsJsonAsync(path, new { delta = 0, reason = "Nothing" });
        var noReason = await host.Client.PostAsJsonAsync(path, new { delta = 1, reason = "  " });
        var unknown = await host.Client.PostAsJsonAsync($"/api/merchants/{Merchant}/cards/{Guid.NewGuid()}/stamps", new { delta = 1, reason = "Nobody" });
        var third = await host.Client.PostAsJsonAsync(path, new { delta = 1, reason = "Third visit" });
        var takeBack = await host.Client.PostAsJsonAsync(path, new { delta = -1, reason = "Third visit was a mistake" });

        // Assert: the answers.
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using (var body = JsonDocument.Parse(await first.Content.ReadAsStringAsync()))
        {
            Assert.Equal((1, 2, 0), (body.RootElement.GetProperty("progress").GetInt32(), body.RootElement.GetProperty("goal").GetInt32(), body.RootElement.GetProperty("vouchersIssued").GetInt32()));
        }

        using (var body = JsonDocument.Parse(await second.Content.ReadAsStringAsync()))
        {
            Assert.Equal((0, 1), (body.RootElement.GetProperty("progress").GetInt32(), body.RootElement.GetProperty("vouchersIssued").GetInt32()));
        }

        Assert.Equal(["delta"], await ErrorFieldsAsync(overdraw));
        Assert.Contains("below zero", await overdraw.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(["delta"], await ErrorFieldsAsync(zero));
        Assert.Equal(["reason"], await ErrorFieldsAsync(noReason));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal(HttpStatusCode.OK, takeBack.StatusCode);

        // Assert: the data. Four adjustments in the ledger, one voucher (the goal was reached once), the card at 2 (1 cycle).
        var (adjustments, total, cycles, vouchers) = await host.QueryAsync(async db => (
            await db.StampAdjustments.Where(a => a.CardId == card).OrderBy(a => a.At).Select(a => new { a.Stamps, a.Reason, a.Actor, a.VouchersIssued }).ToListAsync(),
            await db.Cards.Where(c => c.Id == card).Select(c => c.TotalStamps).SingleAsync(),
            await db.Cards.Where(c => c.Id == card).Select(c => c.CyclesCompleted).SingleAsync(),
            await db.Vouchers.CountAsync(v => v.CardId == card)));
        Assert.Equal([1, 1, 1, -1], adjustments.Select(a => a.Stamps));
        Assert.Equal([0, 1, 0, 0], adjustments.Select(a => a.VouchersIssued));
        Assert.Equal("Till was offline on 3 Dec", adjustments[0].Reason);
        Assert.Equal("operator", adjustments[0].Actor);
        Assert.Equal((2, 1, 1), (total, cycles, vouchers));

        // Assert: each change is in the audit log, and the refusals are not.
        List<AuditEntry> audit = [];
        await Eventually.AssertAsync(async () => (audit = await AuditAsync(host, "stamps.adjusted")).Count == 4, TimeSpan.FromSeconds(10), "four stamps.adjusted audit entries");
        Assert.All(audit, a => Assert.Equal($"card {card}", a.Subject));
        Assert.Contains(audit, a => a.After!.Contains("+1 stamps (Second coffee, same day): 0 of 2, 1 voucher(s) issued", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task SearchCards_ByEmailPhonePosIdLoyaltyCardIdAndCode_FindsTheCardThroughTheConnectorsHash(LoyaltyStoreProvider provider)
    {
        // Arrange: a sale that names its customer every way (goal 2: two sales mint a voucher), and another customer.
        await using var host = await StartAsync(provider);
        var card = await EnrollAsync(host, "CARD-SEARCH-1");
        foreach (var sale in new[] { "S-SEARCH-1", "S-SEARCH-2" })
        {
            var body = $$"""
                { "eventId": "evt-{{sale}}", "type": "sale.completed",
                  "sale": { "id": "{{sale}}", "occurredAt": "2026-12-01T09:30:00Z", "currency": "EUR", "total": 3.5,
                            "customer": { "id": "pos-ana", "loyaltyCardId": "CARD-SEARCH-1", "email": "Ana@Example.com", "phone": "+49 151 1234-5678" } } }
                """;
            Assert.Equal(HttpStatusCode.OK, (await host.PostWebhookAsync("cafe-shop", body, Secret)).StatusCode);
        }

        await EnrollAsync(host, "CARD-SEARCH-2");
        string code = null!;
        await Eventually.AssertAsync(async () => (code = (await host.QueryAsync(db => db.Vouchers.Where(v => v.CardId == card).Select(v => v.Code).SingleOrDefaultAsync()))!) is not null, TimeSpan.FromSeconds(20), "a voucher minted");

        // Act
        var byEmail = await SearchAsync(host, "  ana@example.COM ");
        var byPhone = await SearchAsync(host, "0049 151 12345678");
        var byPos = await SearchAsync(host, "pos-ana");
        var byCard = await SearchAsync(host, "CARD-SEARCH-1");
        var byCode = await SearchAsync(host, code.ToLowerInvariant());
        var byCardId = await SearchAsync(host, card.ToString());
        var nobody = await SearchAsync(host, "someone-else@example.com");
        var empty = await host.Client.GetAsync($"/api/merchants/{Merchant}/cards/search?q=%20");

        // Assert
        Assert.Equal([(card, "email")], byEmail);
        Assert.Equal([(card, "phone")], byPhone);
        Assert.Equal([(card, "posCustomerId")], byPos);
        Assert.Equal([(card, "loyaltyCardId")], byCard);
        Assert.Equal([(card, "redeemCode")], byCode);
        Assert.Equal([(card, "cardId")], byCardId);
        Assert.Empty(nobody);
        Assert.Equal(["q"], await ErrorFieldsAsync(empty));
        using var found = JsonDocument.Parse(await host.Client.GetStringAsync($"/api/merchants/{Merchant}/cards/search?q=CARD-SEARCH-1"));
        var match = found.RootElement[0];
        Assert.Equal((0, 2, 1), (match.GetProperty("progress").GetInt32(), match.GetProperty("goal").GetInt32(), match.GetProperty("vouchersReady").GetInt32()));
        Assert.Equal(JsonValueKind.String, match.GetProperty("lastVisit").ValueKind);
        var stored = await host.QueryAsync(db => db.CustomerLinks.Select(l => l.Value).ToListAsync());
        Assert.DoesNotContain(stored, v => v.Contains("ana@", StringComparison.OrdinalIgnoreCase) || v.Contains("1512345678", StringComparison.Ordinal));
    }

    private static async Task<RunningHost> StartAsync(LoyaltyStoreProvider provider)
    {
        var host = await RunningHost.StartAsync(
            $$"""
            { "connectors": [
                { "id": "cafe-shop", "plugin": "generic-webhook", "merchantId": "{{Merchant}}", "settings": { "signingSecret": "{{Secret}}" } }
            ] }
            """,
            new Dictionary<string, string?>
            {
                ["SevenStamp:Bus:Transport"] = "InMemory",
                ["SevenStamp:Api:AdminKey"] = AdminKey,
                ["SevenStamp:Vouchers:LinkSecret"] = "customers-link-secret-0123456789abcdef",
                ["SevenStamp:Programs:1:MerchantId"] = Merchant,
                ["SevenStamp:Programs:1:Name"] = "Cafe card",
                ["SevenStamp:Programs:1:Reward"] = "A free coffee",
                ["SevenStamp:Programs:1:StampGoal"] = "2",
                ["SevenStamp:Programs:1:CodePrefix"] = "CF-",
            },
            provider);
        host.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return host;
    }

    private static async Task<Guid> EnrollAsync(RunningHost host, string loyaltyCardId)
    {
        var response = await host.Client.PostAsJsonAsync($"/api/merchants/{Merchant}/cards", new { loyaltyCardId });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var card = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return card.RootElement.GetProperty("cardId").GetGuid();
    }

    private static async Task<List<(Guid CardId, string MatchedBy)>> SearchAsync(RunningHost host, string q)
    {
        var response = await host.Client.GetAsync($"/api/merchants/{Merchant}/cards/search?q={Uri.EscapeDataString(q)}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. body.RootElement.EnumerateArray().SelectMany(m => m.GetProperty("matchedBy").EnumerateArray().Select(b => (m.GetProperty("cardId").GetGuid(), b.GetString()!)))];
    }

    private static async Task<List<string>> ErrorFieldsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. body.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name)];
    }

    private static async Task<List<AuditEntry>> AuditAsync(RunningHost host, string kind)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AccountsDbContext>().Set<AuditEntry>().AsNoTracking().Where(a => a.Kind == kind).ToListAsync();
    }
}
