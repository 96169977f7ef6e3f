using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace SevenStamp.Pages.Tests;

/// <summary>
/// Chromium, headless, driven by Playwright: Debian's browser at <c>/usr/bin/chromium</c> (or
/// <c>SEVENSTAMP_TEST_CHROMIUM</c>), as Playwright's own download cannot run on the test machines. One browser per
/// test class; each test opens its own context (its own cookies).
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    public static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };
    public static readonly ViewportSize Desktop = new() { Width = 1280, Height = 860 };

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async ValueTask InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("SEVENSTAMP_TEST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium",
            Headless = true,

            // The tests run as root in a container: Chromium's sandbox needs user namespaces it does not get there.
            Args = ["--no-sandbox"],
        });
    }

    /// <summary>A fresh page (its own cookies) at desktop width, or at phone width; a browser in British English unless <paramref name="locale"/> says otherwise.</summary>
    public async Task<IPage> NewPageAsync(Uri baseAddress, bool phone = false, string locale = "en-GB")
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = phone ? Phone : Desktop,
            IsMobile = phone,
            HasTouch = phone,
            Locale = locale,
        });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    /// <summary>
    /// Checks the page as it is now with axe: no serious or critical violation. Then saves it at phone and desktop
    /// width as <c>screenshots/{name}-phone.png</c> and <c>-desktop.png</c>, and puts the page back to its width.
    /// </summary>
    public static async Task CheckAndSaveAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        var results = await page.RunAxe();
        var serious = results.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, $"Accessibility of {name}:\n" + string.Join('\n', serious.Select(Describe)));

        Directory.CreateDirectory(ScreenshotFolder);
        var width = page.ViewportSize;
        foreach (var (size, suffix) in new[] { (Phone, "phone"), (Desktop, "desktop") })
        {
            await page.SetViewportSizeAsync(size.Width, size.Height);

            // Nothing may make the page wider than the screen: wide tables scroll inside their own box.
            var overflow = await page.EvaluateAsync<string[]>(
                """
                w => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > w + 1 && !e.parentElement.closest('.table-scroll, .console-nav'))
                    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).replace(/ /g, '.') : '') + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')
                """,
                size.Width);
            var pageWidth = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
            Assert.True(overflow.Length == 0 && pageWidth <= size.Width, $"{name} is {pageWidth} px wide at {size.Width} px ({suffix}): {string.Join(", ", overflow)}");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, $"{name}-{suffix}.png"), FullPage = true });
        }

        if (width is not null)
        {
            await page.SetViewportSizeAsync(width.Width, width.Height);
        }
    }

    private static string Describe(AxeResultItem violation) =>
        $"{violation.Impact} {violation.Id}: {violation.Help} at {string.Join(", ", violation.Nodes.Select(n => n.Target?.ToString()))}";

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
