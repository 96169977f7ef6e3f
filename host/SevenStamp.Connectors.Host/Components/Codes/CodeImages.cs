using QRCoder;
using ZXing;
using ZXing.Common;

namespace SevenStamp.Connectors.Host.Components.Codes;

/// <summary>
/// The codes people scan, drawn on the server by well-kept libraries: QR codes by QRCoder (SVG for pages, PNG for a
/// poster to print), Code 128 barcodes by ZXing.Net (SVG). Nothing here encodes by hand. The SVGs scale to their box
/// (a <c>viewBox</c>, no fixed size) and keep the quiet zone scanners need.
/// </summary>
public static class CodeImages
{
    /// <summary>The longest text a code is drawn for: a Redeem Code, a card id or a join link fit easily.</summary>
    public const int MaxContentLength = 512;

    /// <summary>A QR code of <paramref name="content"/> as SVG markup (black on white, error correction M, 4-module quiet zone).</summary>
    public static string QrSvg(string content)
    {
        Check(content);
        using var data = QRCodeGenerator.GenerateQrCode(content, QRCodeGenerator.ECCLevel.M);
        using var svg = new SvgQRCode(data);
        return svg.GetGraphic(8, "#000000", "#ffffff", drawQuietZones: true, sizingMode: SvgQRCode.SizingMode.ViewBoxAttribute);
    }

    /// <summary>
    /// A QR code of <paramref name="content"/> as a PNG image, <paramref name="pixelsPerModule"/> pixels a module: a
    /// two-colour palette image (black on white), which PDF writers (the join poster's PDFsharp) take as it is.
    /// </summary>
    public static byte[] QrPng(string content, int pixelsPerModule = 20)
    {
        Check(content);
        ArgumentOutOfRangeException.ThrowIfLessThan(pixelsPerModule, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pixelsPerModule, 64);
        using var data = QRCodeGenerator.GenerateQrCode(content, QRCodeGenerator.ECCLevel.M);
        using var png = new PngByteQRCode(data);
        return png.GetGraphic(pixelsPerModule, [0, 0, 0, 255], [255, 255, 255, 255]);
    }

    /// <summary>
    /// A Code 128 barcode of <paramref name="content"/> as SVG markup, with a quiet zone of ten modules each side and no
    /// human-readable line (the page prints the code as text beside it). Code 128 takes printable ASCII only.
    /// </summary>
    public static string Code128Svg(string content)
    {
        Check(content);
        if (!IsCode128(content))
        {
            throw new ArgumentException("Code 128 takes printable ASCII characters only.", nameof(content));
        }

        var writer = new BarcodeWriterSvg
        {
            Format = BarcodeFormat.CODE_128,
            Options = new EncodingOptions { Height = 80, Width = 0, Margin = 10, PureBarcode = true },
        };
        var svg = writer.Write(content).Content;
        return ScaleToBox(svg);
    }

    /// <summary>Whether <paramref name="content"/> can be drawn as Code 128 (printable ASCII).</summary>
    public static bool IsCode128(string content) =>
        !string.IsNullOrEmpty(content) && content.Length <= 80 && content.All(c => c is >= ' ' and <= '~');

    private static void Check(string content)
    {
        ArgumentException.ThrowIfNullOrEmpty(content);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(content.Length, MaxContentLength, nameof(content));
    }

    /// <summary>
    /// ZXing writes the SVG with a <c>viewBox</c> of one unit a module and draws it with crisp edges. The page sizes the
    /// barcode, usually by a fraction: crisp bars then round to whole pixels unevenly and no longer read. So the bars are
    /// drawn smooth, and the barcode stretches to fill its box (a wider or taller barcode reads the same).
    /// </summary>
    private static string ScaleToBox(string svg)
    {
        var start = svg.IndexOf("<svg", StringComparison.Ordinal);
        var end = start < 0 ? -1 : svg.IndexOf('>', start);
        if (start < 0 || end < 0 || !svg[start..end].Contains(" viewBox=\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("ZXing.Net returned no SVG element with a viewBox.");
        }

        var root = svg[start..end].Replace(" shape-rendering=\"crispEdges\"", string.Empty, StringComparison.Ordinal);
        return root + " preserveAspectRatio=\"none\"" + svg[end..];
    }
}
