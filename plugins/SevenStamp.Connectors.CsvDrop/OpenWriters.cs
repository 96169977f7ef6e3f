using System.IO.Enumeration;

namespace SevenStamp.Connectors.CsvDrop;

/// <summary>
/// Finds files that a process on this machine holds open for writing, by reading <c>/proc/&lt;pid&gt;/fd</c> (Linux).
/// An advisory lock tells only of writers that take one (.NET does; Python, Java, shells and most POS exporters do
/// not), and a writer that pauses longer than the quiet period looks finished. This sees every writer whose
/// <c>/proc</c> entries the host may read: all of them when it runs as root, its own user's otherwise, and only in
/// its own PID namespace (a writer in another container, on another machine or behind a network share is not
/// seen: the growth check after the claim covers those). Each open file descriptor is compared by device and
/// inode (after a cheap match on the file's name), so a writer that opened it under another folder's path (a bind
/// mount) is found too.
/// Cost: one <c>readlink</c> per open descriptor on the machine, paid once per scan and only while some file is
/// otherwise ready to be claimed.
/// </summary>
internal static class OpenWriters
{
    private const int AccessModeMask = 3;

    /// <summary>
    /// The files among <paramref name="files"/> (by name and status) that some visible process holds open for writing.
    /// A descriptor is looked at only when its link text (<c>readlink</c>, which touches no file system) ends in one of
    /// the names; only then is its target's status read, so a hung network mount elsewhere cannot stall the scan.
    /// </summary>
    public static HashSet<(ulong Device, ulong Inode)> Find(IReadOnlyCollection<(string Name, FileStatus Status)> files)
    {
        var wanted = files.Where(f => f.Status.HasIdentity).Select(f => (f.Status.Device, f.Status.Inode)).ToHashSet();
        var names = files.Select(f => "/" + f.Name).ToList();
        var held = new HashSet<(ulong, ulong)>();
        if (wanted.Count == 0 || !NativeFile.IsAvailable || !Directory.Exists("/proc/self/fd"))
        {
            return held;
        }

        foreach (var process in Entries("/proc").Where(name => name.Length > 0 && name.All(char.IsAsciiDigit)))
        {
            var fdFolder = "/proc/" + process + "/fd";
            foreach (var fd in Entries(fdFolder))
            {
                var link = fdFolder + "/" + fd;
                if (LinkText(link) is { } text
                    && names.Any(n => text.EndsWith(n, StringComparison.Ordinal))
                    && NativeFile.StatusOfTarget(link) is { } target
                    && wanted.Contains((target.Device, target.Inode))
                    && IsOpenForWriting("/proc/" + process + "/fdinfo/" + fd))
                {
                    held.Add((target.Device, target.Inode));
                }
            }

            if (held.Count == wanted.Count)
            {
                break;
            }
        }

        return held;
    }

    private static string? LinkText(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The names in a folder, without asking the file system anything about each (no stat of every link).</summary>
    private static List<string> Entries(string folder)
    {
        try
        {
            var options = new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = true, RecurseSubdirectories = false };
            return [.. new FileSystemEnumerable<string>(folder, (ref entry) => entry.FileName.ToString(), options)];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The process ended, or belongs to a user whose descriptors this host may not read.
            return [];
        }
    }

    /// <summary>Reads the <c>flags:</c> line (octal) of a descriptor's fdinfo: open for writing when O_WRONLY or O_RDWR.</summary>
    private static bool IsOpenForWriting(string fdInfo)
    {
        try
        {
            foreach (var line in File.ReadLines(fdInfo))
            {
                if (line.StartsWith("flags:", StringComparison.Ordinal))
                {
                    var octal = line["flags:".Length..].Trim();
                    var flags = 0L;
                    foreach (var digit in octal)
                    {
                        flags = (flags * 8) + (digit - '0');
                    }

                    return (flags & AccessModeMask) != 0;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Closed meanwhile: not a writer any more.
        }

        return false;
    }
}
