using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;
using SevenStamp.Connectors.Sdk;
using static SevenStamp.Connectors.CsvDrop.CsvDropLog;

namespace SevenStamp.Connectors.CsvDrop;

/// <summary>
/// A file's way through the connector's folders: claimed from the inbox by an atomic rename into <c>processing/</c> (so
/// of several hosts watching one shared folder exactly one gets it), kept fresh while it is read, returned to the
/// inbox when its host stopped (a stale claim) or it must be tried again, and moved on to <c>processed/</c> or to
/// <c>quarantine/</c> with its reason. Links, named pipes and devices are quarantined without being opened, and a
/// claimed file is read only through a handle checked to be the one regular, singly-named file the claim holds.
/// Nothing is ever overwritten, and the connector's own folders inside the inbox must be real folders, not links.
/// </summary>
internal sealed class FileClaims(ConnectorContext context, CsvDropSettings settings)
{
    /// <summary>Where a file's error report is written while it is read, before it moves beside the processed file.</summary>
    public string ReportsFolder => Path.Combine(settings.ProcessingFolder, "reports");

    /// <summary>
    /// Creates the folders the connector writes to, and refuses to go on while one of them that lies inside the inbox
    /// (or a folder on the way to it) is a link: anyone who can write to the inbox could otherwise point
    /// <c>processing/</c> at another folder, and the connector would move that folder's files into the inbox and
    /// publish them, or write reports and reasons into it. Folders configured outside the inbox are the operator's.
    /// </summary>
    public void EnsureOwnFolders()
    {
        foreach (var folder in new[] { settings.ProcessingFolder, ReportsFolder, settings.ProcessedFolder, settings.QuarantineFolder })
        {
            CheckRealFolders(folder, mustExist: false);
            Directory.CreateDirectory(folder);
            CheckRealFolders(folder, mustExist: true);
        }
    }

    /// <summary>Creates the reports folder for a file's first bad row, and checks it is a real folder (see <see cref="EnsureOwnFolders"/>).</summary>
    public void EnsureReportsFolder()
    {
        Directory.CreateDirectory(ReportsFolder);
        CheckRealFolders(ReportsFolder, mustExist: true);
    }

    /// <summary>Claims a file by renaming it into processing/ (atomic; fails when another host got it first). Null when not claimed.</summary>
    public string? TryClaim(string path, string name)
    {
        var claimed = Path.Combine(settings.ProcessingFolder, name);
        try
        {
            File.Move(path, claimed, overwrite: false);
            return claimed;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Another host claimed it first, or a file of that name is still being processed: try again later.
            return null;
        }
    }

    /// <summary>
    /// A claim whose file has not been touched for the claim timeout belongs to a host that stopped: back to the
    /// inbox. The time read is the entry's own (a link's target is never looked at).
    /// </summary>
    public void ReturnStaleClaims()
    {
        var now = context.TimeProvider.GetUtcNow().UtcDateTime;
        foreach (var path in Directory.EnumerateFiles(settings.ProcessingFolder))
        {
            if (NativeFile.StatusOfEntry(path) is not { Kind: not FileKind.Directory } status || now - status.LastWriteUtc < settings.ClaimTimeout)
            {
                continue;
            }

            var name = Path.GetFileName(path);
            try
            {
                File.Move(path, Path.Combine(settings.Folder, name), overwrite: false);
                LogStaleClaim(context.Logger, context.ConnectorId, Clean(name), settings.ClaimTimeout);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Another host returned it first, or the inbox has a new file of that name: left for a later pass.
            }
        }
    }

    /// <summary>A link, named pipe or device in the inbox: claimed (so one host handles it) and quarantined, never opened.</summary>
    public void QuarantineUnopened(string path, FileKind kind)
    {
        var name = Path.GetFileName(path);
        if (TryClaim(path, name) is { } claimed)
        {
            Quarantine(claimed, name, NotARegularFile(kind), publishedThrough: 0);
        }
    }

