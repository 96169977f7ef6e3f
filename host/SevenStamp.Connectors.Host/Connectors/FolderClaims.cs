using SevenStamp.Connectors.Host.Plugins;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.Host.Connectors;

/// <summary>
/// The folders connector instances work in (<see cref="IOwnsFolders"/>), compared across instances so that a second
/// one on a folder another already uses is refused, in the connector file and the management API alike. Paths are
/// compared in full (<c>./in</c>, <c>/data/in/</c> and <c>/data//in</c> are one folder), case-sensitively where the
/// file system is (Linux).
/// </summary>
internal static class FolderClaims
{
    private static readonly StringComparer PathComparer = OperatingSystem.IsLinux() ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase;

    /// <summary>The folders of an instance of <paramref name="plugin"/> with <paramref name="settings"/>; none when its settings are not valid yet.</summary>
    public static IReadOnlyList<OwnedFolder> Of(LoadedPlugin? plugin, IReadOnlyDictionary<string, string?> settings)
    {
        if (plugin?.Connector is not IOwnsFolders owner)
        {
            return [];
        }

        try
        {
            var typed = plugin.Connector.SettingsDefinition.Validate(settings).Settings;
            return typed is null ? [] : [.. owner.OwnedFolders(typed).Select(f => f with { Path = Normalize(f.Path) })];
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            // A path the plugin's own validation refuses; it names that problem itself.
            return [];
        }
    }

    /// <summary>
    /// The first folder of <paramref name="mine"/> that one of <paramref name="others"/> (id, folders) uses too, as an
    /// error on the setting that names it; null when none is shared.
    /// </summary>
    public static SettingError? Conflict(IReadOnlyList<OwnedFolder> mine, IEnumerable<(string Id, IReadOnlyList<OwnedFolder> Folders)> others)
    {
        if (mine.Count == 0)
        {
            return null;
        }

        foreach (var (id, folders) in others)
        {
            foreach (var folder in mine)
            {
                if (folders.FirstOrDefault(f => PathComparer.Equals(f.Path, folder.Path)) is { } taken)
                {
                    return new SettingError(folder.Setting, $"uses the folder {folder.Path}, which connector '{id}' already uses (its '{taken.Setting}'); two connectors on one folder take each other's files. Give this one a folder of its own");
                }
            }
        }

        return null;
    }

    private static string Normalize(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full) ?? string.Empty;
        return full.Length > root.Length ? full.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) : full;
    }
}
