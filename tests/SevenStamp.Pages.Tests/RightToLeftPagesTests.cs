using ZXing;

namespace SevenStamp.Pages.Tests;

/// <summary>
/// A customer whose phone speaks Hebrew or Persian reads the card right to left, in their language, with the merchant's
/// reward as written and the voucher's codes still readable; a Chinese, Kazakh or Uzbek phone gets its language left to right.
/// </summary>
public sealed class RightToLeftPagesTests(Browser browser) : IClassFixture<Browser>, IAsyncLifetime
{
    private PagesHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await PagesHost.StartAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Theory]
    [InlineData("he-IL", "he", "rtl", "השובר שלך")]
    [InlineData("fa-IR", "fa", "rtl", "کوپن شما")]
    [InlineData("zh-CN", "zh-Hans", "ltr", "您的兑换券")]
    [InlineData("kk-KZ", "kk", "ltr", "Сіздің ваучеріңіз")]
    [InlineData("uz-UZ", "uz", "ltr", "Vaucheringiz")]
    public async Task CardPage_PhoneInTheLanguage_ReadsInItAndInItsDirection(string locale, string lang, string dir, string voucherHeading)
    {
        // Arrange: a card whose voucher is ready (three sales on a three-stamp program).
        var merchant = "cafe-" + lang.ToLowerInvariant();
        await _host.ProgramAndConnectorAsync(merchant, merchant + "-pos", goal: 3, redemptionPath: "RedeemCode");
        var card = await _host.NewCardAsync(merchant, "CARD-" + lang);
        await _host.SellAsync(merchant + "-pos", "CARD-" + lang, sales: 3);
        var (code, _) = await _host.VoucherCodeAsync(merchant, "CARD-" + lang);
        var page = await browser.NewPageAsync(_host.BaseAddress, phone: true, locale: locale);

        // Act
        await page.GotoAsync(card.Link);
        var htmlLang = await page.EvaluateAsync<string>("document.documentElement.lang");
        var htmlDir = await page.EvaluateAsync<string>("document.documentElement.dir");
        var computedDir = await page.EvaluateAsync<string>("getComputedStyle(document.querySelector('main')).direction");
        var main = await page.Locator("main").InnerTextAsync();
        await Browser.CheckAndSaveAsync(page, $"customer-card-{lang}");
        var qr = CodeReader.Read(await page.Locator(".qr").ScreenshotAsync(), BarcodeFormat.QR_CODE);

        // Assert
        Assert.Equal((lang, dir, dir), (htmlLang, htmlDir, computedDir));
        Assert.Contains(voucherHeading, main, StringComparison.Ordinal);
        Assert.Contains("A free bagel with cream cheese", main, StringComparison.Ordinal);
        Assert.Equal(code, qr);
    }
}
