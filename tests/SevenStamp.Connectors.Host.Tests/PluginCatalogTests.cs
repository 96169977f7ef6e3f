using System.Runtime.Loader;
using Microsoft.Extensions.Logging.Abstractions;
using SevenStamp.Connectors.Host.Plugins;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Host.Tests;

public sealed class PluginCatalogTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("sevenstamp-plugins-");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void PluginCatalog_BundledPlugins_LoadFromDiskEachInItsOwnContext()
    {
        using var catalog = PluginCatalog.Load(TestPaths.BundledPlugins, NullLogger.Instance);

        Assert.Empty(catalog.Failures);
        // The bundled plugins, and the test-only ones (faulty, version probe) laid out beside them.
        Assert.Equal(["csv-drop", "faulty-test", "generic-webhook", "json-webhook", "pos-simulator", "square", "version-probe-test"], catalog.Plugins.Keys.Order(StringComparer.Ordinal));
        var contexts = catalog.Plugins.Values.Select(p => AssemblyLoadContext.GetLoadContext(p.Connector.GetType().Assembly)).ToList();
        Assert.DoesNotContain(AssemblyLoadContext.Default, contexts);
        Assert.Equal(catalog.Plugins.Count, contexts.Distinct().Count());
        // The SDK crosses the boundary as one shared assembly: the host's interface is the plugin's interface.
        Assert.All(catalog.Plugins.Values, p => Assert.Same(typeof(IPosConnector).Assembly, p.Connector.GetType().GetInterface(nameof(IPosConnector))!.Assembly));
    }

    [Fact]
    public void PluginCatalog_SecondRoot_AddsThirdPartyPluginsAndCannotShadowABundledOne()
    {
        var extra = _root.FullName;
        TestPaths.CopyDirectory(Path.Combine(TestPaths.BundledPlugins, "SevenStamp.Connectors.Simulator"), Path.Combine(extra, "SevenStamp.Connectors.Simulator"));
        var third = Path.Combine(extra, "ThirdParty");
        TestPaths.CopyDirectory(TestPaths.WebhookPlugin, third);
        File.Move(Path.Combine(third, "SevenStamp.Connectors.Webhook.dll"), Path.Combine(third, "ThirdParty.dll"));
        File.WriteAllText(Path.Combine(third, ConnectorManifest.FileName), File.ReadAllText(Path.Combine(third, ConnectorManifest.FileName)).Replace("\"generic-webhook\"", "\"third-party-webhook\"", StringComparison.Ordinal));

        using var catalog = PluginCatalog.Load([TestPaths.BundledPlugins, extra], NullLogger.Instance);

        Assert.Contains("third-party-webhook", catalog.Plugins.Keys);
        Assert.StartsWith(TestPaths.BundledPlugins, catalog.Plugins["pos-simulator"].Directory, StringComparison.Ordinal);
        var shadow = Assert.Single(catalog.Failures);
        Assert.Equal(("SevenStamp.Connectors.Simulator", "pos-simulator"), (shadow.Folder, shadow.PluginId));
        Assert.Contains("already has the id 'pos-simulator'", shadow.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void PluginCatalog_MissingPluginRoot_LoadsNothingAndDoesNotThrow()
    {
        using var catalog = PluginCatalog.Load(Path.Combine(_root.FullName, "absent"), NullLogger.Instance);

        Assert.Empty(catalog.Plugins);
        Assert.Empty(catalog.Failures);
    }

    [Fact]
    public void PluginCatalog_BrokenPlugins_AreQuarantinedOneByOneAndTheGoodOneStillLoads()
    {
        var root = _root.FullName;
        TestPaths.CopyDirectory(TestPaths.WebhookPlugin, Path.Combine(root, "SevenStamp.Connectors.Webhook"));

        AddPlugin("BadJson", "{ \"id\": ");
        AddPlugin("NoId", """{ "name": "X", "version": "1.0", "sdkVersion": "1.0" }""");
        AddPlugin("FutureSdk", """{ "id": "future", "name": "X", "version": "1.0", "sdkVersion": "2.0" }""");
        AddPlugin("NoAssembly", """{ "id": "no-assembly", "name": "X", "version": "1.0", "sdkVersion": "1.0" }""");
        Directory.CreateDirectory(Path.Combine(root, "NoManifest"));

        // Same plugin id as the good one, in another folder.
        var twin = Path.Combine(root, "Twin");
        TestPaths.CopyDirectory(TestPaths.WebhookPlugin, twin);
        File.Move(Path.Combine(twin, "SevenStamp.Connectors.Webhook.dll"), Path.Combine(twin, "Twin.dll"));

        // Not a .NET assembly at all.
        AddPlugin("Garbage", """{ "id": "garbage", "name": "X", "version": "1.0", "sdkVersion": "1.0" }""");
        File.WriteAllText(Path.Combine(root, "Garbage", "Garbage.dll"), "MZ not really");

        using var catalog = PluginCatalog.Load(root, NullLogger.Instance);

        Assert.Equal(["generic-webhook"], catalog.Plugins.Keys);
        var reasons = catalog.Failures.ToDictionary(f => f.Folder, f => f.Reason);
        Assert.Equal(["BadJson", "FutureSdk", "Garbage", "NoAssembly", "NoId", "NoManifest", "Twin"], reasons.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("is not valid JSON", reasons["BadJson"], StringComparison.Ordinal);
        Assert.Contains("field 'id' is missing", reasons["NoId"], StringComparison.Ordinal);
        Assert.Contains($"built against SDK 2.0, but this host runs SDK {SdkInfo.AbiVersion}", reasons["FutureSdk"], StringComparison.Ordinal);
        Assert.Contains("has no NoAssembly.dll", reasons["NoAssembly"], StringComparison.Ordinal);
        Assert.Contains("has no connector.json", reasons["NoManifest"], StringComparison.Ordinal);
        Assert.Contains("already has the id 'generic-webhook'", reasons["Twin"], StringComparison.Ordinal);
        Assert.Contains("failed to load", reasons["Garbage"], StringComparison.Ordinal);
    }

    [Fact]
    public void PluginCatalog_PluginFolderLinkedFromOutsideTheRoot_IsRefused()
    {
        var outside = Directory.CreateTempSubdirectory("sevenstamp-outside-");
        try
        {
            TestPaths.CopyDirectory(TestPaths.WebhookPlugin, Path.Combine(outside.FullName, "SevenStamp.Connectors.Webhook"));
            Directory.CreateSymbolicLink(Path.Combine(_root.FullName, "SevenStamp.Connectors.Webhook"), Path.Combine(outside.FullName, "SevenStamp.Connectors.Webhook"));

            using var catalog = PluginCatalog.Load(_root.FullName, NullLogger.Instance);

            Assert.Empty(catalog.Plugins);
            Assert.Contains("symbolic link", Assert.Single(catalog.Failures).Reason, StringComparison.Ordinal);
        }
        finally
        {
            outside.Delete(recursive: true);
        }
    }

    [Fact]
    public void PluginCatalog_LinkedAssemblyInsideARealFolder_IsRefused()
    {
        var folder = Path.Combine(_root.FullName, "SevenStamp.Connectors.Webhook");
        TestPaths.CopyDirectory(TestPaths.WebhookPlugin, folder);
        var dll = Path.Combine(folder, "SevenStamp.Connectors.Webhook.dll");
        var elsewhere = Path.Combine(_root.FullName, "..", $"{_root.Name}-elsewhere.dll");
        File.Move(dll, elsewhere);
        File.CreateSymbolicLink(dll, Path.GetFullPath(elsewhere));
        try
        {
            using var catalog = PluginCatalog.Load(_root.FullName, NullLogger.Instance);

            Assert.Empty(catalog.Plugins);
            Assert.Contains("symbolic link", Assert.Single(catalog.Failures).Reason, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(elsewhere);
        }
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("/etc")]
    [InlineData("")]
    public void PluginCatalog_PathThatLeavesTheRoot_IsRefused(string relative)
    {
        var path = relative.Length == 0 ? _root.FullName : Path.Combine(_root.FullName, relative);

        Assert.Throws<PluginRefusedException>(() => PluginCatalog.RequireInsideRoot(_root.FullName, path, null));
    }

    [Fact]
    public void PluginCatalog_PathMerelyStartingWithTheRootName_IsOutsideIt() =>
        Assert.Throws<PluginRefusedException>(() => PluginCatalog.RequireInsideRoot(_root.FullName, _root.FullName + "-evil/x", null));

    private void AddPlugin(string folder, string manifest)
    {
        var path = Path.Combine(_root.FullName, folder);
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, ConnectorManifest.FileName), manifest);
    }
}
