using System.Xml.Linq;
using Microsoft.Playwright;
using SevenStamp.Testing;

namespace SevenStamp.Pages.Tests;

/// <summary>
/// The counter scanner in the staff's language: a Hebrew or Persian scanner reads right to left, mirrored, and answers a
/// scan in that language (the sentence as the translator wrote it, the merchant's reward as the merchant wrote it). The
/// kiosk, which customers use themselves, shows them no staff name, no sign-out and no way to the console.
/// </summary>
public sealed class ScannerLanguagesTests(Browser browser) : IClassFixture<Browser>, IAsyncLifetime
{
    private PagesHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await PagesHost.StartAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Theory]
    [InlineData("he")]
    [InlineData("fa")]
    public async Task Autopilot_RightToLeftLanguage_MirrorsThePageAndAnswersTheScanInIt(string lang)
    {
        // Arrange
        using var op = _host.Operator();
        var merchant = "cafe-" + lang;
        var staff = await _host.StaffOnScannerAsync(browser, op, merchant, phone: true);
        var (_, code) = await _host.VoucherAsync(op, merchant, "CARD-" + lang);
        var redeemed = Translation(lang, "Redeemed: {0}").Replace("{0}", "A free coffee", StringComparison.Ordinal);
        var heading = Translation(lang, "Scanner");
        await staff.GotoAsync($"/scanner?mode=autopilot&lang={lang}");

        // Act
        var (htmlLang, htmlDir) = (await staff.EvaluateAsync<string>("document.documentElement.lang"), await staff.EvaluateAsync<string>("document.documentElement.dir"));
        var direction = await staff.EvaluateAsync<string>("getComputedStyle(document.querySelector('main')).direction");
        await staff.Keyboard.TypeAsync(code);
        await staff.Keyboard.PressAsync("Enter");
        await staff.WaitForFunctionAsync("() => document.querySelector('[data-answer]').dataset.scans === '1'");
        var answer = await staff.Locator("[data-answer]").InnerTextAsync();
        var tone = await staff.Locator("[data-answer]").GetAttributeAsync("class");
        await Browser.CheckAndSaveAsync(staff, $"scanner-redeemed-{lang}");
        await staff.SetViewportSizeAsync(Browser.Desktop.Width, Browser.Desktop.Height);
        var mirrored = await staff.EvaluateAsync<bool>(
            """
            () => {
                const input = document.getElementById('code').getBoundingClientRect();
                const send = document.querySelector('.scan-row .button').getBoundingClientRect();
                return input.left >= send.right;
            }
            """);

        // Assert
        Assert.Equal((lang, "rtl", "rtl"), (htmlLang, htmlDir, direction));
        Assert.Equal(heading, await staff.Locator("h1").InnerTextAsync());
        Assert.Contains("tone-ok", tone, StringComparison.Ordinal);
        Assert.Contains(redeemed, answer, StringComparison.Ordinal);
        Assert.Contains(code, answer, StringComparison.Ordinal);
        Assert.True(mirrored, "The code's field starts at the right and its button follows to its left.");
    }

    [Theory]
    [InlineData("he")]
    [InlineData("fa")]
    public async Task Kiosk_RightToLeftLanguage_GreetsTheCustomerInItRightToLeft(string lang)
    {
        // Arrange
        using var op = _host.Operator();
        var staff = await _host.StaffOnScannerAsync(browser, op, "juice-" + lang, phone: true);
        var greeting = Translation(lang, "Scan your card to collect a stamp.");

        // Act
        await staff.GotoAsync($"/scanner/kiosk?lang={lang}");
        var dir = await staff.EvaluateAsync<string>("document.documentElement.dir");
        var idle = await staff.Locator("[data-answer]").InnerTextAsync();
        await Browser.CheckAndSaveAsync(staff, $"scanner-kiosk-{lang}");

        // Assert
        Assert.Equal("rtl", dir);
        Assert.Contains(greeting, idle, StringComparison.Ordinal);
        Assert.Equal(Translation(lang, "Staff sign-in"), await staff.Locator(".staff-sign-in").InnerTextAsync());
    }

    [Fact]
    public async Task Kiosk_OwnerLeavesTheStandSignedIn_ShowsNoSignOutNorWayToTheConsoleOnlyAStaffSignIn()
    {
        // Arrange: an owner (who may open the console) signs the stand in; the scanner shows them the way back to it.
        var owner = await _host.SignedInOwnerAsync(browser, "stand-cafe");
        await owner.GotoAsync("/scanner");
        var scannerSignOuts = await owner.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).CountAsync();
        var scannerConsoleLinks = await owner.Locator("a[href^='/console']").CountAsync();

        // Act
        await owner.GotoAsync("/scanner/kiosk");
        var signOuts = await owner.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).CountAsync();
        var forms = await owner.Locator($"form[action='/account/sign-out']").CountAsync();
        var links = await owner.EvaluateAsync<string[]>("() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))");
        var header = await owner.Locator("header").InnerTextAsync();
        await Browser.CheckAndSaveAsync(owner, "scanner-kiosk-customer-screen");
        await owner.GetByRole(AriaRole.Link, new() { Name = "Staff sign-in" }).ClickAsync();
        await owner.WaitForURLAsync(url => url.Contains("/account/sign-in", StringComparison.Ordinal));
        await owner.GetByLabel("User name").FillAsync("stand-cafe-owner");
        await owner.GetByLabel("Password").FillAsync(PagesHost.OwnerPassword);
        await owner.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await owner.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/scanner");

        // Assert
        Assert.Equal((1, 1), (scannerSignOuts, scannerConsoleLinks));
        Assert.Equal((0, 0), (signOuts, forms));
        Assert.DoesNotContain("stand-cafe-owner", header, StringComparison.Ordinal);
        Assert.All(links, href => Assert.True(href.StartsWith('#') || href.StartsWith("/account/sign-in?", StringComparison.Ordinal), $"The kiosk links to {href}"));
        Assert.Contains(links, href => href.StartsWith("/account/sign-in?", StringComparison.Ordinal));
    }

    /// <summary>A sentence's translation as the translators wrote it in the pages' resources (not a second copy here).</summary>
    private static string Translation(string lang, string english)
    {
        var file = Path.Combine(RepositoryRoot.Path, "host/SevenStamp.Connectors.Host/Components", $"Text.{lang}.resx");
        var entry = XDocument.Load(file).Root!.Elements("data").Single(d => (string?)d.Attribute("name") == english);
        return (string)entry.Element("value")!;
    }
}
