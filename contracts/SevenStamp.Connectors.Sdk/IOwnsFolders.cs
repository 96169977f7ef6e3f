namespace SevenStamp.Connectors.Sdk;

/// <summary>
/// Implemented by a connector whose instances work in folders on disk (an inbox, and folders it moves files into):
/// each instance must have them to itself, since two instances on one inbox race for every file and one's
/// processed folder read as another's inbox publishes every sale twice. The host compares the folders of all
/// instances, from the connector file and the management API alike, and refuses an instance whose folder another
/// already uses, naming the setting. Optional: a connector that owns no folders does not implement it.
/// </summary>
public interface IOwnsFolders
{
    /// <summary>
    /// The folders an instance with <paramref name="settings"/> (valid for the schema) works in, each with the setting
    /// it comes from, as absolute paths. The host compares them as full paths without trailing separators.
    /// </summary>
    IEnumerable<OwnedFolder> OwnedFolders(ConnectorSettings settings);
}

/// <summary>A folder a connector instance works in, and the setting that names it (e.g. <c>folder</c>).</summary>
public sealed record OwnedFolder(string Setting, string Path);
