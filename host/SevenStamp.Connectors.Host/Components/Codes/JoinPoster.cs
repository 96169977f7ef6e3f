using PdfSharp.Drawing;
using PdfSharp.Drawing.Layout;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace SevenStamp.Connectors.Host.Components.Codes;

/// <summary>What the join poster says: the shop, its program, the reward sentence, the call to scan, and the join URL.</summary>
public sealed record PosterText(string MerchantName, string ProgramName, string RewardSentence, string ScanLine, string NoAppLine, string JoinUrl);

/// <summary>
/// The merchant's join poster: the QR code (<see cref="CodeImages"/>) of the absolute join URL, and an A4 PDF to print
/// with the shop's name, the reward sentence, the big QR code and the URL in text (PDFsharp). The PDF's text is drawn
/// in DejaVu Sans, shipped inside the host (its licence beside the font file), so the poster is the same on any
/// machine and in the Docker image, which has no fonts of its own.
/// </summary>
public static class JoinPoster
{
    /// <summary>The font family every text of the poster is drawn in.</summary>
    public const string FontFamily = PosterFonts.Family;

    private static readonly Lock FontsLock = new();

    /// <summary>
    /// The join page's absolute URL for the merchant, as the request that asks reached this host (its scheme and host:
    /// behind a reverse proxy, those it forwards when forwarded headers are enabled), as the webhook URL is built.
    /// </summary>
    public static string JoinUrl(HttpRequest request, string merchantId)
    {
        ArgumentNullException.ThrowIfNull(request);
        return $"{request.Scheme}://{request.Host}{request.PathBase}/join/{Uri.EscapeDataString(merchantId)}";
    }

    /// <summary>The A4 poster as a PDF: title, program, reward sentence, the QR code, the call to scan and the URL; the QR code is also a link.</summary>
    public static byte[] Pdf(PosterText text)
    {
        ArgumentNullException.ThrowIfNull(text);
        UsePosterFonts();

        using var document = new PdfDocument();
        document.Info.Title = text.MerchantName;
        document.Info.Subject = text.RewardSentence;
        document.Info.Creator = "SevenStamp";
        var page = document.AddPage();
        page.Size = PdfSharp.PageSize.A4;
        var width = page.Width.Point;
        var height = page.Height.Point;
        const double margin = 48;
        var column = width - (2 * margin);

        using (var graphics = XGraphics.FromPdfPage(page))
        {
            var ink = new XSolidBrush(XColor.FromArgb(0x1c, 0x1f, 0x24));
            var soft = new XSolidBrush(XColor.FromArgb(0x4a, 0x52, 0x60));
            var brand = new XSolidBrush(XColor.FromArgb(0x0b, 0x5c, 0xad));
            var layout = new XTextFormatter(graphics) { Alignment = XParagraphAlignment.Center };

            // A band of the brand's colour across the top, the shop's name on it.
            graphics.DrawRectangle(brand, 0, 0, width, 118);
            layout.DrawString(text.MerchantName, Fit(graphics, text.MerchantName, 30, XFontStyleEx.Bold, column, 76), XBrushes.White, new XRect(margin, 30, column, 76), XStringFormats.TopLeft);

            layout.DrawString(text.ProgramName, Fit(graphics, text.ProgramName, 20, XFontStyleEx.Regular, column, 30), soft, new XRect(margin, 140, column, 30), XStringFormats.TopLeft);
            layout.DrawString(text.RewardSentence, Fit(graphics, text.RewardSentence, 26, XFontStyleEx.Bold, column, 76), ink, new XRect(margin, 176, column, 76), XStringFormats.TopLeft);

            // The QR code, large enough to scan from a couple of metres; drawn from the PNG with hard module edges.
            const double qrSize = 330;
            var qrLeft = (width - qrSize) / 2;
            const double qrTop = 262;
            using (var png = new MemoryStream(CodeImages.QrPng(text.JoinUrl, 16)))
            {
                var image = XImage.FromStream(png);
                image.Interpolate = false;
                graphics.DrawImage(image, qrLeft, qrTop, qrSize, qrSize);
            }

            layout.DrawString(text.ScanLine, new XFont(FontFamily, 22, XFontStyleEx.Bold), brand, new XRect(margin, qrTop + qrSize + 18, column, 32), XStringFormats.TopLeft);
            layout.DrawString(text.NoAppLine, new XFont(FontFamily, 15), ink, new XRect(margin, qrTop + qrSize + 56, column, 44), XStringFormats.TopLeft);
            layout.DrawString(text.JoinUrl, Fit(graphics, text.JoinUrl, 13, XFontStyleEx.Regular, column, 40), soft, new XRect(margin, height - 92, column, 44), XStringFormats.TopLeft);

            // A PDF's own coordinates start at the bottom left.
            page.AddWebLink(new PdfRectangle(new XRect(qrLeft, height - qrTop - qrSize, qrSize, qrSize)), text.JoinUrl);
        }

        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return output.ToArray();
    }

    /// <summary>
    /// The font for <paramref name="text"/> at <paramref name="size"/> points, smaller (down to a third, at least 8) as
    /// long as its lines would not fit a box of <paramref name="width"/> × <paramref name="height"/>: a long shop name or
    /// reward wraps onto more lines instead of running into the QR code.
    /// </summary>
    private static XFont Fit(XGraphics graphics, string text, double size, XFontStyleEx style, double width, double height)
    {
        var smallest = Math.Max(8, size / 3);
        for (var points = size; ; points -= 1)
        {
            var font = new XFont(FontFamily, points, style);
            var lineHeight = font.GetHeight();
            var lines = Math.Max(1, Math.Floor(height / lineHeight));

            // Words break lines unevenly: a sixth of each line is kept spare.
            if (points <= smallest || graphics.MeasureString(text, font).Width <= width * lines * 5 / 6)
            {
                return font;
            }
        }
    }

    /// <summary>PDFsharp's fonts are set once per process, before its first text.</summary>
    private static void UsePosterFonts()
    {
        lock (FontsLock)
        {
            if (GlobalFontSettings.FontResolver is not PosterFonts)
            {
                GlobalFontSettings.FontResolver = new PosterFonts();
            }
        }
    }

    /// <summary>Every family and style PDFsharp asks for resolves to DejaVu Sans, from the host's assembly; bold and italic are simulated.</summary>
    private sealed class PosterFonts : IFontResolver
    {
        public const string Family = "DejaVu Sans";
        private const string Face = "DejaVuSans";
        private const string Resource = "SevenStamp.Fonts.DejaVuSans.ttf";

        private static readonly Lazy<byte[]> Font = new(() =>
        {
            using var stream = typeof(JoinPoster).Assembly.GetManifestResourceStream(Resource)
                ?? throw new InvalidOperationException($"The poster's font ({Resource}) is missing from the host's assembly: the build must embed Components/Codes/Fonts/DejaVuSans.ttf.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        });

        public FontResolverInfo ResolveTypeface(string familyName, bool bold, bool italic) => new(Face, bold, italic);

        public byte[]? GetFont(string faceName) => faceName == Face ? Font.Value : null;
    }
}
