using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using SevenStamp.Loyalty;
using SevenStamp.Testing;
using ZXing;

namespace SevenStamp.Pages.Tests;

/// <summary>
/// The customer's own card and voucher links, opened in a phone's browser: the stamps drawn as a stamp card, the
/// voucher's Redeem Code as text, QR code and barcode (read back from screenshots as a scanner would), and "Use now"
/// with its confirm step and live clock. API clients at the same links keep getting JSON. The data arrives the way it
/// does in life: a program and a connector through the API, sales as signed webhooks.
/// </summary>
public sealed class CustomerCardPageTests(Browser browser) : IClassFixture<Browser>
{
    public static TheoryData<LoyaltyStoreProvider> Providers => [LoyaltyStoreProvider.Sqlite, LoyaltyStoreProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task CardPage_StampsUntilTheVoucher_ShowsTheStampCardThenTheVoucherWhoseCodesReadBackAsItsRedeemCode(LoyaltyStoreProvider provider)
    {
        // Arrange: a program of three stamps redeemed by its code at the till, a webhook connector and a new card.
        await using var host = await PagesHost.StartAsync(provider);
        await host.ProgramAndConnectorAsync("bagel-bar", "bagel-shop", goal: 3, redemptionPath: "RedeemCode");
        var card = await host.NewCardAsync("bagel-bar", "BAGEL-1");
        var page = await browser.NewPageAsync(host.BaseAddress, phone: true);

        // Act 1: the card before any sale.
        var empty = await page.GotoAsync(card.Link);
        var emptyLabel = await page.Locator(".stamp-grid").GetAttributeAsync("aria-label");
        var emptyMain = await page.Locator("main").InnerTextAsync();
        var emptyVouchers = await page.Locator(".voucher").CountAsync();
        var emptyFilled = await page.Locator(".stamp.filled").CountAsync();
        await Browser.CheckAndSaveAsync(page, "customer-card-empty");

        // Act 2: a signed sale, then two more, and the page after each.
        await host.SellAsync("bagel-shop", "BAGEL-1", sales: 1);
        await page.ReloadAsync();
        var oneLabel = await page.Locator(".stamp-grid").GetAttributeAsync("aria-label");
        var oneFilled = await page.Locator(".stamp.filled").CountAsync();
        await Browser.CheckAndSaveAsync(page, "customer-card-stamped");
        await host.SellAsync("bagel-shop", "BAGEL-1", sales: 3, first: 2);
        var code = await host.VoucherCodeAsync("bagel-bar", "BAGEL-1");
        await page.ReloadAsync();
        var fullLabel = await page.Locator(".stamp-grid").GetAttributeAsync("aria-label");
        var voucherText = await page.Locator(".voucher").InnerTextAsync();
        var qr = CodeReader.Read(await page.Locator(".voucher .qr").ScreenshotAsync(), BarcodeFormat.QR_CODE);
        var barcode = CodeReader.Read(await page.Locator(".voucher .barcode").ScreenshotAsync(), BarcodeFormat.CODE_128);
        var useNow = await page.GetByRole(AriaRole.Link, new() { Name = "Use now" }).CountAsync();
        var walletButtons = await page.Locator(".wallets").CountAsync();
        await Browser.CheckAndSaveAsync(page, "customer-card-voucher");

        // Act 3: the voucher's own link.
        var voucherPage = await page.GotoAsync(code.Link);
        var voucherPageText = await page.Locator("main").InnerTextAsync();
        var voucherQr = CodeReader.Read(await page.Locator(".voucher .qr").ScreenshotAsync(), BarcodeFormat.QR_CODE);
        await Browser.CheckAndSaveAsync(page, "customer-voucher");

        // Assert: the empty card.
        Assert.Equal(HttpStatusCode.OK, (HttpStatusCode)empty!.Status);
        Assert.Equal("0 of 3 stamps", emptyLabel);
        Assert.Contains("BAGEL-BAR", emptyMain, StringComparison.Ordinal);
        Assert.Contains("Bagel card", emptyMain, StringComparison.Ordinal);
        Assert.Contains("Collect 3 stamps: A free bagel with cream cheese", emptyMain, StringComparison.Ordinal);
        Assert.Contains("3 more to your reward.", emptyMain, StringComparison.Ordinal);
        Assert.Equal((0, 0), (emptyVouchers, emptyFilled));
        Assert.Equal(("1 of 3 stamps", 1), (oneLabel, oneFilled));

        // Assert: the voucher on the card, its codes read back as the Redeem Code the API shows.
        Assert.Equal("0 of 3 stamps", fullLabel);
        Assert.Contains("A free bagel with cream cheese", voucherText, StringComparison.Ordinal);
        Assert.Contains("Ready to use", voucherText, StringComparison.Ordinal);
        Assert.Contains("No expiry date", voucherText, StringComparison.Ordinal);
        Assert.Contains(code.Code, voucherText, StringComparison.Ordinal);
        Assert.Equal(code.Code, qr);
        Assert.Equal(code.Code, barcode);
        Assert.Equal(0, useNow);
        Assert.Equal(0, walletButtons);

        // Assert: the voucher link's page.
        Assert.Equal(HttpStatusCode.OK, (HttpStatusCode)voucherPage!.Status);
        Assert.Contains("Your voucher", voucherPageText, StringComparison.Ordinal);
        Assert.Contains("At the till, show this screen or give the code", voucherPageText, StringComparison.Ordinal);
        Assert.Equal(code.Code, voucherQr);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task VoucherPage_UseNowConfirmed_ShowsRedeemedAtWithATickingClockAndASecondAttemptIsToldItWasUsed(LoyaltyStoreProvider provider)
    {
        // Arrange: a program the customer redeems from their phone, and a card that earned its voucher.
        await using var host = await PagesHost.StartAsync(provider);
        await host.ProgramAndConnectorAsync("smoothie-bar", "smoothie-shop", goal: 2, redemptionPath: "SelfRedeem");
        var card = await host.NewCardAsync("smoothie-bar", "SMOOTHIE-1");
        await host.SellAsync("smoothie-shop", "SMOOTHIE-1", sales: 2);
        var voucher = await host.VoucherCodeAsync("smoothie-bar", "SMOOTHIE-1");
        var page = await browser.NewPageAsync(host.BaseAddress, phone: true);
        var otherTab = await page.Context.NewPageAsync();

        // Act 1: the card offers "Use now", which asks first.
        await page.GotoAsync(card.Link);
        await page.GetByRole(AriaRole.Link, new() { Name = "Use now" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Use your voucher now?" }).WaitForAsync();
        var question = await page.Locator(".confirm").InnerTextAsync();
        var stillIssued = await host.VoucherStateAsync(voucher.Link);
        await Browser.CheckAndSaveAsync(page, "customer-confirm");
        await otherTab.GotoAsync(voucher.Link + "?step=confirm");

        // Act 2: confirmed.
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, use it now" }).ClickAsync();
        await page.Locator(".redeemed-at").WaitForAsync();
        var done = await page.GetByRole(AriaRole.Status).InnerTextAsync();
        var redeemedAt = await page.Locator(".redeemed-at").InnerTextAsync();
        var clock = page.Locator("[data-clock]");
        await Assertions.Expect(clock).ToBeVisibleAsync();
        var firstTick = await clock.InnerTextAsync();
        await page.WaitForFunctionAsync("first => document.querySelector('[data-clock]').textContent !== first", firstTick);
        var laterTick = await clock.InnerTextAsync();
        var codesAfter = await page.Locator(".voucher .qr").CountAsync();
        await Browser.CheckAndSaveAsync(page, "customer-redeemed");
        var (state, method) = await host.VoucherStateAsync(voucher.Link);

        // Act 3: the other tab, still at the question, tries too.
        await otherTab.GetByRole(AriaRole.Button, new() { Name = "Yes, use it now" }).ClickAsync();
        var second = await otherTab.GetByRole(AriaRole.Alert).InnerTextAsync();
        var secondRedeemedAt = await otherTab.Locator(".redeemed-at").InnerTextAsync();

        // Assert: the question, then the redemption with its clock.
        Assert.Contains("Show this screen to the staff", question, StringComparison.Ordinal);
        Assert.Contains("This cannot be undone.", question, StringComparison.Ordinal);
        Assert.Equal(("Issued", null), stillIssued);
        Assert.Contains("your voucher is used", done, StringComparison.Ordinal);
        Assert.Matches(@"^Redeemed at \d\d:\d\d:\d\d$", redeemedAt);
        Assert.Matches(@"^Time now: \d\d:\d\d:\d\d$", firstTick);
        Assert.Matches(@"^Time now: \d\d:\d\d:\d\d$", laterTick);
        Assert.NotEqual(firstTick, laterTick);
        Assert.Equal(0, codesAfter);
        Assert.Equal(("Redeemed", "SelfRedeem"), (state, method));

        // Assert: the second attempt was told, and changed nothing.
        Assert.Contains("already used", second, StringComparison.Ordinal);
        Assert.Equal(redeemedAt, secondRedeemedAt);
        Assert.Equal(("Redeemed", "SelfRedeem"), await host.VoucherStateAsync(voucher.Link));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task CardAndVoucherLinks_ApiClientsAndWrongTokens_GetTheirJsonAnd404(LoyaltyStoreProvider provider)
    {
        // Arrange
        await using var host = await PagesHost.StartAsync(provider);
        await host.ProgramAndConnectorAsync("soup-bar", "soup-shop", goal: 2, redemptionPath: "StaffScan");
        var card = await host.NewCardAsync("soup-bar", "SOUP-1");
        await host.SellAsync("soup-shop", "SOUP-1", sales: 2);
        var voucher = await host.VoucherCodeAsync("soup-bar", "SOUP-1");
        using var api = new HttpClient { BaseAddress = host.BaseAddress };
        var wrongCard = card.Link[..card.Link.LastIndexOf('/')] + "/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        var wrongVoucher = voucher.Link[..voucher.Link.LastIndexOf('/')] + "/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        var page = await browser.NewPageAsync(host.BaseAddress, phone: true);

        // Act
        using var cardJson = await GetAsync(api, card.Link, "application/json");
        using var cardNoAccept = await GetAsync(api, card.Link, null);
        using var cardHtml = await GetAsync(api, card.Link, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        using var voucherJson = await GetAsync(api, voucher.Link, "application/json");
        using var voucherHtml = await GetAsync(api, voucher.Link, "text/html");
        using var wrongCardJson = await GetAsync(api, wrongCard, "application/json");
        using var wrongVoucherJson = await GetAsync(api, wrongVoucher, "application/json");
        var wrongCardPage = await page.GotoAsync(wrongCard);
        var wrongCardText = await page.Locator("main").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, "customer-link-not-found");
        var wrongVoucherPage = await page.GotoAsync(wrongVoucher);
        var wrongVoucherText = await page.Locator("main").InnerTextAsync();
        await page.GotoAsync(voucher.Link);
        var staffScanText = await page.Locator("main").InnerTextAsync();

        // Assert: JSON as before for API clients, with or without an Accept header.
        using var cardBody = JsonDocument.Parse(await cardJson.Content.ReadAsStringAsync());
        Assert.Equal("application/json", cardJson.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, cardBody.RootElement.GetProperty("stamps").GetInt32());
        Assert.Equal(2, cardBody.RootElement.GetProperty("goal").GetInt32());
        Assert.Equal(voucher.Code, cardBody.RootElement.GetProperty("voucher").GetProperty("code").GetString());
        Assert.Equal("application/json", cardNoAccept.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Accept", cardJson.Headers.Vary);
        using var voucherBody = JsonDocument.Parse(await voucherJson.Content.ReadAsStringAsync());
        Assert.Equal(voucher.Code, voucherBody.RootElement.GetProperty("code").GetString());
        Assert.Equal("Issued", voucherBody.RootElement.GetProperty("state").GetString());

        // Assert: HTML for browsers, never cached.
        Assert.Equal("text/html", cardHtml.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-store", cardHtml.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        Assert.Equal("text/html", voucherHtml.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Show this screen at the counter: the staff scan the code.", staffScanText, StringComparison.Ordinal);
        Assert.DoesNotContain("Use now", staffScanText, StringComparison.Ordinal);

        // Assert: a wrong token opens nothing, as a page or as JSON.
        Assert.Equal(HttpStatusCode.NotFound, wrongCardJson.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, wrongVoucherJson.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (HttpStatusCode)wrongCardPage!.Status);
        Assert.Equal(HttpStatusCode.NotFound, (HttpStatusCode)wrongVoucherPage!.Status);
        Assert.Contains("There is nothing here", wrongCardText, StringComparison.Ordinal);
        Assert.Contains("There is nothing here", wrongVoucherText, StringComparison.Ordinal);
        Assert.DoesNotContain(voucher.Code, wrongCardText + wrongVoucherText, StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string? accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }

        return await client.SendAsync(request);
    }
}

/// <summary>What the customer page tests arrange through the API and signed webhooks.</summary>
internal static class CustomerCardArrangements
{
    private const string Secret = "customer-card-page-secret-0123456789";

    /// <summary>A merchant with a program (the reward "A free bagel with cream cheese" and the card "Bagel card") and a running webhook connector.</summary>
    public static async Task ProgramAndConnectorAsync(this PagesHost host, string merchantId, string connectorId, int goal, string redemptionPath)
    {
        await host.CreateMerchantAsync(merchantId, merchantId.ToUpperInvariant());
        using var api = host.Operator();
        var program = await api.PutAsJsonAsync($"/api/merchants/{merchantId}/program", new { name = "Bagel card", reward = "A free bagel with cream cheese", stampGoal = goal, redemptionPath });
        Assert.True(program.StatusCode == HttpStatusCode.OK, $"Program: {(int)program.StatusCode} {await program.Content.ReadAsStringAsync()}");
        var connector = await api.PostAsJsonAsync($"/api/merchants/{merchantId}/connectors", new { id = connectorId, plugin = "generic-webhook", settings = new { signingSecret = Secret } });
        Assert.True(connector.StatusCode == HttpStatusCode.Created, $"Connector: {(int)connector.StatusCode} {await connector.Content.ReadAsStringAsync()}");
        await Eventually.AssertAsync(
            async () => (await api.GetFromJsonAsync<JsonElement>($"/api/connectors/{connectorId}/status")).GetProperty("state").GetString() == "running",
            TimeSpan.FromSeconds(20),
            $"connector {connectorId} running");
    }

    /// <summary>A card for the loyalty card id, as the API gives it (its link is the customer's card page).</summary>
    public static async Task<(Guid CardId, string Link)> NewCardAsync(this PagesHost host, string merchantId, string loyaltyCardId)
    {
        using var api = host.Operator();
        var enrolled = await api.PostAsJsonAsync($"/api/merchants/{merchantId}/cards", new { loyaltyCardId });
        Assert.Equal(HttpStatusCode.Created, enrolled.StatusCode);
        var card = await enrolled.Content.ReadFromJsonAsync<JsonElement>();
        return (card.GetProperty("cardId").GetGuid(), card.GetProperty("walletLink").GetString()!);
    }

    /// <summary>Signed sales number <paramref name="first"/> to <paramref name="sales"/> that scan the loyalty card, and waits until the card has <paramref name="sales"/> stamps.</summary>
    public static async Task SellAsync(this PagesHost host, string connectorId, string loyaltyCardId, int sales, int first = 1)
    {
        for (var i = first; i <= sales; i++)
        {
            var body = $$"""{ "eventId": "evt-{{loyaltyCardId}}-{{i}}", "type": "sale.completed", "sale": { "id": "S-{{loyaltyCardId}}-{{i}}", "occurredAt": "2026-12-0{{i}}T09:30:00Z", "customer": { "loyaltyCardId": "{{loyaltyCardId}}" }, "currency": "EUR", "total": 4.5 } }""";
            var delivered = await host.Host.PostWebhookAsync(connectorId, body, Secret);
            Assert.True(delivered.StatusCode == HttpStatusCode.OK, $"Webhook: {(int)delivered.StatusCode} {await delivered.Content.ReadAsStringAsync()}");
        }

        await Eventually.AssertAsync(
            async () => await host.Host.QueryAsync(db => db.Cards.AnyAsync(c => c.TotalStamps == sales)),
            TimeSpan.FromSeconds(20),
            $"{sales} stamps on the card");
    }

    /// <summary>The card's first voucher as the API shows it: its Redeem Code and the customer's voucher link.</summary>
    public static async Task<(string Code, string Link)> VoucherCodeAsync(this PagesHost host, string merchantId, string loyaltyCardId)
    {
        using var api = host.Operator();
        JsonElement voucher = default;
        await Eventually.AssertAsync(
            async () =>
            {
                var card = await api.GetFromJsonAsync<JsonElement>($"/api/merchants/{merchantId}/cards?loyaltyCardId={loyaltyCardId}");
                var vouchers = card.GetProperty("vouchers");
                voucher = vouchers.GetArrayLength() > 0 ? vouchers[0] : default;
                return vouchers.GetArrayLength() > 0;
            },
            TimeSpan.FromSeconds(20),
            "the card's voucher");
        return (voucher.GetProperty("code").GetString()!, voucher.GetProperty("link").GetString()!);
    }

    /// <summary>The voucher's state and how it was redeemed, as its link answers an API client.</summary>
    public static async Task<(string? State, string? RedeemedBy)> VoucherStateAsync(this PagesHost host, string voucherLink)
    {
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, voucherLink);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var voucher = await response.Content.ReadFromJsonAsync<JsonElement>();
        var redeemedBy = voucher.GetProperty("redeemedBy");
        return (voucher.GetProperty("state").GetString(), redeemedBy.ValueKind == JsonValueKind.Null ? null : redeemedBy.GetString());
    }
}
