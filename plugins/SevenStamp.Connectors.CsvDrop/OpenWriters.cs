using System.IO.Enumeration;

namespace SevenStamp.Connectors.CsvDrop;

/// <summary>
/// Finds files that a process on this machine holds open for writing, by reading <c>/proc/&lt;pid&gt;/fd</c> (Linux).
/// An advisory lock tells only of writers that take one (.NET does; Python, Java, shells and most POS exporters do
/// not), and a writer that pauses longer than the quiet period looks finished. This sees every writer whose
/// <c>/proc</c> entries the host may read: all of them when it runs as root, its own user's otherwise, and only in
/// its own PID namespace (a writer in another container, on another machine or behind a network share is not
/// seen: the growth check after the claim covers those). Each open file descriptor is compared by device and
/// inode, so a writer that opened the file under another path (a bind mount, a hard link) is found too.
/// Cost: one <c>statx</c> per open descriptor on the machine, paid once per scan and only while some file is
/// otherwise ready to be claimed.
/// </summary>
internal static class OpenWriters
{
    private const int AccessModeMask = 3;

    /// <summary>The files among <paramref name="files"/> that some visible process holds open for writing.</summary>
    public static HashSet<(ulong Device, ulong Inode)> Find(IReadOnlyCollection<FileStatus> files)
    {
        var wanted = files.Where(f => f.HasIdentity).Select(f => (f.Device, f.Inode)).ToHashSet();
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
                if (NativeFile.StatusOfTarget(fdFolder + "/" + fd) is { } target
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

    /// <summary>True when one file is held open for writing by a visible process.</summary>
    public static bool Holds(FileStatus file) => Find([file]).Count > 0;

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
