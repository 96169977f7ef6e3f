using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SevenStamp.Accounts.Data;
using SevenStamp.Loyalty.Data;
using SevenStamp.Testing;

namespace SevenStamp.Pages.Tests;

/// <summary>
/// A merchant looks after their customers: finds a card by its loyalty card id or a voucher's Redeem Code, reads its
/// stamps, ledger and vouchers, voids a voucher and gives back a stamp, each with a reason; and sees why a sale earned
/// nothing. The data is arranged the way it arrives in life: a program and a connector through the API, sales as signed
/// webhooks.
/// </summary>
public sealed class CustomerPagesTests(Browser browser) : IClassFixture<Browser>, IAsyncLifetime
{
    private const string Secret = "customer-pages-secret-0123456789";

    private PagesHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await PagesHost.StartAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task CustomerSearch_ByLoyaltyCardIdThenByRedeemCode_FindsTheCardWhosePageShowsStampsLedgerAndVoucher()
    {
        // Arrange: a card with one voucher and one stamp toward the next (goal 3, four sales).
        var page = await _host.SignedInOwnerAsync(browser, "tea-house");
        var (cardId, code) = await CardWithVoucherAsync("tea-house", "TEA-CARD-7", sales: 4);

        // Act: nothing typed, then a card nobody has, then the loyalty card id.
        await page.GotoAsync("/console/customers");
        await Browser.CheckAndSaveAsync(page, "customers-search");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        var emptyError = await page.Locator(".field-error").InnerTextAsync();
        await page.GetByLabel("Card, customer, e-mail, phone or code").FillAsync("NO-SUCH-CARD");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        var nothing = await page.GetByRole(AriaRole.Status).InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, "customers-search-nothing");
        await page.GetByLabel("Card, customer, e-mail, phone or code").FillAsync("TEA-CARD-7");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await page.Locator("tbody tr", new() { HasText = "loyalty card id" }).WaitForAsync();
        var byCard = await page.Locator("tbody tr").AllInnerTextsAsync();
        await Browser.CheckAndSaveAsync(page, "customers-search-found");

