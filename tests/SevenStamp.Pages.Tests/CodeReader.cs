using SkiaSharp;
using ZXing;
using ZXing.Common;

namespace SevenStamp.Pages.Tests;

/// <summary>Reads QR codes and barcodes back from screenshots (PNG), as a scanner at the counter would: ZXing.Net on the pixels SkiaSharp decodes.</summary>
internal static class CodeReader
{
    /// <summary>The text of the one code of <paramref name="format"/> in the image, or null when none is found.</summary>
    public static string? Read(byte[] png, BarcodeFormat format)
    {
        using var bitmap = SKBitmap.Decode(png) ?? throw new InvalidOperationException("The screenshot is not an image SkiaSharp can read.");
        using var rgba = bitmap.ColorType == SKColorType.Rgba8888 ? bitmap.Copy() : bitmap.Copy(SKColorType.Rgba8888);
        var source = new RGBLuminanceSource(rgba.Bytes, rgba.Width, rgba.Height, RGBLuminanceSource.BitmapFormat.RGBA32);
        var reader = new BarcodeReaderGeneric
        {
            AutoRotate = false,
            Options = new DecodingOptions { PossibleFormats = [format], TryHarder = true },
        };
        return reader.Decode(source)?.Text;
    }
}
