using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using SevenStamp.Testing;
using ZXing;

namespace SevenStamp.Pages.Tests;

/// <summary>
/// The README's pictures of the two flows, taken from the real thing: a customer joins a café from its poster link on
/// their phone, the staff's scanner (autopilot) stamps their card until the voucher is ready, then redeems its code,
/// and refuses it the second time. Each picture is checked for what it shows before it is saved. They are written into
/// <c>tests/SevenStamp.Pages.Tests/ReadmeImages/</c> only with <c>SEVENSTAMP_UPDATE_README_IMAGES=1</c>; otherwise
/// beside the other screenshots, under <c>bin/…/screenshots/readme/</c>.
/// </summary>
public sealed partial class ReadmeImagesTests(Browser browser) : IClassFixture<Browser>
{
    public const string UpdateVariable = "SEVENSTAMP_UPDATE_README_IMAGES";
    private const string Folder = "tests/SevenStamp.Pages.Tests/ReadmeImages";
    private const string MerchantId = "corner-cafe";
    private const string Reward = "A free flat white";
    private const int Goal = 6;
    private const int MaxImageBytes = 150 * 1024;

    /// <summary>The pictures, in the README's order: the customer's row, then the counter's.</summary>
    private static readonly string[] Names = ["customer-join", "customer-card", "customer-voucher", "counter-redeemed", "counter-already-redeemed"];

    [Fact]
    public async Task CustomerAndCounterFlows_RunForReal_ShowWhatTheReadmeSaysAndAreSaved()
    {
        // Arrange: a café with its program and a member of staff at till 1, on the scanner in autopilot.
        await using var host = await PagesHost.StartAsync();
        using var op = host.Operator();
        await host.CreateMerchantAsync(MerchantId, "Corner Café");
        var program = await op.PutAsJsonAsync($"/api/merchants/{MerchantId}/program", new { name = "Coffee card", reward = Reward, stampGoal = Goal });
        Assert.True(program.IsSuccessStatusCode, await program.Content.ReadAsStringAsync());
        var staff = await StaffAsync(host, op);
        await staff.GotoAsync("/scanner?mode=autopilot");
        var customer = await browser.NewPageAsync(host.BaseAddress, phone: true);

        // Act 1: the customer opens the poster's link and taps once.
        await customer.GotoAsync($"/join/{MerchantId}");
        var joinOffer = await customer.Locator(".offer").InnerTextAsync();
        await SaveAsync(customer, "customer-join");
        await customer.GetByRole(AriaRole.Button, new() { Name = "Get my card" }).TapAsync();
        await customer.WaitForURLAsync(CardPage());
        var cardId = new Uri(customer.Url).Segments[3].TrimEnd('/');

        // Act 2: the card scanned at the counter on four visits.
        for (var visit = 1; visit <= 4; visit++)
        {
            await ScanAsync(staff, cardId, visit);
        }

        await customer.ReloadAsync();
        var stampedLabel = await customer.Locator(".stamp-grid").GetAttributeAsync("aria-label");
        await SaveAsync(customer, "customer-card");

        // Act 3: two more visits reach the goal; the card page shows the voucher.
        await ScanAsync(staff, cardId, 5);
        await ScanAsync(staff, cardId, 6);
        await customer.ReloadAsync();
        var voucherText = await customer.Locator(".voucher").InnerTextAsync();
        var code = await RedeemCodeAsync(op, cardId);
        var qr = CodeReader.Read(await customer.Locator(".voucher .qr").ScreenshotAsync(), BarcodeFormat.QR_CODE);
        var barcode = CodeReader.Read(await customer.Locator(".voucher .barcode").ScreenshotAsync(), BarcodeFormat.CODE_128);
        await SaveAsync(customer, "customer-voucher");

        // Act 4: the staff scan the voucher's code, then the same code again.
        var redeemed = await ScanAsync(staff, code, 7);
        await SaveAsync(staff, "counter-redeemed");
        var again = await ScanAsync(staff, code, 8);
        await SaveAsync(staff, "counter-already-redeemed");

        // Assert: what each picture shows.
        Assert.Equal($"Collect {Goal} stamps: {Reward}", joinOffer);
        Assert.Equal($"4 of {Goal} stamps", stampedLabel);
        Assert.Contains(Reward, voucherText, StringComparison.Ordinal);
        Assert.Contains("Ready to use", voucherText, StringComparison.Ordinal);
        Assert.Contains(code, voucherText, StringComparison.Ordinal);
        Assert.Equal((code, code), (qr, barcode));
        Assert.Equal("tone-ok", redeemed.Tone);
        Assert.Contains($"Redeemed: {Reward}", redeemed.Text, StringComparison.Ordinal);
        Assert.Equal("tone-bad", again.Tone);
        Assert.Matches(@"Already redeemed at \d\d:\d\d by staff sam", again.Text);

        // Assert: the saved pictures are phone-wide and small enough for the README.
        Assert.All(Names, name =>
        {
            var png = File.ReadAllBytes(Path.Combine(OutputFolder, name + ".png"));
            Assert.True(png.Length < MaxImageBytes, $"{name}.png is {png.Length / 1024} KB.");
            Assert.Equal(Browser.Phone.Width, WidthOf(png));
        });
    }

