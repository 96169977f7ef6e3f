using SevenStamp.Contracts;

namespace SevenStamp.Connectors.TestKit.Compliance;

/// <summary>
/// What the file-drop compliance suite needs to know that it cannot read from the connector itself: a documented
/// export, the sale it must become, the settings that name the inbox and the quarantine, and how the file size
/// limit is set. The suite makes the inbox (a temp folder), drops files into it as a careful POS does (written
/// elsewhere, then moved in) and lets the connector's own loop handle them.
/// </summary>
public sealed record FileDropSample
{
    /// <summary>The name a POS would give the export (its extension is used for the suite's other files).</summary>
    public required string FileName { get; init; }

    /// <summary>The bytes of a valid export holding one sale, as the POS writes it.</summary>
    public required byte[] Content { get; init; }

    /// <summary>The sale <see cref="Content"/> must be mapped to (merchant and connector ids of <see cref="ConnectorHarness"/>).</summary>
    public required SaleCompleted ExpectedSale { get; init; }

    /// <summary>The largest file the connector reads with <see cref="FileSizeLimitSetting"/> set to <see cref="FileSizeLimitValue"/>.</summary>
    public required long FileSizeLimitBytes { get; init; }

    /// <summary>The setting that limits the size of a file read.</summary>
    public required string FileSizeLimitSetting { get; init; }

    /// <summary>The value of <see cref="FileSizeLimitSetting"/> that makes the limit <see cref="FileSizeLimitBytes"/>.</summary>
    public required string FileSizeLimitValue { get; init; }

    /// <summary>The setting that names the inbox; the suite sets it to a temp folder.</summary>
    public string InboxSetting { get; init; } = "folder";

    /// <summary>
    /// The setting whose folder (as the connector reports it through <see cref="Sdk.IOwnsFolders"/>) holds quarantined
    /// files.
    /// </summary>
    public string QuarantineSetting { get; init; } = "quarantineFolder";

    /// <summary>Settings given on top of the generated ones (a short poll interval, a column mapping).</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>Files this connector cannot read besides the suite's own (an export in another encoding, without its columns).</summary>
    public IReadOnlyList<(string Name, byte[] Content)> MoreMalformedFiles { get; init; } = [];
}
