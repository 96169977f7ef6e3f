using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SevenStamp.Accounts.Data;

namespace SevenStamp.Pages.Tests;

/// <summary>
/// What is shown once (a webhook's signing secret, an API key) comes after a redirect: reloading the page that shows it
/// makes nothing a second time and does not show it again, and it never travels in the address.
/// </summary>
public sealed class ShownOncePagesTests(Browser browser) : IClassFixture<Browser>, IAsyncLifetime
{
    private WebhooksPagesHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await WebhooksPagesHost.StartAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AddWebhook_ThenReload_OneSubscriptionAndTheSecretShownOnce(bool phone)
    {
        // Arrange
        var merchant = phone ? "once-cafe-phone" : "once-cafe";
        var page = await _host.SignedInOwnerAsync(browser, merchant, phone);
        await page.GotoAsync("/console/webhooks");
        await page.GetByLabel("Endpoint URL").FillAsync("http://127.0.0.1:9/hooks/once");
        await page.GetByLabel("Description (optional)").FillAsync("Our CRM");

        // Act: add, land on the webhook's own page, then reload it twice.
        await page.GetByRole(AriaRole.Button, new() { Name = "Add the webhook" }).ClickAsync();
        await page.WaitForURLAsync("**/console/webhooks/*");
        var landedOn = page.Url;
        var secret = await page.Locator("#signing-secret").InnerTextAsync();
        var box = await page.Locator("#secret-box").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, phone ? "webhook-added-once-phone" : "webhook-added-once");
        await page.ReloadAsync();
        var secretsAfterReload = await page.Locator("#signing-secret").CountAsync();
        var heading = await page.Locator("h1").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, phone ? "webhook-added-reloaded-phone" : "webhook-added-reloaded");
        await page.ReloadAsync();
        var cookies = await page.Context.CookiesAsync();

        // Assert: one subscription, its secret shown once, never in the address, no cookie left with it.
        using var op = _host.Operator();
        using var list = JsonDocument.Parse(await op.GetStringAsync($"/api/merchants/{merchant}/webhooks"));
        Assert.Equal(1, list.RootElement.GetArrayLength());
        Assert.EndsWith("/console/webhooks/" + list.RootElement[0].GetProperty("id").GetString(), landedOn, StringComparison.Ordinal);
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Contains("Webhook added: here is its signing secret", box, StringComparison.Ordinal);
        Assert.Contains("Copy it now: it will not be shown again.", box, StringComparison.Ordinal);
        Assert.Equal(0, secretsAfterReload);
        Assert.Equal("Our CRM", heading);
        Assert.DoesNotContain(secret, landedOn, StringComparison.Ordinal);
        Assert.DoesNotContain(cookies, c => c.Name == "sevenstamp.shown-once");
    }

    [Fact]
    public async Task RotateSecret_ThenReload_RotatedOnceAndTheNewSecretShownOnce()
    {
        // Arrange: a webhook added through the API.
        var merchant = "once-rotate";
        var page = await _host.SignedInOwnerAsync(browser, merchant);
        using var op = _host.Operator();
        var created = await op.PostAsJsonAsync($"/api/merchants/{merchant}/webhooks", new { url = "http://127.0.0.1:9/hooks/rotate", events = new[] { "*" } });
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var id = body.RootElement.GetProperty("subscription").GetProperty("id").GetString();
        await page.GotoAsync($"/console/webhooks/{id}?confirm=rotate");

        // Act
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, make a new secret" }).ClickAsync();
        var secret = await page.Locator("#signing-secret").InnerTextAsync();
        var box = await page.Locator("#secret-box").InnerTextAsync();
        var address = page.Url;
        await page.ReloadAsync();
        var secretsAfterReload = await page.Locator("#signing-secret").CountAsync();

        // Assert: rotated once (the audit log has one rotation), shown once.
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Contains("The new signing secret", box, StringComparison.Ordinal);
        Assert.EndsWith($"/console/webhooks/{id}", address, StringComparison.Ordinal);
        Assert.Equal(0, secretsAfterReload);
        await using var scope = _host.Host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AccountsDbContext>();
        Assert.Equal(1, await db.AuditEntries.CountAsync(e => e.MerchantId == merchant && e.Kind == "webhook.secret-rotated"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CreateKey_ThenReload_OneKeyAndItShownOnce(bool phone)
    {
        // Arrange
        var merchant = phone ? "once-keys-phone" : "once-keys";
        var page = await _host.SignedInOwnerAsync(browser, merchant, phone);
        await page.GotoAsync("/console/people");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("till 9");
        await page.GetByLabel("redeem: redeem vouchers and stamp cards at a counter").CheckAsync();

        // Act
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the key" }).ClickAsync();
        await page.Locator("code.shown-once").WaitForAsync();
        var key = await page.Locator("code.shown-once").InnerTextAsync();
        var address = page.Url;
        await Browser.CheckAndSaveAsync(page, phone ? "key-created-once-phone" : "key-created-once");
        await page.ReloadAsync();
        var shownAfterReload = await page.Locator("code.shown-once").CountAsync();
        var rows = await page.GetByRole(AriaRole.Row).Filter(new() { HasText = "till 9" }).CountAsync();

        // Assert: one key, shown once, not in the address.
        Assert.StartsWith("ssk_", key, StringComparison.Ordinal);
        Assert.EndsWith("/console/people", address, StringComparison.Ordinal);
        Assert.Equal(0, shownAfterReload);
        Assert.Equal(1, rows);
        await using var scope = _host.Host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AccountsDbContext>();
        Assert.Equal(1, await db.ApiKeys.CountAsync(k => k.MerchantId == merchant));
    }
}
