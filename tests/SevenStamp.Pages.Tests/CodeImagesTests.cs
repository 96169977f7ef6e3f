using SevenStamp.Connectors.Host.Components.Codes;
using ZXing;

namespace SevenStamp.Pages.Tests;

/// <summary>The codes the pages draw, drawn in a real browser and read back from a screenshot as a scanner would.</summary>
public sealed class CodeImagesTests(Browser browser) : IClassFixture<Browser>
{
    [Theory]
    [InlineData("CAFE-7K2M9QXD")]
    [InlineData("https://loyalty.example.com/join/corner-cafe")]
    public async Task QrSvg_DrawnInTheBrowser_ReadsBackAsTheContent(string content)
    {
        var read = await DrawAndReadAsync(CodeImages.QrSvg(content), width: 300, height: 300, BarcodeFormat.QR_CODE);

        Assert.Equal(content, read);
    }

    [Theory]
    [InlineData("CAFE-7K2M9QXD")]
    [InlineData("summer 10% off")]
    public async Task Code128Svg_DrawnInTheBrowser_ReadsBackAsTheContent(string content)
    {
        var read = await DrawAndReadAsync(CodeImages.Code128Svg(content), width: 330, height: 90, BarcodeFormat.CODE_128);

        Assert.Equal(content, read);
    }

    [Fact]
    public void QrPng_Drawn_ReadsBackAsTheContent()
    {
        var png = CodeImages.QrPng("https://loyalty.example.com/join/corner-cafe", pixelsPerModule: 8);

        Assert.Equal("https://loyalty.example.com/join/corner-cafe", CodeReader.Read(png, BarcodeFormat.QR_CODE));
    }

    [Theory]
    [InlineData("café")]
    [InlineData("line\nbreak")]
    public void Code128Svg_NotPrintableAscii_Throws(string content) =>
        Assert.Throws<ArgumentException>(() => CodeImages.Code128Svg(content));

    private async Task<string?> DrawAndReadAsync(string svg, int width, int height, BarcodeFormat format)
    {
        var page = await browser.NewPageAsync(new Uri("http://127.0.0.1/"));
        try
        {
            await page.SetContentAsync($"<!DOCTYPE html><html><body style=\"margin:20px;background:#fff\"><div id=\"code\" style=\"width:{width}px;height:{height}px\">{svg}</div><style>#code svg{{width:100%;height:100%;display:block}}</style></body></html>");
            var png = await page.Locator("#code").ScreenshotAsync();
            return CodeReader.Read(png, format);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }
}
