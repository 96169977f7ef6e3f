using System.Reflection;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>
/// The SDK version is written once (SevenStampSdkVersion): the manifests the build lays out beside the host name it,
/// and the sources they come from leave it out, so no hand-written number can drift.
/// </summary>
public sealed class PluginManifestVersionTests
{
    [Fact]
    public void BundledPluginManifests_Built_NameTheSdkTheyAreCompiledAgainst()
    {
        // Arrange
        var manifests = Directory.EnumerateFiles(TestPaths.BundledPlugins, ConnectorManifest.FileName, SearchOption.AllDirectories).ToList();

        // Act
        var versions = manifests.ToDictionary(f => f, f => ConnectorManifest.Parse(File.ReadAllText(f), f).SdkVersion);

        // Assert: every bundled plugin (and the test-only one laid out beside them) says this SDK's ABI version.
        Assert.True(manifests.Count >= 6, $"expected the bundled plugins' manifests under {TestPaths.BundledPlugins}, found {manifests.Count}");
        Assert.All(versions, v => Assert.Equal(SdkInfo.AbiVersion, v.Value));
    }

    [Fact]
    public void BundledPluginManifests_InTheRepository_LeaveTheSdkVersionToTheBuild()
    {
        // Arrange
        var repository = RepositoryRoot.Path;
        var sources = Directory.EnumerateFiles(Path.Combine(repository, "plugins"), ConnectorManifest.FileName, SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(repository, "tests", "plugins"), ConnectorManifest.FileName, SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();

        // Act
        var naming = sources.Where(f => File.ReadAllText(f).Contains("\"sdkVersion\"", StringComparison.Ordinal)).ToList();

        // Assert
        Assert.NotEmpty(sources);
        Assert.Empty(naming);
    }

    [Fact]
    public void SdkAssembly_Version_AgreesWithTheAbiVersion()
    {
        // Arrange
        var informational = typeof(SdkInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;

        // Act: the package version, without any "+commit" suffix.
        var packageVersion = Version.Parse(informational.Split('+')[0]);

        // Assert
        Assert.Equal(new Version(packageVersion.Major, packageVersion.Minor), SdkInfo.AbiVersion);
        Assert.Equal(packageVersion.Major, typeof(SdkInfo).Assembly.GetName().Version!.Major);
    }
}
