using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SevenStamp.Accounts.Data;
using SevenStamp.Loyalty.Data;
using SevenStamp.Testing;

namespace SevenStamp.Pages.Tests;

/// <summary>
/// An owner sends a campaign from the console: previews it (how many cards, a sample), sends it to every card and
/// watches it complete; lists cards by hand and is told which line is no card of theirs; schedules one and cancels it.
/// </summary>
public sealed class CampaignPagesTests(Browser browser) : IClassFixture<Browser>, IAsyncLifetime
{
    private PagesHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await PagesHost.StartAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Campaigns_PreviewSendListErrorScheduleAndCancel_EachShownAndOnlyTheSentOneIssues(bool phone)
    {
        // Arrange: an owner whose program has three cards.
        var merchant = phone ? "bun-bakery-phone" : "bun-bakery";
        var run = phone ? "campaigns-on-phone" : "campaigns";
        var page = await _host.SignedInOwnerAsync(browser, merchant, phone);
        using var op = _host.Operator();
        Assert.Equal(HttpStatusCode.OK, (await op.PutAsJsonAsync($"/api/merchants/{merchant}/program", new { name = "Bun card", reward = "A free bun", stampGoal = 8 })).StatusCode);
        var cards = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var enrolled = await op.PostAsJsonAsync($"/api/merchants/{merchant}/cards", new { });
            Assert.Equal(HttpStatusCode.Created, enrolled.StatusCode);
            using var card = JsonDocument.Parse(await enrolled.Content.ReadAsStringAsync());
            cards.Add(card.RootElement.GetProperty("cardId").GetString()!);
        }