    [Fact]
    public void Readme_ImagesItLinks_AreInTheRepository()
    {
        // Arrange
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "README.md"));

        // Act
        var linked = ReadmeImageLink().Matches(readme).Select(m => m.Groups[1].Value).ToList();

        // Assert: every picture the test takes is linked, and every link leads to a picture that is there.
        Assert.Equal(Names.Select(n => $"{Folder}/{n}.png").Order(StringComparer.Ordinal), linked.Distinct().Order(StringComparer.Ordinal));
        Assert.All(linked, path => Assert.True(File.Exists(Path.Combine(RepositoryRoot.Path, path)), $"README links {path}, which does not exist."));
    }

    private static string OutputFolder => Environment.GetEnvironmentVariable(UpdateVariable) == "1"
        ? Path.Combine(RepositoryRoot.Path, Folder)
        : Path.Combine(Browser.ScreenshotFolder, "readme");

    /// <summary>
    /// The page as the phone shows it (no browser chrome), whole but cut a little below its last element, so the
    /// pictures do not carry a screen's height of empty background, as <c>{name}.png</c>.
    /// </summary>
    private static async Task SaveAsync(IPage page, string name)
    {
        Directory.CreateDirectory(OutputFolder);
        var height = await page.EvaluateAsync<int>(
            "() => Math.min(document.documentElement.scrollHeight, Math.ceil(Math.max(...[...document.body.querySelectorAll('*')].map(e => e.getBoundingClientRect().bottom + window.scrollY))) + 16)");
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Path.Combine(OutputFolder, name + ".png"),
            FullPage = true,
            Clip = new Clip { X = 0, Y = 0, Width = Browser.Phone.Width, Height = height },
            Animations = ScreenshotAnimations.Disabled,
        });
    }

    /// <summary>A PNG's width, from its header.</summary>
    private static int WidthOf(byte[] png) => BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4));

    /// <summary>A member of staff of till 1 (user "sam"), invited and signed in through the sign-in page on a phone.</summary>
    private async Task<IPage> StaffAsync(PagesHost host, HttpClient op)
    {
        var invited = await op.PostAsJsonAsync($"/api/merchants/{MerchantId}/people/invites", new { role = "Staff", locations = new[] { "till-1" } });
        Assert.True(invited.StatusCode == HttpStatusCode.Created, await invited.Content.ReadAsStringAsync());
        using var invite = JsonDocument.Parse(await invited.Content.ReadAsStringAsync());
        var accepted = await host.Host.Client.PostAsJsonAsync("/api/account/invites/accept", new { token = invite.RootElement.GetProperty("token").GetString(), userName = "sam", password = ScannerArrangement.StaffPassword });
        Assert.True(accepted.StatusCode == HttpStatusCode.Created, await accepted.Content.ReadAsStringAsync());
        var page = await browser.NewPageAsync(host.BaseAddress, phone: true);
        await page.GotoAsync("/account/sign-in");
        await page.GetByLabel("User name").FillAsync("sam");
        await page.GetByLabel("Password").FillAsync(ScannerArrangement.StaffPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync("**/scanner");
        return page;
    }

    /// <summary>Types a scan and Enter as a USB scanner does; the answer to the <paramref name="nth"/> scan.</summary>
    private static async Task<(string Tone, string Text)> ScanAsync(IPage page, string code, int nth)
    {
        await page.Keyboard.TypeAsync(code);
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForFunctionAsync("n => document.querySelector('[data-answer]').dataset.scans === String(n)", nth);
        var answer = page.Locator("[data-answer]");
        var tone = (await answer.GetAttributeAsync("class"))!.Split(' ').Single(c => c.StartsWith("tone-", StringComparison.Ordinal));
        return (tone, await answer.InnerTextAsync());
    }

    private static async Task<string> RedeemCodeAsync(HttpClient op, string cardId)
    {
        using var view = JsonDocument.Parse(await op.GetStringAsync($"/api/merchants/{MerchantId}/cards/{cardId}"));
        return view.RootElement.GetProperty("vouchers")[0].GetProperty("code").GetString()!;
    }

    private static Regex CardPage() => CardPageRegex();

    [GeneratedRegex("/wallet/cards/([0-9a-f]{32})/[A-Za-z0-9_-]+$")]
    private static partial Regex CardPageRegex();

    [GeneratedRegex(@"\]\((tests/SevenStamp\.Pages\.Tests/ReadmeImages/[^)\s]+)\)")]
    private static partial Regex ReadmeImageLink();
}
