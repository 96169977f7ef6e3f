using Microsoft.Playwright;

namespace SevenStamp.Pages.Tests;

/// <summary>A new owner's first minutes: the invite, signing in and out, a wrong password, the console's first step.</summary>
public sealed class AccountPagesTests(Browser browser) : IClassFixture<Browser>, IAsyncLifetime
{
    private PagesHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await PagesHost.StartAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task AcceptInvite_NewOwner_LandsOnTheConsoleWhichSaysToCreateTheProgram()
    {
        // Arrange
        var invite = await _host.CreateMerchantAsync("corner-cafe", "Corner Café");
        var page = await browser.NewPageAsync(_host.BaseAddress);

        // Act: the invite page, a password that does not match, then the right one.
        await page.GotoAsync(invite);
        await Browser.CheckAndSaveAsync(page, "account-invite");
        await page.GetByLabel("User name").FillAsync("maria");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("Corner-Cafe-2026");
        await page.GetByLabel("Password again").FillAsync("Corner-Cafe-2025");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create my account" }).ClickAsync();
        var mismatch = await page.Locator(".field-error").InnerTextAsync();
        var confirmInvalid = await page.GetByLabel("Password again").GetAttributeAsync("aria-invalid");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("Corner-Cafe-2026");
        await page.GetByLabel("Password again").FillAsync("Corner-Cafe-2026");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create my account" }).ClickAsync();
        await page.WaitForURLAsync("**/console");

        // Assert
        Assert.Contains("not the same password", mismatch, StringComparison.Ordinal);
        Assert.Equal("true", confirmInvalid);
        Assert.Equal("Welcome, maria", await page.Locator("h1").InnerTextAsync());
        Assert.Contains("Corner Café", await page.Locator(".merchant-name").InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await page.GetByRole(AriaRole.Link, new() { Name = "Create your program" }).IsVisibleAsync());
        Assert.Equal("absolute", await page.Locator(".skip-link").EvaluateAsync<string>("e => getComputedStyle(e).position"));
        await Browser.CheckAndSaveAsync(page, "console-home-new");
    }

    [Fact]
    public async Task SignIn_WrongPasswordThenRight_SaysWhatIsWrongThenReturnsToThePageAsked()
    {
        // Arrange: an owner, signed out, who asks for a console page.
        var invite = await _host.CreateMerchantAsync("bakery", "The Bakery");
        var page = await browser.NewPageAsync(_host.BaseAddress, phone: true);
        await page.GotoAsync(invite);
        await page.GetByLabel("User name").FillAsync("ben");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("Bakery-Owner-2026");
        await page.GetByLabel("Password again").FillAsync("Bakery-Owner-2026");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create my account" }).ClickAsync();
        await page.WaitForURLAsync("**/console");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync("**/account/sign-in");

        // Act
        await page.GotoAsync("/console");
        var redirected = page.Url;
        await page.GetByLabel("User name").FillAsync("ben");
        await page.GetByLabel("Password").FillAsync("not-the-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        var wrong = await page.GetByRole(AriaRole.Alert).InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, "account-sign-in-wrong");
        await page.GetByLabel("User name").FillAsync("ben");
        await page.GetByLabel("Password").FillAsync("Bakery-Owner-2026");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync("**/console");

        // Assert
        Assert.Contains("/account/sign-in?returnUrl=%2Fconsole", redirected, StringComparison.Ordinal);
        Assert.Contains("wrong", wrong, StringComparison.Ordinal);
        Assert.Equal("Welcome, ben", await page.Locator("h1").InnerTextAsync());
    }
}
