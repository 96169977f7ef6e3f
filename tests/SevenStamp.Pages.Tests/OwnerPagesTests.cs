using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SevenStamp.Accounts.Data;

namespace SevenStamp.Pages.Tests;

/// <summary>The owner's pages: people and keys, the audit log, the dashboard.</summary>
public sealed class OwnerPagesTests(Browser browser) : IClassFixture<Browser>, IAsyncLifetime
{
    private const string Secret = "pages-shop-secret-0123456789";
    private PagesHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await PagesHost.StartAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task PeopleAndKeys_InviteStaffOfATillThenMakeAndRevokeAKey_ShowEachOnceAndListThem()
    {
        // Arrange
        var page = await _host.SignedInOwnerAsync(browser, "tea-house");
        await page.GotoAsync("/console/people");
        await Browser.CheckAndSaveAsync(page, "console-people");

        // Act: an invite for staff of one till, with a bad e-mail first.
        await page.GetByLabel("Role").SelectOptionAsync("Staff");
        await page.GetByLabel("Locations (staff only, optional)").FillAsync("till-north");
        await page.GetByLabel("E-mail (optional)").FillAsync("not-an-address");
        await page.GetByRole(AriaRole.Button, new() { Name = "Make an invite link" }).ClickAsync();
        var emailError = await page.Locator("#email-error").InnerTextAsync();
        await page.GetByLabel("Role").SelectOptionAsync("Staff");
        await page.GetByLabel("Locations (staff only, optional)").FillAsync("till-north");
        await page.GetByLabel("E-mail (optional)").FillAsync(string.Empty);
        await page.GetByRole(AriaRole.Button, new() { Name = "Make an invite link" }).ClickAsync();
        var inviteLink = await page.Locator("code.shown-once").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, "console-people-invited");

        // The invited person accepts in their own browser.
        var staff = await browser.NewPageAsync(_host.BaseAddress, phone: true);
        await staff.GotoAsync(inviteLink);
        await staff.GetByLabel("User name").FillAsync("sam");
        await staff.GetByLabel("Password", new() { Exact = true }).FillAsync("Sam-At-The-Till-1");
        await staff.GetByLabel("Password again").FillAsync("Sam-At-The-Till-1");
        await staff.GetByRole(AriaRole.Button, new() { Name = "Create my account" }).ClickAsync();
        await staff.WaitForURLAsync(url => !url.Contains("/account/invite/", StringComparison.Ordinal));
        await staff.GotoAsync("/console/people");
        var staffSees = staff.Url;

        // A key with the redeem scope, then revoked.
        await page.GotoAsync("/console/people");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("till 2");
        await page.GetByLabel("redeem: redeem vouchers and stamp cards at a counter").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the key" }).ClickAsync();
        var key = await page.Locator("code.shown-once").InnerTextAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke till 2" }).ClickAsync();
        await Browser.CheckAndSaveAsync(page, "console-people-keys");

