using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SevenStamp.Connectors.Host.Components.Codes;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Pages.Tests;

/// <summary>
/// The counter scanner in a real browser, as staff use it: a staff account of one till (invited through the API,
/// signed in through the sign-in page) lands on the scanner; autopilot answers each typed scan + Enter at once with the
/// input keeping the focus; the manual scanner confirms a card's stamp; the kiosk stamps a card once per interval. The
/// audit log names the staff account and the till.
/// </summary>
public sealed class ScannerPageTests(Browser browser) : IClassFixture<Browser>
{
    public static TheoryData<LoyaltyStoreProvider> Providers() => [LoyaltyStoreProvider.Sqlite, LoyaltyStoreProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Autopilot_StaffScansCodesAndACard_AnswersEachAtOnceAndKeepsTheFocus(LoyaltyStoreProvider provider)
    {
        // Arrange
        await using var host = await PagesHost.StartAsync(provider);
        using var op = host.Operator();
        var staff = await host.StaffOnScannerAsync(browser, op, "corner-cafe");
        var landedOn = new Uri(staff.Url).AbsolutePath;
        var (_, code) = await host.VoucherAsync(op, "corner-cafe", "CARD-1");
        var (_, expiredCode) = await host.VoucherAsync(op, "corner-cafe", "CARD-2");
        await host.ExpireAsync(expiredCode);
        var collecting = await host.CardAsync(op, "corner-cafe", "CARD-3");
        await staff.GotoAsync($"/scanner?mode=autopilot");

        // Act
        var redeemed = await ScanAsync(staff, code, 1);
        await Browser.CheckAndSaveAsync(staff, "scanner-redeemed");
        var again = await ScanAsync(staff, code.ToLowerInvariant(), 2);
        await Browser.CheckAndSaveAsync(staff, "scanner-already-redeemed");
        var expired = await ScanAsync(staff, expiredCode, 3);
        await Browser.CheckAndSaveAsync(staff, "scanner-expired");
        var unknown = await ScanAsync(staff, "NO-SUCH-CODE", 4);
        await Browser.CheckAndSaveAsync(staff, "scanner-unknown");
        var stamped = await ScanAsync(staff, collecting.ToString("N"), 5);
        await Browser.CheckAndSaveAsync(staff, "scanner-card-stamped");

        // Assert
        Assert.Equal("/scanner", landedOn);
        Assert.Equal(("tone-ok", "ok", true), (redeemed.Tone, redeemed.Sound, redeemed.Focused));
        Assert.Contains("Redeemed: A free coffee", redeemed.Text, StringComparison.Ordinal);
        Assert.Equal(("tone-bad", "refused", true), (again.Tone, again.Sound, again.Focused));
        Assert.Matches(@"Already redeemed at \d\d:\d\d by staff sam-corner-cafe", again.Text);
        Assert.Equal(("tone-warn", "refused", true), (expired.Tone, expired.Sound, expired.Focused));
        Assert.Contains("Expired on", expired.Text, StringComparison.Ordinal);
        Assert.Equal(("tone-unknown", "refused", true), (unknown.Tone, unknown.Sound, unknown.Focused));
        Assert.Contains("Unknown code", unknown.Text, StringComparison.Ordinal);
        Assert.Equal(("tone-ok", "ok", true), (stamped.Tone, stamped.Sound, stamped.Focused));
        Assert.Contains("Stamp added: 1 of 3", stamped.Text, StringComparison.Ordinal);
        Assert.Equal(1, await staff.Locator("[data-answer] .dot.on").CountAsync());
        Assert.All(new[] { redeemed, again, expired, unknown, stamped }, answer => Assert.Equal(string.Empty, answer.Input));

        var audit = await AuditAsync(op, "corner-cafe");
        Assert.Contains(audit, e => e.Kind == "voucher.redeemed" && e.Actor == "sam-corner-cafe" && e.After.Contains("at location till-1", StringComparison.Ordinal));
        Assert.Contains(audit, e => e.Kind == "card.stamped" && e.Actor == "sam-corner-cafe" && e.Subject == $"card {collecting}" && e.After.Contains("at location till-1", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Manual_StaffScansACardAndConfirms_AddsOneStampAndReachingTheGoalMintsTheVoucher(LoyaltyStoreProvider provider)
    {
        // Arrange: a card two stamps from its goal of three... then one stamp away.
        await using var host = await PagesHost.StartAsync(provider);
        using var op = host.Operator();
        var staff = await host.StaffOnScannerAsync(browser, op, "tea-house", phone: true);
        var card = await host.CardAsync(op, "tea-house", "TEA-1");
        Assert.Equal(HttpStatusCode.OK, (await op.PostAsJsonAsync($"/api/merchants/tea-house/cards/{card}/stamps", new { delta = 2, reason = "two earlier visits" })).StatusCode);

        // Act: the card's QR content typed as a camera would fill it, then the confirm.
        await staff.Locator("#code").FillAsync(card.ToString("N"));
        await staff.GetByRole(AriaRole.Button, new() { Name = "Check" }).ClickAsync();
        await staff.Locator("[data-answer].tone-info").WaitForAsync();
        var shown = await staff.Locator("[data-answer]").InnerTextAsync();
        var stampsBeforeConfirm = await StampsAsync(host, card);
        await Browser.CheckAndSaveAsync(staff, "scanner-card-found");
        await staff.GetByRole(AriaRole.Button, new() { Name = "Add a stamp" }).ClickAsync();
        await staff.Locator("[data-answer].tone-ok").WaitForAsync();
        var added = await staff.Locator("[data-answer]").InnerTextAsync();
        await Browser.CheckAndSaveAsync(staff, "scanner-card-confirmed");

        // Assert
        Assert.Contains($"Card {card.ToString("N")[..8].ToUpperInvariant()}: 2 of 3 stamps", shown, StringComparison.Ordinal);
        Assert.Equal(2, stampsBeforeConfirm);
        Assert.Contains("Stamp added: 0 of 3", added, StringComparison.Ordinal);
        Assert.Contains("The card reached its goal: A free coffee", added, StringComparison.Ordinal);
        Assert.Contains("A voucher is ready on this card: A free coffee", added, StringComparison.Ordinal);
        Assert.Equal(3, await StampsAsync(host, card));
        using var view = JsonDocument.Parse(await op.GetStringAsync($"/api/merchants/tea-house/cards/{card}"));
        Assert.Equal("Issued", view.RootElement.GetProperty("vouchers")[0].GetProperty("state").GetString());
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Kiosk_CustomerScansTheirCardTwice_StampsOnceThenTellsWhenTheNextStampComes(LoyaltyStoreProvider provider)
    {
        // Arrange
        await using var host = await PagesHost.StartAsync(provider);
        using var op = host.Operator();
        var staff = await host.StaffOnScannerAsync(browser, op, "juice-bar");
        var card = await host.CardAsync(op, "juice-bar", "JUICE-1");
        await staff.GotoAsync("/scanner/kiosk");
        var idle = await staff.Locator("[data-answer]").InnerTextAsync();

        // Act
        var first = await ScanAsync(staff, card.ToString("N"), 1);
        await Browser.CheckAndSaveAsync(staff, "scanner-kiosk-stamped");
        var second = await ScanAsync(staff, card.ToString("N"), 2);
        await Browser.CheckAndSaveAsync(staff, "scanner-kiosk-too-soon");

        // Assert
        Assert.Contains("Scan your card to collect a stamp.", idle, StringComparison.Ordinal);
        Assert.Equal(("tone-ok", true), (first.Tone, first.Focused));
        Assert.Contains("Stamp added: 1 of 3", first.Text, StringComparison.Ordinal);
        Assert.Equal(("tone-warn", "refused"), (second.Tone, second.Sound));
        // The time alone on the same day; the date first when the next stamp falls after midnight.
        Assert.Matches(@"Already stamped — next stamp from (\d{1,2} \w+, )?\d\d:\d\d", second.Text);
        Assert.Equal(1, await StampsAsync(host, card));
        var audit = await AuditAsync(op, "juice-bar");
        Assert.Single(audit, e => e.Kind == "card.stamped" && e.Actor == "sam-juice-bar" && e.After.Contains("Kiosk stamp at location till-1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Camera_DecoderWithoutBarcodeDetector_ReadsACardsQrCodeWithTheVendoredZxing()
    {
        // Arrange: the scanner page, and a card's QR code as the pass shows it (an image the camera would see). ZXing
        // misses some pixel-perfect synthetic codes at some sizes (ZXing.Net too), so the decoder tries each frame at
        // the next of four scales; a fixed card id keeps the test to what a camera's few frames give.
        await using var host = await PagesHost.StartAsync();
        using var op = host.Operator();
        var staff = await host.StaffOnScannerAsync(browser, op, "bagel-shop");
        const string card = "d20792eb08684a2faa756fb5f208a083";
        var png = Convert.ToBase64String(CodeImages.QrPng(card, pixelsPerModule: 6));

        // Act
        var read = await staff.EvaluateAsync<string?>(
            """
            async png => {
                window.sevenStampNoNativeDetector = true;
                const image = new Image();
                image.src = "data:image/png;base64," + png;
                await image.decode();
                const decode = await window.sevenStampScanner.decoder();
                for (let frame = 0; frame < 4; frame++) {
                    const read = await decode(image);
                    if (read) {
                        return read;
                    }
                }
                return null;
            }
            """,
            png);

        // Assert
        Assert.Equal(card, read);
        Assert.True(await staff.EvaluateAsync<bool>("() => typeof window.ZXing === 'object'"));
    }

    /// <summary>Types a scan and Enter as a USB scanner does; waits for the answer to the <paramref name="nth"/> scan.</summary>
    private static async Task<Answer> ScanAsync(IPage page, string code, int nth)
    {
        await page.Keyboard.TypeAsync(code);
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForFunctionAsync("n => document.querySelector('[data-answer]').dataset.scans === String(n)", nth);
        var answer = page.Locator("[data-answer]");
        return new Answer(
            (await answer.GetAttributeAsync("class"))!.Split(' ').Single(c => c.StartsWith("tone-", StringComparison.Ordinal)),
            await answer.InnerTextAsync(),
            await answer.GetAttributeAsync("data-sound"),
            await page.EvaluateAsync<bool>("() => document.activeElement === document.getElementById('code')"),
            await page.Locator("#code").InputValueAsync());
    }

    private static async Task<int> StampsAsync(PagesHost host, Guid card)
    {
        await using var scope = host.Host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>().Cards.Where(c => c.Id == card).Select(c => c.TotalStamps).SingleAsync();
    }

    private static async Task<List<AuditLine>> AuditAsync(HttpClient op, string merchantId)
    {
        using var entries = JsonDocument.Parse(await op.GetStringAsync($"/api/merchants/{merchantId}/audit"));
        return [.. entries.RootElement.EnumerateArray().Select(e => new AuditLine(
            e.GetProperty("kind").GetString()!,
            e.GetProperty("actor").GetString()!,
            e.GetProperty("subject").GetString() ?? string.Empty,
            e.GetProperty("after").GetString() ?? string.Empty))];
    }

    private sealed record Answer(string Tone, string Text, string? Sound, bool Focused, string Input);

    private sealed record AuditLine(string Kind, string Actor, string Subject, string After);
}

/// <summary>Arranging the scanner's tests through the API, as an operator and a merchant would.</summary>
internal static class ScannerArrangement
{
    public const string StaffPassword = "Sam-At-The-Till-1";

    /// <summary>
    /// A merchant with a program (goal 3, "A free coffee") and a staff account of till-1, invited through the API; a
    /// browser page signed in as that person through the sign-in page, where they land (the scanner).
    /// </summary>
    public static async Task<IPage> StaffOnScannerAsync(this PagesHost host, Browser browser, HttpClient op, string merchantId, bool phone = false)
    {
        await host.CreateMerchantAsync(merchantId, merchantId.ToUpperInvariant());
        var program = await op.PutAsJsonAsync($"/api/merchants/{merchantId}/program", new { name = "Coffee card", reward = "A free coffee", stampGoal = 3 });
        Assert.True(program.IsSuccessStatusCode, await program.Content.ReadAsStringAsync());
        var invited = await op.PostAsJsonAsync($"/api/merchants/{merchantId}/people/invites", new { role = "Staff", locations = new[] { "till-1" } });
        Assert.True(invited.StatusCode == HttpStatusCode.Created, await invited.Content.ReadAsStringAsync());
        using var invite = JsonDocument.Parse(await invited.Content.ReadAsStringAsync());
        var accepted = await host.Host.Client.PostAsJsonAsync("/api/account/invites/accept", new { token = invite.RootElement.GetProperty("token").GetString(), userName = $"sam-{merchantId}", password = StaffPassword });
        Assert.True(accepted.StatusCode == HttpStatusCode.Created, await accepted.Content.ReadAsStringAsync());

        var page = await browser.NewPageAsync(host.BaseAddress, phone);
        await page.GotoAsync("/account/sign-in");
        await page.GetByLabel("User name").FillAsync($"sam-{merchantId}");
        await page.GetByLabel("Password").FillAsync(StaffPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/account/sign-in", StringComparison.Ordinal));
        return page;
    }

    /// <summary>A customer's card with no stamps yet.</summary>
    public static async Task<Guid> CardAsync(this PagesHost host, HttpClient op, string merchantId, string loyaltyCardId)
    {
        var enrolled = await op.PostAsJsonAsync($"/api/merchants/{merchantId}/cards", new { loyaltyCardId });
        Assert.True(enrolled.StatusCode == HttpStatusCode.Created, await enrolled.Content.ReadAsStringAsync());
        using var body = JsonDocument.Parse(await enrolled.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("cardId").GetGuid();
    }

    /// <summary>A card stamped to its goal (by hand, through the API): its voucher's Redeem Code.</summary>
    public static async Task<(Guid Card, string Code)> VoucherAsync(this PagesHost host, HttpClient op, string merchantId, string loyaltyCardId)
    {
        var card = await host.CardAsync(op, merchantId, loyaltyCardId);
        var stamped = await op.PostAsJsonAsync($"/api/merchants/{merchantId}/cards/{card}/stamps", new { delta = 3, reason = "three visits" });
        Assert.True(stamped.StatusCode == HttpStatusCode.OK, await stamped.Content.ReadAsStringAsync());
        using var view = JsonDocument.Parse(await op.GetStringAsync($"/api/merchants/{merchantId}/cards/{card}"));
        return (card, view.RootElement.GetProperty("vouchers")[0].GetProperty("code").GetString()!);
    }

    /// <summary>Makes a voucher's expiry a day ago (the store's clock is the real one here).</summary>
    public static async Task ExpireAsync(this PagesHost host, string code)
    {
        await using var scope = host.Host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LoyaltyDbContext>();
        var voucher = await db.Vouchers.SingleAsync(v => v.Code == code);
        voucher.ExpiresAt = DateTimeOffset.UtcNow.AddDays(-1);
        await db.SaveChangesAsync();
    }
}