    /// <summary>
    /// Opens a claimed file and checks that the handle reads exactly the file the claim holds: a regular file with one
    /// name, not a link (.NET cannot open without following one, so the handle is checked after the open: a link
    /// swapped in between any check and the open is caught here too). Throws <see cref="CsvFileException"/> with the
    /// reason to quarantine it, or <see cref="FileNotFoundException"/> when it is gone (another host took it back).
    /// </summary>
    public static SafeFileHandle OpenClaimed(string path)
    {
        var handle = NativeFile.OpenForReading(path);
        try
        {
            CheckClaimedFile(handle, path);
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Checks that <paramref name="handle"/> reads the regular, singly-named file that <paramref name="path"/> names now.</summary>
    internal static void CheckClaimedFile(SafeFileHandle handle, string path)
    {
        var entry = NativeFile.StatusOfEntry(path) ?? throw new FileNotFoundException("The claimed file is gone.", Path.GetFileName(path));
        var opened = NativeFile.StatusOf(handle);
        if (entry.Kind != FileKind.Regular || opened.Kind != FileKind.Regular)
        {
            throw new CsvFileException(NotARegularFile(entry.Kind == FileKind.Regular ? opened.Kind : entry.Kind));
        }

        if (!opened.IsSameFile(entry))
        {
            throw new CsvFileException("the file was replaced by another while it was being opened, so nothing was read; drop the export again");
        }

        if (opened.LinkCount > 1)
        {
            throw new CsvFileException($"the file has {opened.LinkCount} names (hard links), so it also lives outside the inbox; the connector reads only files whose one name is in the inbox, so nothing was read. Copy the export into the inbox instead of linking it");
        }
    }

    /// <summary>
    /// Refreshes a claim's time through its handle (a path could lead somewhere else by now). Best effort, as the
    /// heartbeat: only the file's owner may set its time, and a file the POS's user owns is still read.
    /// </summary>
    public static void Touch(SafeFileHandle handle, string path, DateTime utc)
    {
        try
        {
            if (NativeFile.IsAvailable)
            {
                File.SetLastWriteTimeUtc(handle, utc);
            }
            else
            {
                File.SetLastWriteTimeUtc(path, utc);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not the owner, or moved on: the claim's time stays as the writer left it.
        }
    }

    /// <summary>Moves a finished file to processed/, its error report (when there is one) beside it; returns where it went.</summary>
    public string MoveToProcessed(string claimed, string name, string sha256Hex, string? report)
    {
        var target = MoveUnique(claimed, settings.ProcessedFolder, name, sha256Hex, ".errors.csv");
        if (report is not null && File.Exists(report))
        {
            File.Move(report, target + ".errors.csv", overwrite: true);
        }

        return target;
    }

    /// <summary>
    /// Moves a file to quarantine with a <c>.reason.txt</c> beside it. <paramref name="publishedThrough"/> is the last
    /// line handled when some rows were published before the file failed (a file that grew), else 0.
    /// </summary>
    public void Quarantine(string claimed, string name, string reason, int publishedThrough)
    {
        try
        {
            var target = MoveUnique(claimed, settings.QuarantineFolder, name, Guid.NewGuid().ToString("N"), ".reason.txt");
            var text = publishedThrough > 0
                ? $"{name} was published up to line {publishedThrough.ToString(CultureInfo.InvariantCulture)}; the rest could not be read and was not published: {reason}{Environment.NewLine}"
                : $"{name} could not be read and was not published: {reason}{Environment.NewLine}";

            // A new file of our own (CreateNew): a link planted under the reason's name is never followed.
            using (var stream = new FileStream(target + ".reason.txt", FileMode.CreateNew, FileAccess.Write, FileShare.Read))
            using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
            {
                writer.Write(text);
            }

            LogQuarantined(context.Logger, context.ConnectorId, Clean(name), Clean(reason));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogMoveFailed(context.Logger, context.ConnectorId, Clean(name), "quarantine", SafeReason(ex));
        }
    }

    /// <summary>Gives a claimed file back to the inbox, to be tried again by whichever host claims it next.</summary>
    public void ReturnToInbox(string claimed, string name)
    {
        try
        {
            File.Move(claimed, Path.Combine(settings.Folder, name), overwrite: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A new file of the same name arrived meanwhile: the claim is returned once it goes stale.
            LogMoveFailed(context.Logger, context.ConnectorId, Clean(name), "the inbox", SafeReason(ex));
        }
    }

    private static string NotARegularFile(FileKind kind) => kind == FileKind.SymbolicLink
        ? "it is a symbolic link (a shortcut to a file elsewhere); the connector never follows links, so nothing was read. Copy or move the export itself into the inbox"
        : "it is not a regular file (a named pipe, socket or device), so nothing was read. Write exports as ordinary files";

    private void CheckRealFolders(string folder, bool mustExist)
    {
        var relative = Path.GetRelativePath(settings.Folder, folder);
        if (relative == "." || relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            return;
        }

        var current = settings.Folder;
        foreach (var part in relative.Split(Path.DirectorySeparatorChar))
        {
            current = Path.Combine(current, part);
            var status = NativeFile.StatusOfEntry(current);
            if ((status is null && mustExist) || status is { Kind: not FileKind.Directory })
            {
                throw new IOException($"{Path.GetRelativePath(settings.Folder, current)}/ in the inbox is a symbolic link or not a folder; the connector never follows links inside its inbox, so it reads and moves nothing until that is a real folder: remove the link (set processedFolder or quarantineFolder to an absolute path to keep files on another disk)");
            }
        }
    }

    /// <summary>
    /// Moves a file into <paramref name="folder"/> under its name, or a distinct one when taken (never overwriting).
    /// A name is taken when anything is there, a dangling link included, for the file or its companion.
    /// </summary>
    private static string MoveUnique(string source, string folder, string name, string discriminator, string companionSuffix)
    {
        var stem = Path.GetFileNameWithoutExtension(name);
        var extension = Path.GetExtension(name);
        for (var attempt = 0; ; attempt++)
        {
            var candidate = Path.Combine(folder, attempt switch
            {
                0 => name,
                1 => $"{stem}.{discriminator[..Math.Min(12, discriminator.Length)]}{extension}",
                _ => $"{stem}.{discriminator[..Math.Min(12, discriminator.Length)]}-{attempt}{extension}",
            });
            if (NativeFile.StatusOfEntry(candidate + companionSuffix) is not null)
            {
                continue;
            }

            try
            {
                File.Move(source, candidate, overwrite: false);
                return candidate;
            }
            catch (IOException) when (NativeFile.StatusOfEntry(candidate) is not null && attempt < 100)
            {
                // Taken: try the next name.
            }
        }
    }
}
