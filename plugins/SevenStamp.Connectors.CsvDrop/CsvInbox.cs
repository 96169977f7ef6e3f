using SevenStamp.Connectors.Sdk;
using static SevenStamp.Connectors.CsvDrop.CsvDropLog;

namespace SevenStamp.Connectors.CsvDrop;

/// <summary>
/// Which exports in the inbox are complete: the names a writer uses while a file is incomplete are never exports, and
/// a file is ready only once its size and time stayed unchanged for the quiet period and no writer holds a lock on it.
/// (Writers that take no lock are found by <see cref="OpenWriters"/>, for all ready files of a scan at once.)
/// </summary>
internal sealed class CsvInbox(ConnectorContext context, CsvDropSettings settings)
{
    private static readonly string[] IgnoredSuffixes = [".part", ".partial", ".tmp", ".temp", ".crdownload", ".filepart", "~"];

    private readonly Dictionary<string, Sighting> _sightings = new(StringComparer.Ordinal);

    /// <summary>Names a writer uses while a file is incomplete (<c>.part</c>, <c>.tmp</c>, hidden files) are never exports.</summary>
    public static bool IsExportName(string name) =>
        name.Length > 0 && name[0] != '.' && !IgnoredSuffixes.Any(s => name.EndsWith(s, StringComparison.OrdinalIgnoreCase));

    /// <summary>The inbox's exports matching the file pattern, in name order; folders, hidden and system entries left out.</summary>
    public IEnumerable<string> Candidates()
    {
        var options = new EnumerationOptions
        {
            MatchType = MatchType.Simple,
            MatchCasing = MatchCasing.CaseInsensitive,
            RecurseSubdirectories = false,
            IgnoreInaccessible = true,
            AttributesToSkip = FileAttributes.Hidden | FileAttributes.System | FileAttributes.Directory,
        };
        return Directory.EnumerateFiles(settings.Folder, settings.FilePattern, options)
            .Where(path => IsExportName(Path.GetFileName(path)))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>True once the file's length and time have stayed the same for the quiet period.</summary>
    public bool IsQuiet(string path, FileStatus status)
    {
        var now = context.TimeProvider.GetUtcNow();
        if (_sightings.TryGetValue(path, out var seen) && seen.Length == status.Length && seen.LastWrite == status.LastWriteUtc)
        {
            return now - seen.Since >= settings.QuietPeriod;
        }

        _sightings[path] = new Sighting(status.Length, status.LastWriteUtc, now);
        return settings.QuietPeriod <= TimeSpan.Zero;
    }

    /// <summary>Forgets what was seen of a file that left the inbox (claimed, or not a regular file).</summary>
    public void Forget(string path) => _sightings.Remove(path);

    /// <summary>Forgets the files that are no longer in the inbox.</summary>
    public void ForgetAllBut(IReadOnlySet<string> present)
    {
        foreach (var gone in _sightings.Keys.Where(k => !present.Contains(k)).ToList())
        {
            _sightings.Remove(gone);
        }
    }

    /// <summary>
    /// False while another process holds a lock on the file (a .NET writer does). The probe opens without blocking
    /// and without following the file's content anywhere: it reads nothing.
    /// </summary>
    public bool IsFree(string path)
    {
        try
        {
            if (!NativeFile.IsAvailable)
            {
                using (new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None, 1))
                {
                }

                return true;
            }

            using var handle = NativeFile.OpenForReading(path);
            if (NativeFile.TryLockExclusive(handle))
            {
                return true;
            }

            LogStillWritten(context.Logger, context.ConnectorId, Clean(Path.GetFileName(path)));
            return false;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (IOException)
        {
            LogStillWritten(context.Logger, context.ConnectorId, Clean(Path.GetFileName(path)));
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            LogNoAccess(context.Logger, context.ConnectorId, Clean(Path.GetFileName(path)));
            return false;
        }
    }

    private sealed record Sighting(long Length, DateTime LastWrite, DateTimeOffset Since);
}
