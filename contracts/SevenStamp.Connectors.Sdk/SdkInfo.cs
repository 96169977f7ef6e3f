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
    /// </summary>
    public static Version AbiVersion { get; } = new(1, 2);

    /// <summary>True when a plugin built against <paramref name="pluginSdkVersion"/> can run on this SDK.</summary>
    public static bool IsCompatible(Version pluginSdkVersion)
    {
        ArgumentNullException.ThrowIfNull(pluginSdkVersion);
        return pluginSdkVersion.Major == AbiVersion.Major && pluginSdkVersion.Minor <= AbiVersion.Minor;
    }
}
