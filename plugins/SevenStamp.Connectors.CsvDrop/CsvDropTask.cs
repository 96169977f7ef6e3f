using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using SevenStamp.Connectors.Sdk;
using Sylvan.Data.Csv;

namespace SevenStamp.Connectors.CsvDrop;

/// <summary>
/// One CSV drop instance. A file-system watcher and a periodic scan (watchers miss events on network shares) find
/// exports in the inbox; a file is read only once its size and time stayed unchanged for the quiet period and no
/// writer holds it. It is claimed by an atomic rename into <c>processing/</c> (so of several hosts watching one
/// shared folder exactly one gets it), hashed, and its rows published one by one. The store remembers each
/// published row (<c>csv:&lt;sha256&gt;:&lt;line&gt;</c>) and each finished file (by content hash), so a file dropped
/// again, under any name, publishes nothing, and a file interrupted part-way resumes without publishing a row twice.
/// </summary>
internal sealed partial class CsvDropTask : BackgroundConnectorTask
{
    /// <summary>Offset value of a file whose rows are being published.</summary>
    public const string StartedState = "started";

    /// <summary>Offset value of a file whose every row was published: a later copy publishes nothing.</summary>
    public const string DoneState = "done";

    /// <summary>After this many unexpected failures of one file it is quarantined rather than retried for ever.</summary>
    public const int MaxAttempts = 3;

    private const int MaxLoggedBadRows = 20;
    private const int ReadBufferBytes = 64 * 1024;
    private static readonly string[] IgnoredSuffixes = [".part", ".partial", ".tmp", ".temp", ".crdownload", ".filepart", "~"];

