using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using SevenStamp.Loyalty;
using SevenStamp.Testing;

namespace SevenStamp.Pages.Tests;

/// <summary>
/// A merchant who has never seen a JSON file goes from the invite to a working Shopify connector and a stamped card,
/// in the browser only, on each database.
/// </summary>
public sealed class MerchantJourneyTests(Browser browser) : IClassFixture<Browser>
{
    private const string ShopSecret = "shpss_corner_cafe_app_secret_0123456789";

    private const string Order = """
        { "id": 820982911, "name": "#1001", "created_at": "2026-11-23T04:30:00-05:00", "currency": "EUR", "total_price": "7.60",
          "email": "ana@example.com", "customer": { "id": 115310627, "email": "ana@example.com", "phone": null },
          "line_items": [ { "id": 466157049, "name": "Flat white", "price": "3.80", "quantity": 2, "sku": "FW-01", "variant_id": 39072856 } ],
          "discount_codes": [] }
        """;

    public static TheoryData<LoyaltyStoreProvider> Providers => [LoyaltyStoreProvider.Sqlite, LoyaltyStoreProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task FirstDay_InviteToShopifyConnectorToStampedCard_WorksInTheBrowserAlone(LoyaltyStoreProvider provider)
    {
        // Arrange: the operator creates the merchant and hands over the invite link.
        await using var host = await PagesHost.StartAsync(provider);
        var invite = await host.CreateMerchantAsync("corner-cafe", "Corner Café");
        var page = await browser.NewPageAsync(host.BaseAddress, phone: provider == LoyaltyStoreProvider.PostgreSql);

        // Act 1: the invite, then the program from the home page's first step.
        await page.GotoAsync(invite);
        await page.GetByLabel("User name").FillAsync("maria");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("Corner-Cafe-2026");
        await page.GetByLabel("Password again").FillAsync("Corner-Cafe-2026");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create my account" }).ClickAsync();
        await page.WaitForURLAsync("**/console");
        await page.GetByRole(AriaRole.Link, new() { Name = "Create your program" }).ClickAsync();
        await page.WaitForURLAsync("**/console/program");
        await page.GetByLabel("Name of the card").FillAsync("Corner coffee card");
        await page.GetByLabel("Stamps needed for a reward").FillAsync("5");
        await page.GetByLabel("The reward").FillAsync("A free coffee");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the program" }).ClickAsync();
        await page.Locator(".alert.success").WaitForAsync();

        // Act 2: home now says to add a connector; the JSON webhook plugin's form with the Shopify preset, a secret
        // too short first.
        await page.GotoAsync("/console");
        await page.GetByRole(AriaRole.Link, new() { Name = "Add a connector" }).ClickAsync();
        await page.WaitForURLAsync("**/console/connectors/new");
        await page.GetByRole(AriaRole.Link, new() { Name = "Set up: Any JSON webhook" }).ClickAsync();
        await page.GetByLabel("Connector id").FillAsync("shopify");
        await page.Locator("#setting-preset").FillAsync("shopify");
        await page.Locator("#setting-secret").FillAsync("shpss_short");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add the connector" }).ClickAsync();
        var secretError = await page.Locator("[id='settings.secret-error']").InnerTextAsync();
        await page.Locator("#setting-secret").FillAsync(ShopSecret);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add the connector" }).ClickAsync();
        await page.WaitForURLAsync("**/console/connectors/shopify?saved=created");
        var webhookUrl = await page.Locator("#webhook-url").InnerTextAsync();

        // Act 3: a dry run of a signed sample order shows the sale it would make.
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(ShopSecret), Encoding.UTF8.GetBytes(Order)));
        var headers = $"X-Shopify-Hmac-Sha256: {signature}\nX-Shopify-Topic: orders/paid\nX-Shopify-Webhook-Id: wh-first-order";
        await page.GetByRole(AriaRole.Link, new() { Name = "Test with a sample" }).ClickAsync();
        await page.GetByLabel("Body").FillAsync(Order);
        await page.GetByLabel("Headers").FillAsync(headers);
        await page.GetByRole(AriaRole.Button, new() { Name = "Test it" }).ClickAsync();
        await page.Locator("#mapped-customer").WaitForAsync();
        var dryCustomer = await page.Locator("#mapped-customer").InnerTextAsync();
        var dryTotal = await page.Locator("#mapped-total").InnerTextAsync();
        var stampedByDryRun = await host.Host.QueryAsync(db => db.StampAwards.CountAsync());

        // Act 4: the same order as Shopify sends it, to the URL the page gave.
        using var shopify = new HttpClient();
        using var delivery = new HttpRequestMessage(HttpMethod.Post, webhookUrl) { Content = new StringContent(Order, Encoding.UTF8, "application/json") };
        delivery.Headers.Add("X-Shopify-Hmac-Sha256", signature);
        delivery.Headers.Add("X-Shopify-Topic", "orders/paid");
        delivery.Headers.Add("X-Shopify-Webhook-Id", "wh-first-order");
        var delivered = await shopify.SendAsync(delivery);
        await Eventually.AssertAsync(async () => await host.Host.StampsOfAsync("shopify", "115310627") == 1, TimeSpan.FromSeconds(30), "the order's stamp");

        // Act 5: the customer's card in the Customers page, found by the POS customer id.
        await page.GetByRole(AriaRole.Link, new() { Name = "Customers", Exact = true }).First.ClickAsync();
        await page.GetByLabel("Card, customer, e-mail, phone or code").FillAsync("115310627");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await page.Locator("tbody tr a").First.ClickAsync();
        await page.Locator("h1", new() { HasText = "Card " }).WaitForAsync();
        var card = await page.Locator("main").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, $"journey-card-{provider.ToString().ToLowerInvariant()}");

        // Assert
        Assert.Contains("at least 16 characters", secretError, StringComparison.Ordinal);
        Assert.Equal(new Uri(host.BaseAddress, "/webhooks/shopify").ToString(), webhookUrl);
        Assert.Equal("115310627", dryCustomer);
        Assert.Equal("7.60 EUR", dryTotal);
        Assert.Equal(0, stampedByDryRun);
        Assert.True(delivered.IsSuccessStatusCode, $"The live order was answered {(int)delivered.StatusCode}.");
        Assert.True(card.Contains("820982911", StringComparison.Ordinal) && card.Contains("1 of 5", StringComparison.Ordinal), card);
    }
}