        // Act: by the voucher's Redeem Code, typed in lower case, then open the card.
        await page.GetByLabel("Card, customer, e-mail, phone or code").FillAsync(code.ToLowerInvariant());
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await page.Locator("tbody tr", new() { HasText = "Redeem Code" }).WaitForAsync();
        var byCode = await page.Locator("tbody tr").AllInnerTextsAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = $"Card {ShortId(cardId)}" }).ClickAsync();
        await page.WaitForURLAsync($"**/console/customers/{cardId}");
        await page.Locator("h1", new() { HasText = "Card " }).WaitForAsync();

        // Assert: the search.
        Assert.Contains("is empty", emptyError, StringComparison.Ordinal);
        Assert.Contains("No card matches", nothing, StringComparison.Ordinal);
        var found = Assert.Single(byCard);
        Assert.Contains(ShortId(cardId), found, StringComparison.Ordinal);
        Assert.Contains("1 of 3", found, StringComparison.Ordinal);
        Assert.Contains("loyalty card id", found, StringComparison.Ordinal);
        Assert.Contains("Redeem Code", Assert.Single(byCode), StringComparison.Ordinal);

        // Assert: the card's page.
        Assert.Equal($"Card {ShortId(cardId)}", await page.Locator("h1").InnerTextAsync());
        Assert.Equal("1 of 3 stamps", await page.Locator(".stamp-grid").GetAttributeAsync("aria-label"));
        Assert.Equal(1, await page.Locator(".stamp.filled").CountAsync());
        Assert.Equal(3, await page.Locator(".stamp").CountAsync());
        var ledger = await page.Locator("section[aria-labelledby=ledger-heading] tbody tr").AllInnerTextsAsync();
        Assert.Equal(4, ledger.Count);
        Assert.All(ledger, row => Assert.Contains("Sale", row, StringComparison.Ordinal));
        Assert.Contains(ledger, row => row.Contains("S-TEA-CARD-7-1", StringComparison.Ordinal) && row.Contains("tea-shop", StringComparison.Ordinal) && row.Contains("+1", StringComparison.Ordinal));
        var voucher = await page.Locator("article.voucher").InnerTextAsync();
        Assert.Contains(code, voucher, StringComparison.Ordinal);
        Assert.Contains("Ready to use", voucher, StringComparison.Ordinal);
        Assert.Contains("Issued", voucher, StringComparison.Ordinal);
        await Browser.CheckAndSaveAsync(page, "customers-card");
    }

    [Fact]
    public async Task CustomerCard_VoidWithAReasonThenAddAStamp_ChangesTheVoucherAndTheLedgerAndAuditsBoth()
    {
        // Arrange
        var page = await _host.SignedInOwnerAsync(browser, "juice-bar", phone: true);
        var (cardId, code) = await CardWithVoucherAsync("juice-bar", "JUICE-CARD-1", sales: 3);
        await page.GotoAsync($"/console/customers/{cardId}");

        // Act: void without a reason (refused), then with one.
        await page.GetByRole(AriaRole.Button, new() { Name = "Void the voucher" }).ClickAsync();
        var reasonError = await page.Locator("#void-reason-error").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, "customers-card-void-error");
        await page.Locator("#void-reason").FillAsync("Given by mistake");
        await page.GetByRole(AriaRole.Button, new() { Name = "Void the voucher" }).ClickAsync();
        var voided = await page.GetByRole(AriaRole.Status).InnerTextAsync();
        var voucher = await page.Locator("article.voucher").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, "customers-card-voided");

        // Act: take away a stamp the card does not have (refused), then add one.
        await page.Locator("#delta").FillAsync("-1");
        await page.Locator("#adjust-reason").FillAsync("Testing");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the change" }).ClickAsync();
        var belowZero = await page.Locator("#delta-error").InnerTextAsync();
        await page.Locator("#delta").FillAsync("1");
        await page.Locator("#adjust-reason").FillAsync("Smoothie on 3 Dec, the till was offline");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the change" }).ClickAsync();
        var added = await page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Added" }).InnerTextAsync();
        var firstLine = await page.Locator("section[aria-labelledby=ledger-heading] tbody tr").First.InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, "customers-card-adjusted");

        // Assert: what the owner saw.
        Assert.Contains("is required", reasonError, StringComparison.Ordinal);
        Assert.Contains($"Voucher {code} is voided", voided, StringComparison.Ordinal);
        Assert.Contains("Voided", voucher, StringComparison.Ordinal);
        Assert.Contains("by juice-bar-owner", voucher, StringComparison.Ordinal);
        Assert.Contains("“Given by mistake”", voucher, StringComparison.Ordinal);
        Assert.Contains("below zero", belowZero, StringComparison.Ordinal);
        Assert.Contains("Added 1 stamp(s). The card now has 1 of 3.", added, StringComparison.Ordinal);
        Assert.Contains("Adjusted by hand", firstLine, StringComparison.Ordinal);
        Assert.Contains("+1", firstLine, StringComparison.Ordinal);
        Assert.Contains("Smoothie on 3 Dec, the till was offline", firstLine, StringComparison.Ordinal);
        Assert.Contains("juice-bar-owner", firstLine, StringComparison.Ordinal);
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Void the voucher" }).CountAsync());

        // Assert: what the data became.
        var (state, total, adjustments) = await _host.Host.QueryAsync(async db => (
            await db.Vouchers.Where(v => v.CardId == cardId).Select(v => v.State).SingleAsync(),
            await db.Cards.Where(c => c.Id == cardId).Select(c => c.TotalStamps).SingleAsync(),
            await db.StampAdjustments.CountAsync(a => a.CardId == cardId)));
        Assert.Equal((VoucherState.Voided, 4, 1), (state, total, adjustments));
        var kinds = new List<string>();
        await Eventually.AssertAsync(async () => (kinds = await AuditKindsAsync("juice-bar")).Contains("stamps.adjusted") && kinds.Contains("voucher.voided"), TimeSpan.FromSeconds(10), "both changes audited");
        Assert.Equal(1, kinds.Count(k => k == "stamps.adjusted"));
    }

    [Fact]
    public async Task UnmatchedSales_SaleWithoutACustomer_IsListedWithWhyItEarnedNothing()
    {
        // Arrange: a program and a connector, then a sale that names nobody.
        var page = await _host.SignedInOwnerAsync(browser, "noodle-bar");
        await page.GotoAsync("/console/unmatched");
        var before = await page.GetByRole(AriaRole.Status).InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, "unmatched-none");
        await ProgramAndConnectorAsync("noodle-bar", "noodle-shop");
        var sale = """{ "eventId": "evt-anon-1", "type": "sale.completed", "sale": { "id": "S-ANON-1", "occurredAt": "2026-12-05T12:15:00Z", "currency": "EUR", "total": 12.9 } }""";
        Assert.Equal(HttpStatusCode.OK, (await _host.Host.PostWebhookAsync("noodle-shop", sale, Secret)).StatusCode);
        await Eventually.AssertAsync(async () => await _host.Host.QueryAsync(db => db.UnmatchedSales.AnyAsync(u => u.ExternalSaleId == "S-ANON-1")), TimeSpan.FromSeconds(20), "the sale recorded as unmatched");

        // Act
        await page.ReloadAsync();
        var rows = await page.Locator("tbody tr").AllInnerTextsAsync();

        // Assert
        Assert.Contains("Every sale so far found its card", before, StringComparison.Ordinal);
        var row = Assert.Single(rows);
        Assert.Contains("named no customer", row, StringComparison.Ordinal);
        Assert.Contains("noodle-shop", row, StringComparison.Ordinal);
        Assert.Contains("S-ANON-1", row, StringComparison.Ordinal);
        Assert.Contains("12.90 EUR", row, StringComparison.Ordinal);
        Assert.Contains("5 Dec 2026, 12:15 UTC", row, StringComparison.Ordinal);
        await Browser.CheckAndSaveAsync(page, "unmatched-list");
    }

    [Fact]
    public async Task CustomerCard_UnknownCard_AnswersNotFound()
    {
        // Arrange
        var page = await _host.SignedInOwnerAsync(browser, "pie-shop");

        // Act
        var response = await page.GotoAsync($"/console/customers/{Guid.NewGuid()}");

        // Assert
        Assert.Equal((int)HttpStatusCode.NotFound, response!.Status);
        Assert.Equal("There is nothing here", await page.Locator("h1").InnerTextAsync());
    }

    /// <summary>
    /// A program of three stamps and a webhook connector, then a card enrolled under <paramref name="loyaltyCardId"/>
    /// and <paramref name="sales"/> signed sales that scan it; returns the card and its first voucher's code.
    /// </summary>
    private async Task<(Guid CardId, string Code)> CardWithVoucherAsync(string merchantId, string loyaltyCardId, int sales)
    {
        var connectorId = merchantId.Split('-')[0] + "-shop";
        await ProgramAndConnectorAsync(merchantId, connectorId);
        using var api = _host.Operator();
        var enrolled = await api.PostAsJsonAsync($"/api/merchants/{merchantId}/cards", new { loyaltyCardId });
        Assert.Equal(HttpStatusCode.Created, enrolled.StatusCode);
        var cardId = (await enrolled.Content.ReadFromJsonAsync<CardCreated>())!.CardId;
        for (var i = 1; i <= sales; i++)
        {
            var body = $$"""{ "eventId": "evt-{{loyaltyCardId}}-{{i}}", "type": "sale.completed", "sale": { "id": "S-{{loyaltyCardId}}-{{i}}", "occurredAt": "2026-12-0{{i}}T09:30:00Z", "customer": { "loyaltyCardId": "{{loyaltyCardId}}" }, "currency": "EUR", "total": 3.5 } }""";
            var delivered = await _host.Host.PostWebhookAsync(connectorId, body, Secret);
            Assert.True(delivered.StatusCode == HttpStatusCode.OK, $"Webhook: {(int)delivered.StatusCode} {await delivered.Content.ReadAsStringAsync()}");
        }

        await Eventually.AssertAsync(async () => await _host.Host.QueryAsync(db => db.Cards.AnyAsync(c => c.Id == cardId && c.TotalStamps == sales)), TimeSpan.FromSeconds(20), $"{sales} stamps on the card");
        var code = await _host.Host.QueryAsync(db => db.Vouchers.Where(v => v.CardId == cardId).Select(v => v.Code).SingleAsync());
        return (cardId, code);
    }

    private async Task ProgramAndConnectorAsync(string merchantId, string connectorId)
    {
        using var api = _host.Operator();
        var program = await api.PutAsJsonAsync($"/api/merchants/{merchantId}/program", new { name = "Stamp card", reward = "A free drink", stampGoal = 3 });
        Assert.True(program.StatusCode == HttpStatusCode.OK, $"Program: {(int)program.StatusCode} {await program.Content.ReadAsStringAsync()}");
        var connector = await api.PostAsJsonAsync($"/api/merchants/{merchantId}/connectors", new { id = connectorId, plugin = "generic-webhook", settings = new { signingSecret = Secret } });
        Assert.True(connector.StatusCode == HttpStatusCode.Created, $"Connector: {(int)connector.StatusCode} {await connector.Content.ReadAsStringAsync()}");
        await Eventually.AssertAsync(
            async () => (await api.GetFromJsonAsync<ConnectorStatus>($"/api/connectors/{connectorId}/status"))?.State == "running",
            TimeSpan.FromSeconds(20),
            $"connector {connectorId} running");
    }

    private async Task<List<string>> AuditKindsAsync(string merchantId)
    {
        await using var scope = _host.Host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AccountsDbContext>().Set<AuditEntry>().AsNoTracking()
            .Where(a => a.MerchantId == merchantId).Select(a => a.Kind).ToListAsync();
    }

    private static string ShortId(Guid cardId) => cardId.ToString("N")[..8].ToUpperInvariant();

    private sealed record CardCreated(Guid CardId);

    private sealed record ConnectorStatus(string State);
}
