using System.Reflection;

namespace SevenStamp.Connectors.Sdk;

/// <summary>Version information about the SDK the host runs.</summary>
public static class SdkInfo
{
    /// <summary>
    /// The plugin ABI version. The major number changes when a plugin built against an older SDK can no
    /// longer run; the minor number when the SDK gains members. A plugin built against <c>M.n</c> loads in a
    /// host whose SDK is <c>M.m</c> with <c>m ≥ n</c>.
    /// 1.1 added <see cref="IConnectorStore"/> (<see cref="ConnectorContext.Store"/>).
    /// 1.2 added <see cref="CheckoutText"/>, <see cref="CheckoutRecordRejectedException"/>, setting length caps
    /// (<see cref="SettingDefinition.MaxLength"/>), <see cref="IOwnsFolders"/> and the records' <c>SourceSystem</c>.
    /// 1.3 added <see cref="IConnectorStore.AdvanceOffsetAsync"/> (an offset that only moves forward).
    /// The number is not written here: the build stamps it from <c>SevenStampSdkVersion</c>
    /// (<c>build/SevenStamp.Connectors.Sdk.props</c>), the version of the SDK package, whose major.minor it is.
    /// </summary>
    public static Version AbiVersion { get; } = ReadAbiVersion();

    /// <summary>True when a plugin built against <paramref name="pluginSdkVersion"/> can run on this SDK.</summary>
    public static bool IsCompatible(Version pluginSdkVersion)
    {
        ArgumentNullException.ThrowIfNull(pluginSdkVersion);
        return pluginSdkVersion.Major == AbiVersion.Major && pluginSdkVersion.Minor <= AbiVersion.Minor;
    }

    private static Version ReadAbiVersion()
    {
        var stamped = typeof(SdkInfo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => string.Equals(a.Key, "SevenStampSdkAbiVersion", StringComparison.Ordinal))?.Value;
        return Version.TryParse(stamped, out var version)
            ? version
            : throw new InvalidOperationException("The SDK assembly carries no SevenStampSdkAbiVersion metadata; it was not built with build/SevenStamp.Connectors.Sdk.props.");
    }
}