        // Assert
        Assert.Contains("not an e-mail address", emailError, StringComparison.Ordinal);
        Assert.StartsWith(_host.BaseAddress + "account/invite/", inviteLink, StringComparison.Ordinal);
        Assert.Contains("/account/denied", staffSees, StringComparison.Ordinal);
        var sam = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "sam" });
        Assert.Contains("till-north", await sam.InnerTextAsync(), StringComparison.Ordinal);
        Assert.StartsWith("ssk_", key, StringComparison.Ordinal);
        Assert.Contains("revoked", await page.GetByRole(AriaRole.Row).Filter(new() { HasText = "till 2" }).InnerTextAsync(), StringComparison.Ordinal);
        await using var scope = _host.Host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AccountsDbContext>();
        var person = await db.Users.SingleAsync(u => u.UserName == "sam");
        Assert.Equal(("Staff", "till-north"), (person.Role.ToString(), person.Locations));
        Assert.NotNull((await db.ApiKeys.SingleAsync(k => k.MerchantId == "tea-house")).RevokedAt);
        var kinds = await db.AuditEntries.Where(e => e.MerchantId == "tea-house").Select(e => e.Kind).ToListAsync();
        Assert.Contains("person.invited", kinds);
        Assert.Contains("key.created", kinds);
        Assert.Contains("key.revoked", kinds);
        Assert.DoesNotContain(await db.AuditEntries.Where(e => e.MerchantId == "tea-house").Select(e => e.After ?? string.Empty).ToListAsync(), a => a.Contains(key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AuditLog_AfterKeyChanges_ListsThemNewestFirstAndFiltersByKind()
    {
        // Arrange: the owner makes and revokes a key.
        var page = await _host.SignedInOwnerAsync(browser, "juice-bar", phone: true);
        await page.GotoAsync("/console/people");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("website");
        await page.GetByLabel("read: see the program, cards, vouchers and connectors").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the key" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke website" }).ClickAsync();

        // Act
        await page.GotoAsync("/console/audit");
        var all = await page.Locator("tbody tr").AllInnerTextsAsync();
        await Browser.CheckAndSaveAsync(page, "console-audit");
        await page.GetByLabel("What").FillAsync("key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await page.WaitForURLAsync("**/console/audit?kind=key**");
        var keys = await page.Locator("tbody tr").AllInnerTextsAsync();

        // Assert
        Assert.Contains("key.revoked", all[0], StringComparison.Ordinal);
        Assert.Contains("key.created", all[1], StringComparison.Ordinal);
        Assert.Contains(all, row => row.Contains("signin.succeeded", StringComparison.Ordinal));
        Assert.Equal(2, keys.Count);
        Assert.All(keys, row => Assert.Contains("key.", row, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dashboard_TwoSalesToAGoalOfTwo_ShowsStampsVoucherAndActiveCard()
    {
        // Arrange: a program with a goal of two, a webhook connector, two sales of one customer.
        var page = await _host.SignedInOwnerAsync(browser, "noodle-bar");
        using var operatorClient = _host.Operator();
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.PutAsJsonAsync("/api/merchants/noodle-bar/program", new { name = "Noodle card", reward = "A free bowl", stampGoal = 2 })).StatusCode);
        var created = await operatorClient.PostAsJsonAsync("/api/merchants/noodle-bar/connectors", new { id = "noodle-till", plugin = "generic-webhook", settings = new { signingSecret = Secret } });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        foreach (var sale in new[] { "S-1", "S-2" })
        {
            var body = $$"""{ "eventId": "evt-{{sale}}", "type": "sale.completed", "sale": { "id": "{{sale}}", "occurredAt": "{{DateTimeOffset.UtcNow:O}}", "customer": { "loyaltyCardId": "NOODLE-1" }, "currency": "EUR", "total": 9.5 } }""";
            await Testing.Eventually.AssertAsync(async () => (await _host.Host.PostWebhookAsync("noodle-till", body, Secret)).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(20), $"sale {sale} accepted");
        }

        await Testing.Eventually.AssertAsync(
            async () => await _host.Host.QueryAsync(db => db.Vouchers.CountAsync(v => v.MerchantId == "noodle-bar")) == 1,
            TimeSpan.FromSeconds(20),
            "the voucher of the goal minted");

        // Act
        await page.GotoAsync("/console/dashboard?days=7");
        var stats = await page.Locator(".stat").AllInnerTextsAsync();
        await Browser.CheckAndSaveAsync(page, "console-dashboard");

        // Assert
        Assert.Contains(stats, s => s.StartsWith("2\nStamps given", StringComparison.Ordinal));
        Assert.Contains(stats, s => s.StartsWith("1\nVouchers issued", StringComparison.Ordinal));
        Assert.Contains(stats, s => s.StartsWith("0\nVouchers redeemed", StringComparison.Ordinal));
        Assert.Contains(stats, s => s.StartsWith("0%\nRedemption rate", StringComparison.Ordinal));
        Assert.Contains(stats, s => s.StartsWith("1\nActive cards", StringComparison.Ordinal));
        Assert.Equal(4, await page.Locator("figure.bar-chart").CountAsync());
        Assert.Equal(7, await page.Locator("figure.bar-chart").First.Locator("rect").CountAsync());
    }
}