    private readonly ConnectorContext _context;
    private readonly CsvDropSettings _settings;
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly Dictionary<string, Sighting> _sightings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);
    private FileSystemWatcher? _watcher;

    public CsvDropTask(ConnectorContext context, CsvDropSettings settings)
    {
        _context = context;
        _settings = settings;
    }

    private ILogger Logger => _context.Logger;

    private string ReportsFolder => Path.Combine(_settings.ProcessingFolder, "reports");

    /// <summary>Offset key of a file's state, by content hash (base64url: the store's keys are short).</summary>
    public static string FileKey(byte[] sha256) => "csv-file:" + Convert.ToBase64String(sha256).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Seen-event id of one row of one file: the file's SHA-256 (hex) and the row's first line.</summary>
    public static string RowKey(string sha256Hex, int line) => $"csv:{sha256Hex}:{line}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (OperatingSystem.IsLinux() && !NativeFile.IsAvailable)
        {
            LogNoNativeChecks(Logger, _context.ConnectorId);
        }

        StartWatcher();
        while (!stoppingToken.IsCancellationRequested)
        {
            var waiting = false;
            try
            {
                waiting = await ScanOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The loop must survive anything a scan throws (a share gone away, permissions); it logs and tries again.
            catch (Exception ex) when (ex is not OutOfMemoryException)
#pragma warning restore CA1031
            {
                LogScanFailed(Logger, _context.ConnectorId, ex.GetType().Name, SafeReason(ex), _settings.PollInterval);
            }

            await WaitAsync(waiting && _settings.QuietPeriod < _settings.PollInterval ? _settings.QuietPeriod : _settings.PollInterval, stoppingToken);
        }
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        _watcher?.Dispose();
        _signal.Dispose();
    }

    /// <summary>
    /// One pass over the inbox: returns files whose claim went stale to it, then claims and processes every file that
    /// is complete. Returns true when some file is still waiting for its quiet period (or for its writer). Entries that
    /// are not regular files (links, named pipes, devices) are quarantined without being opened.
    /// </summary>
    internal async Task<bool> ScanOnceAsync(CancellationToken cancellationToken)
    {
        EnsureOwnFolders();
        ReturnStaleClaims();

        var waiting = false;
        var present = new HashSet<string>(StringComparer.Ordinal);
        List<(string Path, FileStatus Status)> ready = [];
        foreach (var path in Candidates())
        {
            cancellationToken.ThrowIfCancellationRequested();
            present.Add(path);
            if (NativeFile.StatusOfEntry(path) is not { } status)
            {
                continue;
            }

            if (status.Kind != FileKind.Regular)
            {
                _sightings.Remove(path);
                QuarantineUnopened(path, status.Kind);
                continue;
            }

            if (!IsQuiet(path, status) || !IsFree(path))
            {
                waiting = true;
                continue;
            }

            ready.Add((path, status));
        }

        var held = ready.Count > 0 ? OpenWriters.Find([.. ready.Select(r => (Path.GetFileName(r.Path), r.Status))]) : [];
        foreach (var (path, status) in ready)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = Path.GetFileName(path);
            if (held.Contains((status.Device, status.Inode)))
            {
                LogStillWritten(Logger, _context.ConnectorId, Clean(name));
                waiting = true;
                continue;
            }

            var claimed = TryClaim(path, name);
            _sightings.Remove(path);
            if (claimed is not null)
            {
                await ProcessClaimedAsync(claimed, name, cancellationToken);
            }
        }

        foreach (var gone in _sightings.Keys.Where(k => !present.Contains(k)).ToList())
        {
            _sightings.Remove(gone);
        }

        return waiting;
    }

    private IEnumerable<string> Candidates()
    {
        var options = new EnumerationOptions
        {
            MatchType = MatchType.Simple,
            MatchCasing = MatchCasing.CaseInsensitive,
            RecurseSubdirectories = false,
            IgnoreInaccessible = true,
            AttributesToSkip = FileAttributes.Hidden | FileAttributes.System | FileAttributes.Directory,
        };
        return Directory.EnumerateFiles(_settings.Folder, _settings.FilePattern, options)
            .Where(path => IsExportName(Path.GetFileName(path)))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Names a writer uses while a file is incomplete (<c>.part</c>, <c>.tmp</c>, hidden files) are never exports.</summary>
    public static bool IsExportName(string name) =>
        name.Length > 0 && name[0] != '.' && !IgnoredSuffixes.Any(s => name.EndsWith(s, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Creates the folders the connector writes to, and refuses to go on while one of them that lies inside the inbox
    /// (or a folder on the way to it) is a link: anyone who can write to the inbox could otherwise point
    /// <c>processing/</c> at another folder, and the connector would move that folder's files into the inbox and
    /// publish them, or write reports and reasons into it. Folders configured outside the inbox are the operator's.
    /// </summary>
    private void EnsureOwnFolders()
    {
        foreach (var folder in new[] { _settings.ProcessingFolder, ReportsFolder, _settings.ProcessedFolder, _settings.QuarantineFolder })
        {
            CheckRealFolders(folder, mustExist: false);
            Directory.CreateDirectory(folder);
            CheckRealFolders(folder, mustExist: true);
        }
    }

    private void CheckRealFolders(string folder, bool mustExist)
    {
        var relative = Path.GetRelativePath(_settings.Folder, folder);
        if (relative == "." || relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            return;
        }

        var current = _settings.Folder;
        foreach (var part in relative.Split(Path.DirectorySeparatorChar))
        {
            current = Path.Combine(current, part);
            var status = NativeFile.StatusOfEntry(current);
            if ((status is null && mustExist) || status is { Kind: not FileKind.Directory })
            {
                throw new IOException($"{Path.GetRelativePath(_settings.Folder, current)}/ in the inbox is a symbolic link or not a folder; the connector never follows links inside its inbox, so it reads and moves nothing until that is a real folder: remove the link (set processedFolder or quarantineFolder to an absolute path to keep files on another disk)");
            }
        }
    }

    /// <summary>True once the file's length and time have stayed the same for the quiet period.</summary>
    private bool IsQuiet(string path, FileStatus status)
    {
        var now = _context.TimeProvider.GetUtcNow();
        if (_sightings.TryGetValue(path, out var seen) && seen.Length == status.Length && seen.LastWrite == status.LastWriteUtc)
        {
            return now - seen.Since >= _settings.QuietPeriod;
        }

        _sightings[path] = new Sighting(status.Length, status.LastWriteUtc, now);
        return _settings.QuietPeriod <= TimeSpan.Zero;
    }

    /// <summary>
    /// False while another process holds a lock on the file (a .NET writer does). The probe opens without blocking
    /// and without following the file's content anywhere: it reads nothing.
    /// </summary>
    private bool IsFree(string path)
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

            LogStillWritten(Logger, _context.ConnectorId, Clean(Path.GetFileName(path)));
            return false;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (IOException)
        {
            LogStillWritten(Logger, _context.ConnectorId, Clean(Path.GetFileName(path)));
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            LogNoAccess(Logger, _context.ConnectorId, Clean(Path.GetFileName(path)));
            return false;
        }
    }

    /// <summary>Claims a file by renaming it into processing/ (atomic; fails when another host got it first). Null when not claimed.</summary>
    private string? TryClaim(string path, string name)
    {
        var claimed = Path.Combine(_settings.ProcessingFolder, name);
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
    private void ReturnStaleClaims()
    {
        var now = _context.TimeProvider.GetUtcNow().UtcDateTime;
        foreach (var path in Directory.EnumerateFiles(_settings.ProcessingFolder))
        {
            if (NativeFile.StatusOfEntry(path) is not { Kind: not FileKind.Directory } status || now - status.LastWriteUtc < _settings.ClaimTimeout)
            {
                continue;
            }

            var name = Path.GetFileName(path);
            try
            {
                File.Move(path, Path.Combine(_settings.Folder, name), overwrite: false);
                LogStaleClaim(Logger, _context.ConnectorId, Clean(name), _settings.ClaimTimeout);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Another host returned it first, or the inbox has a new file of that name: left for a later pass.
            }
        }
    }

    /// <summary>A link, named pipe or device in the inbox: claimed (so one host handles it) and quarantined, never opened.</summary>
    private void QuarantineUnopened(string path, FileKind kind)
    {
        var name = Path.GetFileName(path);
        if (TryClaim(path, name) is { } claimed)
        {
            Quarantine(claimed, name, NotARegularFile(kind), publishedThrough: 0);
        }
    }

    private static string NotARegularFile(FileKind kind) => kind == FileKind.SymbolicLink
        ? "it is a symbolic link (a shortcut to a file elsewhere); the connector never follows links, so nothing was read. Copy or move the export itself into the inbox"
        : "it is not a regular file (a named pipe, socket or device), so nothing was read. Write exports as ordinary files";

    /// <summary>
    /// Opens a claimed file and checks that the handle reads exactly the file the claim holds: a regular file with one
    /// name, not a link (.NET cannot open without following one, so the handle is checked after the open: a link
    /// swapped in between any check and the open is caught here too). Throws <see cref="CsvFileException"/> with the
    /// reason to quarantine it, or <see cref="FileNotFoundException"/> when it is gone (another host took it back).
    /// </summary>
    private static SafeFileHandle OpenClaimed(string path)
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

    private async Task ProcessClaimedAsync(string claimed, string name, CancellationToken cancellationToken)
    {
        SafeFileHandle handle;
        try
        {
            handle = OpenClaimed(claimed);
        }
        catch (CsvFileException ex)
        {
            Quarantine(claimed, name, ex.Message, publishedThrough: 0);
            return;
        }
        catch (FileNotFoundException)
        {
            // Taken back by another host that thought the claim stale: it is theirs now.
            return;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogFileFailed(Logger, _context.ConnectorId, Clean(name), ex.GetType().Name, SafeReason(ex), 1, MaxAttempts);
            ReturnToInbox(claimed, name);
            return;
        }

        using (handle)
        {
            Touch(handle, claimed, _context.TimeProvider.GetUtcNow().UtcDateTime);
            await ProcessOpenedAsync(handle, claimed, name, cancellationToken);
        }
    }

    /// <summary>
    /// Refreshes a claim's time through its handle (a path could lead somewhere else by now). Best effort, as the
    /// heartbeat: only the file's owner may set its time, and a file the POS's user owns is still read.
    /// </summary>
    private static void Touch(SafeFileHandle handle, string path, DateTime utc)
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

    /// <summary>
    /// Publishes a claimed file, and keeps publishing while it grows: a writer no check can see (on another machine,
    /// behind a share, or one that opened it a moment before the claim) may still be appending. Each round reads a
    /// snapshot, the bytes up to the length at its start, hashed and checked; rows are read from exactly those bytes.
    /// The last row of a snapshot is held back until the file is seen not to have grown, since its writer may be in
    /// the middle of it. When the file has grown, the next round reads the longer file from the start and skips the
    /// rows the earlier rounds handled (their bytes are checked to be unchanged). The store keeps each round's
    /// content state (<c>started</c>, or <c>started:&lt;line&gt;</c> for a round that carries on from an earlier one's
    /// rows, then <c>done</c>), so a retry of the same content publishes no row twice.
    /// </summary>
    private async Task ProcessOpenedAsync(SafeFileHandle handle, string claimed, string name, CancellationToken cancellationToken)
    {
        var run = new FileRun(name, Path.Combine(ReportsFolder, name + ".errors.csv"));
        await using var heartbeat = ClaimHeartbeat.Start(utc => Touch(handle, claimed, utc), _settings.ClaimTimeout / 4, _context.TimeProvider);
        try
        {
            var duplicate = true;
            (byte[] Sha256, long Length)? previous = null;
            while (true)
            {
                var length = RandomAccess.GetLength(handle);
                if (length > _settings.MaxFileBytes)
                {
                    throw new CsvFileException($"the file is {length / (1024 * 1024)} MB, over the limit of {_settings.MaxFileBytes / (1024 * 1024)} MB (setting maxFileMegabytes); split the export");
                }

                var content = await InspectAsync(handle, length, previous, cancellationToken);
                run.HashKey = content.Sha256Hex;
                if (previous is not null && !content.ExtendsPrevious)
                {
                    // Rewritten rather than appended to: its rows are new content, read as a file of their own.
                    run.HandledThrough = 0;
                    LogRewritten(Logger, _context.ConnectorId, Clean(name));
                }

                var fileKey = FileKey(content.Sha256);
                var state = await _context.Store.GetOffsetAsync(fileKey, cancellationToken);
                bool grown;
                if (state == DoneState)
                {
                    // Every row of this content was handled before (an earlier copy, or an earlier round). Which line
                    // that was matters only if the file grows: the next round starts after it.
                    grown = RandomAccess.GetLength(handle) != length;
                    if (grown)
                    {
                        run.HandledThrough = Math.Max(run.HandledThrough, await LastRowLineAsync(handle, content, cancellationToken));
                    }
                }
                else
                {
                    duplicate = false;
                    var carriedOver = state is not null && state.StartsWith(StartedState + ":", StringComparison.Ordinal)
                        && int.TryParse(state.AsSpan(StartedState.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var line) ? line : 0;
                    if (state is null || run.HandledThrough > carriedOver)
                    {
                        // Rows up to HandledThrough were handled under an earlier round's content: a retry of this
                        // content skips them rather than looking for them under its own.
                        await _context.Store.SetOffsetAsync(fileKey, run.HandledThrough > 0 ? $"{StartedState}:{run.HandledThrough.ToString(CultureInfo.InvariantCulture)}" : StartedState, cancellationToken);
                    }

                    run.HandledThrough = Math.Max(run.HandledThrough, carriedOver);
                    var last = await PublishRowsAsync(handle, run, content, resume: state is not null, cancellationToken);
                    grown = RandomAccess.GetLength(handle) != length;
                    if (!grown)
                    {
                        if (last is not null)
                        {
                            await HandleRowAsync(run, last, resume: state is not null, cancellationToken);
                        }

                        await _context.Store.SetOffsetAsync(fileKey, DoneState, cancellationToken);

                        // The last row was published just now: one more look, the writer may have been in it.
                        grown = RandomAccess.GetLength(handle) != length;
                    }
                }

                if (!grown)
                {
                    break;
                }

                previous = (content.Sha256, length);
                await GrewAsync(handle, name, cancellationToken);
            }

            if (duplicate)
            {
                var moved = MoveToProcessed(claimed, name, run.HashKey!, null);
                LogDuplicateFile(Logger, _context.ConnectorId, Clean(name), Clean(Path.GetFileName(moved)));
                return;
            }

            await CloseReportAsync(run);
            var processed = MoveToProcessed(claimed, name, run.HashKey!, run.Counts.BadRows > 0 ? run.ReportPath : null);
            _failures.Remove(run.HashKey!);
            if (run.Counts.BadRows > MaxLoggedBadRows)
            {
                LogMoreBadRows(Logger, _context.ConnectorId, Clean(name), run.Counts.BadRows - MaxLoggedBadRows);
            }

            if (run.Counts.BadRows > 0)
            {
                LogProcessedWithErrors(Logger, _context.ConnectorId, Clean(name), run.Counts.Published, run.Counts.Skipped, run.Counts.BadRows, Clean(Path.GetFileName(processed)) + ".errors.csv");
            }
            else
            {
                LogProcessed(Logger, _context.ConnectorId, Clean(name), run.Counts.Published, run.Counts.Skipped);
            }
        }
        catch (CsvFileException ex)
        {
            await CloseReportAsync(run);
            Quarantine(claimed, name, ex.Message, run.Counts.Published > 0 ? run.HandledThrough : 0);
        }
        catch (CheckoutSinkUnavailableException ex)
        {
            await CloseReportAsync(run);
            ReturnToInbox(claimed, name);
            LogSinkUnavailable(Logger, _context.ConnectorId, Clean(name), SafeReason(ex), _settings.PollInterval);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await CloseReportAsync(run);
            ReturnToInbox(claimed, name);
            throw;
        }
#pragma warning disable CA1031 // Anything else: the file goes back to the inbox for another try, and to quarantine after a few.
        catch (Exception ex) when (ex is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            await CloseReportAsync(run);
            var key = run.HashKey ?? name;
            var attempts = _failures[key] = _failures.GetValueOrDefault(key) + 1;
            LogFileFailed(Logger, _context.ConnectorId, Clean(name), ex.GetType().Name, SafeReason(ex), attempts, MaxAttempts);
            if (attempts >= MaxAttempts)
            {
                _failures.Remove(key);
                Quarantine(claimed, name, $"processing failed {attempts} times, the last time with {ex.GetType().Name} ({SafeReason(ex)})", run.Counts.Published > 0 ? run.HandledThrough : 0);
            }
            else
            {
                ReturnToInbox(claimed, name);
            }
        }
        finally
        {
            TryDelete(run.ReportPath);
        }
    }

    /// <summary>The file grew after a round began: logged, and the next round waits until the writer pauses for the quiet period.</summary>
    private async Task GrewAsync(SafeFileHandle handle, string name, CancellationToken cancellationToken)
    {
        LogGrew(Logger, _context.ConnectorId, Clean(name));
        var length = RandomAccess.GetLength(handle);
        while (true)
        {
            await Task.Delay(_settings.QuietPeriod, _context.TimeProvider, cancellationToken);
            var now = RandomAccess.GetLength(handle);
            if (now == length)
            {
                return;
            }

            length = now;
        }
    }

    /// <summary>
    /// Reads a snapshot (the first <paramref name="length"/> bytes) once before publishing anything from it: its
    /// SHA-256, whether its first bytes are still those of the previous round's snapshot, and whether it decodes in the
    /// configured encoding (a byte order mark wins) without binary content. A failure names the line and column.
    /// </summary>
    private async Task<FileContent> InspectAsync(SafeFileHandle handle, long length, (byte[] Sha256, long Length)? previous, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var bytes = new byte[ReadBufferBytes];
        var first = await ReadAsync(handle, bytes.AsMemory(0, (int)Math.Min(bytes.Length, length)), 0, cancellationToken);
        var (encoding, preamble) = EncodingOf(bytes.AsSpan(0, first));
        if (first <= preamble)
        {
            throw new CsvFileException("the file is empty; the POS wrote no data (not even a header line)");
        }

        var decoder = encoding.GetDecoder();
        var chars = new char[encoding.GetMaxCharCount(ReadBufferBytes)];
        bool? extendsPrevious = previous is null ? null : false;
        long offset = 0;
        var read = first;
        var start = preamble;
        while (read > 0)
        {
            if (previous is { } before && offset < before.Length && before.Length <= offset + read)
            {
                var head = (int)(before.Length - offset);
                hash.AppendData(bytes, 0, head);
                extendsPrevious = hash.GetCurrentHash().AsSpan().SequenceEqual(before.Sha256);
                hash.AppendData(bytes, head, read - head);
            }
            else
            {
                hash.AppendData(bytes, 0, read);
            }

            try
            {
                var count = decoder.GetChars(bytes, start, read - start, chars, 0, flush: false);
                if (chars.AsSpan(0, count).Contains('\0'))
                {
                    throw new CsvFileException("the file holds binary data (NUL characters), not CSV text: is it an Excel workbook or a zip file? Export it as CSV");
                }
            }
            catch (DecoderFallbackException ex)
            {
                var at = await DescribePositionAsync(handle, encoding, preamble, offset + start + ex.Index, cancellationToken);
                throw new CsvFileException($"the file is not valid {encoding.WebName} text at {at}; set the encoding setting to what the POS writes, e.g. windows-1252 for exports called 'ANSI'");
            }

            offset += read;
            start = 0;
            read = await ReadAsync(handle, bytes.AsMemory(0, (int)Math.Min(bytes.Length, length - offset)), offset, cancellationToken);
        }

        try
        {
            decoder.GetChars([], 0, 0, chars, 0, flush: true);
        }
        catch (DecoderFallbackException)
        {
            var at = await DescribePositionAsync(handle, encoding, preamble, length, cancellationToken);
            throw new CsvFileException($"the file is not valid {encoding.WebName} text: it ends in the middle of a character, at {at}; set the encoding setting to what the POS writes");
        }

        var sha = hash.GetHashAndReset();
        return new FileContent(sha, Convert.ToHexStringLower(sha), encoding, preamble, length, extendsPrevious ?? true);
    }

    private static async Task<int> ReadAsync(SafeFileHandle handle, Memory<byte> buffer, long offset, CancellationToken cancellationToken) =>
        buffer.Length == 0 ? 0 : await RandomAccess.ReadAsync(handle, buffer, offset, cancellationToken);

    /// <summary>
    /// Where byte <paramref name="at"/> lies, in the words of a spreadsheet: line, column (counting delimiters outside
    /// quotes, when the delimiter is known) and character within the line. Reads the bytes before it again (they are
    /// valid text); only done for a file that is refused.
    /// </summary>
    private async Task<string> DescribePositionAsync(SafeFileHandle handle, Encoding encoding, int preamble, long at, CancellationToken cancellationToken)
    {
        var decoder = encoding.GetDecoder();
        var bytes = new byte[ReadBufferBytes];
        var chars = new char[encoding.GetMaxCharCount(ReadBufferBytes)];
        int line = 1, column = 1, character = 1;
        var quoted = false;
        var afterCarriageReturn = false;
        for (long offset = preamble; offset < at;)
        {
            var read = await ReadAsync(handle, bytes.AsMemory(0, (int)Math.Min(bytes.Length, at - offset)), offset, cancellationToken);
            if (read == 0)
            {
                break;
            }

            var count = decoder.GetChars(bytes, 0, read, chars, 0, flush: false);
            foreach (var c in chars.AsSpan(0, count))
            {
                if (c == '\n' && afterCarriageReturn)
                {
                    afterCarriageReturn = false;
                    continue;
                }

                afterCarriageReturn = c == '\r';
                if (c is '\n' or '\r')
                {
                    line++;
                    character = 1;
                    column = quoted ? column : 1;
                    continue;
                }

                quoted ^= c == '"';
                column += !quoted && c == _settings.Delimiter ? 1 : 0;
                character++;
            }

            offset += read;
        }

        return _settings.Delimiter is null
            ? string.Create(CultureInfo.InvariantCulture, $"line {line}, character {character}")
            : string.Create(CultureInfo.InvariantCulture, $"line {line}, column {column} (character {character})");
    }

    private (Encoding Encoding, int Preamble) EncodingOf(ReadOnlySpan<byte> start) => start switch
    {
        [0xEF, 0xBB, 0xBF, ..] => (new UTF8Encoding(false, throwOnInvalidBytes: true), 3),
        [0xFF, 0xFE, ..] => (new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true), 2),
        [0xFE, 0xFF, ..] => (new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true), 2),
        _ => (_settings.Encoding, 0),
    };

    /// <summary>Opens a CSV reader on a snapshot's bytes; header problems become <see cref="CsvFileException"/>s.</summary>
    private async Task<(CsvDataReader Csv, StreamReader Text)> OpenReaderAsync(SafeFileHandle handle, FileContent content, CancellationToken cancellationToken)
    {
        var text = new StreamReader(new SnapshotStream(handle, content.Preamble, content.Length), content.Encoding, detectEncodingFromByteOrderMarks: false, ReadBufferBytes);
        var options = new CsvDataReaderOptions
        {
            HasHeaders = _settings.HasHeader,
            Delimiter = _settings.Delimiter,
            Comment = '\0', // No comment lines: a row starting with # is data (NUL never reaches the reader).
            MaxBufferSize = 1024 * 1024,
            OwnsReader = false,
        };

        try
        {
            return (await CsvDataReader.CreateAsync(text, options, cancellationToken), text);
        }
        catch (CsvMissingHeadersException)
        {
            text.Dispose();
            throw new CsvFileException("the file has no header line; export it with column headers, or set hasHeader to false and map columns by number");
        }
        catch (CsvRecordTooLargeException)
        {
            text.Dispose();
            throw new CsvFileException("the header line is longer than 1 MB: this is not a CSV export, or a quote is never closed");
        }
        catch (CsvFormatException ex)
        {
            // The parser's own message is not passed on: it may quote the line.
            text.Dispose();
            throw new CsvFileException($"the header line is not valid CSV at column {Math.Max(ex.FieldOrdinal, 0) + 1} (a quote that is never closed, or one inside a field); check the delimiter setting");
        }
    }

    /// <summary>The first line of the last row of a snapshot (0 for none), read without publishing anything.</summary>
    private async Task<int> LastRowLineAsync(SafeFileHandle handle, FileContent content, CancellationToken cancellationToken)
    {
        var (csv, text) = await OpenReaderAsync(handle, content, cancellationToken);
        using (text)
        await using (csv)
        {
            var line = _settings.HasHeader ? 2 + Enumerable.Range(0, csv.FieldCount).Select(csv.GetName).Sum(CountLineBreaks) : 1;
            var last = 0;
            try
            {
                while (await csv.ReadAsync(cancellationToken))
                {
                    last = line;
                    for (var i = 0; i < csv.RowFieldCount; i++)
                    {
                        line += CountLineBreaks(csv.GetString(i));
                    }

                    line++;
                }
            }
            catch (CsvFormatException)
            {
                // Reported when the content was processed; nothing follows it.
            }

            return last;
        }
    }

    /// <summary>
    /// Publishes each good row of a snapshot once and reports the bad ones, skipping rows an earlier round handled;
    /// returns the snapshot's last row unhandled (its writer may not be done with it) for the caller to handle once
    /// the file is seen not to have grown.
    /// </summary>
    private async Task<PendingRow?> PublishRowsAsync(SafeFileHandle handle, FileRun run, FileContent content, bool resume, CancellationToken cancellationToken)
    {
        var (csv, text) = await OpenReaderAsync(handle, content, cancellationToken);
        using (text)
        await using (csv)
        {
            var header = _settings.HasHeader ? Enumerable.Range(0, csv.FieldCount).Select(csv.GetName).ToList() : null;
            var layout = CsvLayout.Resolve(header, _settings);
            var mapper = new CsvRowMapper(_settings, layout, _context.MerchantId, _context.ConnectorId);
            var line = header is null ? 1 : 2 + header.Sum(CountLineBreaks);
            PendingRow? pending = null;
            while (true)
            {
                var start = line;
                try
                {
                    if (!await csv.ReadAsync(cancellationToken))
                    {
                        return pending;
                    }
                }
                catch (CsvFormatException ex)
                {
                    // The reader cannot find the next row's start: what follows is reported, not guessed at.
                    if (pending is not null)
                    {
                        await HandleRowAsync(run, pending, resume, cancellationToken);
                    }

                    return start <= run.HandledThrough ? null : new PendingRow(start, null, new CsvRow.Invalid(new CsvRowError("(row)", null, ex is CsvRecordTooLargeException
                        ? "this row and the rest of the file could not be read: a row is longer than 1 MB (a quote that is never closed?)"
                        : "this row and the rest of the file could not be read: the CSV is malformed here (a stray quote?)")));
                }

                var fields = csv.RowFieldCount;
                var breaks = 0;
                for (var i = 0; i < fields; i++)
                {
                    breaks += CountLineBreaks(csv.GetString(i));
                }

                line += 1 + breaks;
                if (start <= run.HandledThrough)
                {
                    continue;
                }

                var rowKey = RowKey(content.Sha256Hex, start);
                var row = mapper.Map(csv.GetString, fields, rowKey);
                if (pending is not null)
                {
                    await HandleRowAsync(run, pending, resume, cancellationToken);
                }

                pending = new PendingRow(start, rowKey, row);
            }
        }
    }

    /// <summary>Publishes (once) or reports one mapped row, and records it as handled.</summary>
    private async Task HandleRowAsync(FileRun run, PendingRow pending, bool resume, CancellationToken cancellationToken)
    {
        if (pending.Row is CsvRow.Invalid invalid)
        {
            run.Report ??= await CreateReportAsync(run.ReportPath, cancellationToken);
            await ReportAsync(run, pending.Line, invalid.Error, cancellationToken);
        }
        else if (pending.Row is CsvRow.Sale or CsvRow.Refund)
        {
            if (resume && await _context.Store.IsSeenAsync(pending.Key!, cancellationToken))
            {
                run.Counts.Skipped++;
            }
            else
            {
                await (pending.Row is CsvRow.Sale sale
                    ? _context.Sink.PublishAsync(sale.Record, cancellationToken)
                    : _context.Sink.PublishAsync(((CsvRow.Refund)pending.Row).Record, cancellationToken));
                await _context.Store.MarkSeenAsync(pending.Key!, cancellationToken);
                run.Counts.Published++;
            }
        }

        run.HandledThrough = pending.Line;
    }

    private async Task<CsvErrorReport> CreateReportAsync(string path, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(ReportsFolder);
        CheckRealFolders(ReportsFolder, mustExist: true);
        return await CsvErrorReport.CreateAsync(path, cancellationToken);
    }

    private static async Task CloseReportAsync(FileRun run)
    {
        if (run.Report is { } report)
        {
            run.Report = null;
            await report.DisposeAsync();
        }
    }

    private async Task ReportAsync(FileRun run, int line, CsvRowError error, CancellationToken cancellationToken)
    {
        run.Counts.BadRows++;
        await run.Report!.AddAsync(run.Name, line, error, cancellationToken);
        if (run.Counts.BadRows <= MaxLoggedBadRows)
        {
            // File, line, field and reason only: never the cell's value (it may be customer data).
            LogBadRow(Logger, _context.ConnectorId, Clean(run.Name), line, error.Field, error.Reason);
        }
    }

    private string MoveToProcessed(string claimed, string name, string sha256Hex, string? report)
    {
        var target = MoveUnique(claimed, _settings.ProcessedFolder, name, sha256Hex, ".errors.csv");
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
    private void Quarantine(string claimed, string name, string reason, int publishedThrough)
    {
        try
        {
            var target = MoveUnique(claimed, _settings.QuarantineFolder, name, Guid.NewGuid().ToString("N"), ".reason.txt");
            var text = publishedThrough > 0
                ? $"{name} was published up to line {publishedThrough.ToString(CultureInfo.InvariantCulture)}; the rest could not be read and was not published: {reason}{Environment.NewLine}"
                : $"{name} could not be read and was not published: {reason}{Environment.NewLine}";

            // A new file of our own (CreateNew): a link planted under the reason's name is never followed.
            using (var stream = new FileStream(target + ".reason.txt", FileMode.CreateNew, FileAccess.Write, FileShare.Read))
            using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
            {
                writer.Write(text);
            }

            LogQuarantined(Logger, _context.ConnectorId, Clean(name), Clean(reason));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogMoveFailed(Logger, _context.ConnectorId, Clean(name), "quarantine", SafeReason(ex));
        }
    }

    private void ReturnToInbox(string claimed, string name)
    {
        try
        {
            File.Move(claimed, Path.Combine(_settings.Folder, name), overwrite: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A new file of the same name arrived meanwhile: the claim is returned once it goes stale.
            LogMoveFailed(Logger, _context.ConnectorId, Clean(name), "the inbox", SafeReason(ex));
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

    private static int CountLineBreaks(string text)
    {
        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.Length || text[i + 1] != '\n')))
            {
                count++;
            }
        }

        return count;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover report is overwritten next time.
        }
    }

    /// <summary>
    /// An exception's text fit for a log line or a quarantine reason: the message of a file-system error (it names a
    /// path) or of the host's sink; of anything else only the type, since a parser's or a decoder's message may quote
    /// the file's bytes.
    /// </summary>
    private static string SafeReason(Exception ex) => ex is IOException or UnauthorizedAccessException or CheckoutSinkUnavailableException
        ? Clean(ex.Message)
        : "details withheld, they could quote the file";

    /// <summary>File names and messages in log lines: no line breaks or control characters (no forged log lines).</summary>
    private static string Clean(string text) => new([.. text.Select(c => char.IsControl(c) ? '?' : c)]);

    private void StartWatcher()
    {
        try
        {
            Directory.CreateDirectory(_settings.Folder);
            var watcher = new FileSystemWatcher(_settings.Folder)
            {
                IncludeSubdirectories = false,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            watcher.Created += (_, _) => Signal();
            watcher.Changed += (_, _) => Signal();
            watcher.Renamed += (_, _) => Signal();
            watcher.Error += (_, _) => Signal();
            watcher.EnableRaisingEvents = true;
            _watcher = watcher;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            LogNoWatcher(Logger, _context.ConnectorId, ex.GetType().Name, _settings.PollInterval);
        }
    }

    private void Signal()
    {
        try
        {
            if (_signal.CurrentCount == 0)
            {
                _signal.Release();
            }
        }
        catch (Exception ex) when (ex is SemaphoreFullException or ObjectDisposedException)
        {
            // Already signalled, or stopping.
        }
    }

    private async Task WaitAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        using var timeout = new CancellationTokenSource(delay, _context.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
        try
        {
            await _signal.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // The poll interval passed.
        }
        catch (OperationCanceledException)
        {
            // Stopping: the loop ends.
        }
    }

    private sealed record Sighting(long Length, DateTime LastWrite, DateTimeOffset Since);

    /// <summary>A snapshot's content: its hash, encoding, byte order mark length and length; whether it begins with the previous round's bytes.</summary>
    private sealed record FileContent(byte[] Sha256, string Sha256Hex, Encoding Encoding, int Preamble, long Length, bool ExtendsPrevious);

    /// <summary>A mapped row not yet handled, by its first line (<see cref="Key"/> is null for a row that could not be read).</summary>
    private sealed record PendingRow(int Line, string? Key, CsvRow Row);

    /// <summary>One claimed file across its rounds: the last line handled, the counts, the report while open.</summary>
    private sealed class FileRun(string name, string reportPath)
    {
        public string Name { get; } = name;

        public string ReportPath { get; } = reportPath;

        public string? HashKey { get; set; }

        public int HandledThrough { get; set; }

        public CsvErrorReport? Report { get; set; }

        public RowCounts Counts { get; } = new();
    }

    private sealed class RowCounts
    {
        public int Published { get; set; }

        public int Skipped { get; set; }

        public int BadRows { get; set; }
    }

    [LoggerMessage(EventId = 4601, Level = LogLevel.Information, Message = "CSV drop {ConnectorId}: {File} processed, {Published} rows published, {Skipped} already published before")]
    private static partial void LogProcessed(ILogger logger, string connectorId, string file, int published, int skipped);

    [LoggerMessage(EventId = 4602, Level = LogLevel.Warning, Message = "CSV drop {ConnectorId}: {File} processed, {Published} rows published, {Skipped} already published before, {BadRows} rows not published (see {Report})")]
    private static partial void LogProcessedWithErrors(ILogger logger, string connectorId, string file, int published, int skipped, int badRows, string report);

    [LoggerMessage(EventId = 4603, Level = LogLevel.Warning, Message = "CSV drop {ConnectorId}: {File} line {Line} not published: {Field} {Reason}")]
    private static partial void LogBadRow(ILogger logger, string connectorId, string file, int line, string field, string reason);

    [LoggerMessage(EventId = 4604, Level = LogLevel.Warning, Message = "CSV drop {ConnectorId}: {File} has {More} more rows not published; all are listed in its .errors.csv")]
    private static partial void LogMoreBadRows(ILogger logger, string connectorId, string file, int more);

    [LoggerMessage(EventId = 4605, Level = LogLevel.Error, Message = "CSV drop {ConnectorId}: {File} quarantined: {Reason}")]
    private static partial void LogQuarantined(ILogger logger, string connectorId, string file, string reason);

    [LoggerMessage(EventId = 4606, Level = LogLevel.Information, Message = "CSV drop {ConnectorId}: {File} was processed before (same content); moved to {Target} without publishing again")]
    private static partial void LogDuplicateFile(ILogger logger, string connectorId, string file, string target);

    [LoggerMessage(EventId = 4607, Level = LogLevel.Warning, Message = "CSV drop {ConnectorId}: {File} left in the inbox, the sale could not be made durable ({Reason}); next try in {Interval}")]
    private static partial void LogSinkUnavailable(ILogger logger, string connectorId, string file, string reason, TimeSpan interval);

    [LoggerMessage(EventId = 4608, Level = LogLevel.Error, Message = "CSV drop {ConnectorId}: {File} failed ({ExceptionType}: {Reason}), attempt {Attempt} of {MaxAttempts}")]
    private static partial void LogFileFailed(ILogger logger, string connectorId, string file, string exceptionType, string reason, int attempt, int maxAttempts);

    [LoggerMessage(EventId = 4609, Level = LogLevel.Error, Message = "CSV drop {ConnectorId}: scanning the inbox failed ({ExceptionType}: {Reason}); next try in {Interval}")]
    private static partial void LogScanFailed(ILogger logger, string connectorId, string exceptionType, string reason, TimeSpan interval);

    [LoggerMessage(EventId = 4610, Level = LogLevel.Warning, Message = "CSV drop {ConnectorId}: {File} was left in processing/ for over {Timeout} by a host that stopped; returned to the inbox to be finished")]
    private static partial void LogStaleClaim(ILogger logger, string connectorId, string file, TimeSpan timeout);

    [LoggerMessage(EventId = 4611, Level = LogLevel.Debug, Message = "CSV drop {ConnectorId}: {File} is still open for writing; waiting")]
    private static partial void LogStillWritten(ILogger logger, string connectorId, string file);

    [LoggerMessage(EventId = 4612, Level = LogLevel.Warning, Message = "CSV drop {ConnectorId}: {File} cannot be opened (no permission); give the host's user read and write access")]
    private static partial void LogNoAccess(ILogger logger, string connectorId, string file);

    [LoggerMessage(EventId = 4613, Level = LogLevel.Error, Message = "CSV drop {ConnectorId}: {File} could not be moved to {Target}: {Reason}")]
    private static partial void LogMoveFailed(ILogger logger, string connectorId, string file, string target, string reason);

    [LoggerMessage(EventId = 4614, Level = LogLevel.Warning, Message = "CSV drop {ConnectorId}: no file-system notifications for the inbox ({ExceptionType}); scanning it every {Interval}")]
    private static partial void LogNoWatcher(ILogger logger, string connectorId, string exceptionType, TimeSpan interval);

    [LoggerMessage(EventId = 4615, Level = LogLevel.Warning, Message = "CSV drop {ConnectorId}: {File} grew after it was claimed (its writer was not done); the rows it gains are read once it is quiet again. Write exports as .part and rename them when complete")]
    private static partial void LogGrew(ILogger logger, string connectorId, string file);

    [LoggerMessage(EventId = 4616, Level = LogLevel.Warning, Message = "CSV drop {ConnectorId}: {File} was rewritten, not appended to, while it was read; its new content is read as a file of its own")]
    private static partial void LogRewritten(ILogger logger, string connectorId, string file);

    [LoggerMessage(EventId = 4617, Level = LogLevel.Warning, Message = "CSV drop {ConnectorId}: the file checks through the C library (statx) are not available here; symbolic links are still refused, but hard links and writers that take no lock are not detected. Use an image with glibc 2.28 or later")]
    private static partial void LogNoNativeChecks(ILogger logger, string connectorId);
}