        // Act: the empty page, then a preview of a campaign to every card.
        await page.GotoAsync("/console/campaigns");
        var empty = await page.Locator(".empty-state").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, $"{run}-empty");
        await page.Locator("#name").FillAsync("Winter thank-you");
        await page.Locator("#reward").FillAsync("A free cinnamon bun");
        await page.GetByLabel("Valid for (days, optional)").FillAsync("14");
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        var count = await page.Locator(".preview-count").InnerTextAsync();
        var sampleRows = await page.Locator(".preview tbody tr").CountAsync();
        var keptName = await page.Locator("#name").InputValueAsync();
        await Browser.CheckAndSaveAsync(page, $"{run}-preview");

        // Act: sent now; the list shows it sending, then sent.
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the campaign" }).ClickAsync();
        var created = await page.Locator("#campaign-result").InnerTextAsync();
        await Eventually.AssertAsync(
            async () =>
            {
                await page.GotoAsync("/console/campaigns");
                return (await page.Locator("li.campaign").First.InnerTextAsync()).Contains("3 of 3 vouchers sent", StringComparison.Ordinal);
            },
            TimeSpan.FromSeconds(60),
            "the campaign to complete");
        var sent = await page.Locator("li.campaign").First.InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, $"{run}-sent");

        // Act: a list with a line that is no card of the merchant's.
        await page.Locator("#name").FillAsync("Listed");
        await page.Locator("#reward").FillAsync("A free tea");
        await page.GetByLabel("A list of cards (a CSV file or pasted ids)").CheckAsync();
        await page.GetByLabel("Or paste card ids, one per line").FillAsync($"{cards[0]}\nnot-a-card");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the campaign" }).ClickAsync();
        var listError = await page.Locator("#cardListCsv-error").InnerTextAsync();
        var listInvalid = await page.GetByLabel("Or paste card ids, one per line").GetAttributeAsync("aria-invalid");
        await Browser.CheckAndSaveAsync(page, $"{run}-list-error");

        // Act: a campaign scheduled for next year, then cancelled.
        await page.GotoAsync("/console/campaigns");
        await page.Locator("#name").FillAsync("New year");
        await page.Locator("#reward").FillAsync("A free coffee");
        await page.GetByLabel("Start (UTC, optional)").FillAsync($"{DateTime.UtcNow.Year + 1}-01-02T09:00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the campaign" }).ClickAsync();
        var scheduled = await page.Locator("#campaign-result").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, $"{run}-scheduled");
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel “New year”" }).ClickAsync();
        await page.Locator("#campaign-result", new() { HasText = "was cancelled" }).WaitForAsync();
        var cancelledRow = await page.Locator("li.campaign", new() { HasText = "New year" }).InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, $"{run}-cancelled");

        // Assert
        Assert.Contains("No campaign yet", empty, StringComparison.Ordinal);
        Assert.Equal("3 cards would get a voucher now.", count);
        Assert.Equal(3, sampleRows);
        Assert.Equal("Winter thank-you", keptName);
        Assert.Contains("is on its way", created, StringComparison.Ordinal);
        Assert.Contains("Sent", sent, StringComparison.Ordinal);
        Assert.Contains("Every card", sent, StringComparison.Ordinal);
        Assert.StartsWith("line 2: \"not-a-card\" is not a card id", listError.Trim(), StringComparison.Ordinal);
        Assert.Equal("true", listInvalid);
        Assert.Contains("is scheduled for", scheduled, StringComparison.Ordinal);
        Assert.Contains("Cancelled", cancelledRow, StringComparison.Ordinal);
        var vouchers = await _host.Host.QueryAsync(db => db.Vouchers.Where(v => v.MerchantId == merchant).Select(v => new { v.CardId, v.Kind, v.Reward }).ToListAsync());
        Assert.Equal(cards.Order(StringComparer.Ordinal), vouchers.Select(v => v.CardId.ToString()).Order(StringComparer.Ordinal));
        Assert.All(vouchers, v => Assert.Equal((VoucherKind.Campaign, "A free cinnamon bun"), (v.Kind, v.Reward)));
        var states = await _host.Host.QueryAsync(db => db.Campaigns.Where(c => c.MerchantId == merchant).OrderBy(c => c.Name).Select(c => c.State).ToListAsync());
        Assert.Equal([CampaignState.Cancelled, CampaignState.Completed], states);
    }

    [Fact]
    public async Task Campaigns_PoolRanDry_ImportOnTheCampaignsPoolPageSendsToTheCardsLeft()
    {
        // Arrange: a campaign from the POS's codes, sent to three cards with none imported: all three wait.
        const string merchant = "code-cafe";
        var page = await _host.SignedInOwnerAsync(browser, merchant);
        using var op = _host.Operator();
        Assert.Equal(HttpStatusCode.OK, (await op.PutAsJsonAsync($"/api/merchants/{merchant}/program", new { name = "Code card", reward = "A free tea", stampGoal = 8 })).StatusCode);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await op.PostAsJsonAsync($"/api/merchants/{merchant}/cards", new { })).StatusCode);
        }

        var created = await op.PostAsJsonAsync($"/api/merchants/{merchant}/campaigns", new { name = "POS codes", reward = "A free scone", codeSource = "Pool" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await Eventually.AssertAsync(
            async () => await _host.Host.QueryAsync(db => db.Campaigns.AnyAsync(c => c.Name == "POS codes" && c.State == CampaignState.Completed)),
            TimeSpan.FromSeconds(60),
            "the campaign to run out of codes");

        // Act: the list tells of the cards waiting and links to the campaign's codes; three codes are pasted there.
        await page.GotoAsync("/console/campaigns");
        var row = await page.Locator("li.campaign").First.InnerTextAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "The campaign's codes: import or count them (POS codes)" }).ClickAsync();
        await page.WaitForURLAsync("**/console/pool?campaign=*");
        await page.Locator("[data-count=unassigned]").WaitForAsync();
        var heading = await page.Locator("h1").InnerTextAsync();
        var waiting = await page.Locator(".alert.warn").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, "campaign-pool-waiting");
        await page.GetByLabel("Codes, one per line").FillAsync("SCONE-1\nSCONE-2\nSCONE-3\nSCONE-4\n");
        await page.GetByRole(AriaRole.Button, new() { Name = "Import these codes" }).ClickAsync();
        var result = await page.GetByRole(AriaRole.Status).InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, "campaign-pool-imported");
        await Eventually.AssertAsync(
            async () => await _host.Host.QueryAsync(db => db.Vouchers.CountAsync(v => v.MerchantId == merchant && v.Kind == VoucherKind.Campaign)) == 3,
            TimeSpan.FromSeconds(60),
            "the cards left to get their vouchers");
        await page.GotoAsync(page.Url);
        var left = await page.Locator("[data-count=unassigned]").InnerTextAsync();
        var unknown = await page.GotoAsync($"/console/pool?campaign={Guid.NewGuid()}");

        // Assert
        Assert.Contains("3 cards are waiting", row, StringComparison.Ordinal);
        Assert.Equal("Codes for the campaign “POS codes”", heading);
        Assert.Contains("3 cards are waiting", waiting, StringComparison.Ordinal);
        Assert.Equal("Read 4 codes. All were new to the pool. The campaign now sends to the 3 cards that were waiting.", result);
        Assert.Equal("1", left);
        Assert.Equal(HttpStatusCode.NotFound, (HttpStatusCode)unknown!.Status);
        var codes = await _host.Host.QueryAsync(db => db.Vouchers.Where(v => v.MerchantId == merchant).Select(v => v.Code).ToListAsync());
        Assert.Equal(3, codes.Distinct().Count(c => c.StartsWith("SCONE-", StringComparison.Ordinal)));
        await using var scope = _host.Host.Services.CreateAsyncScope();
        var audit = await scope.ServiceProvider.GetRequiredService<AccountsDbContext>().AuditEntries.AsNoTracking()
            .Where(a => a.MerchantId == merchant && a.Kind == "campaign.pool-imported").Select(a => new { a.Actor, a.After }).ToListAsync();
        Assert.Equal("code-cafe-owner", Assert.Single(audit).Actor);
        Assert.DoesNotContain("SCONE-", audit[0].After ?? string.Empty, StringComparison.Ordinal);
    }
}
