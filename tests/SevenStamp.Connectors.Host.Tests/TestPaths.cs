using System.Text;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Host.Tests;

internal static class TestPaths
{
    /// <summary>The bundled plugins as the build laid them out beside the tests.</summary>
    public static string BundledPlugins => Path.Combine(AppContext.BaseDirectory, "plugins");

    public static string WebhookPlugin => Path.Combine(BundledPlugins, "SevenStamp.Connectors.Webhook");

    public static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
    }

    public static string Sign(string body, string secret) =>
        WebhookSignatures.ComputeHmacSha256(Encoding.UTF8.GetBytes(body), Encoding.UTF8.GetBytes(secret), SignatureEncoding.Hex);
}
