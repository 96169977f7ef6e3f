using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
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

    /// <summary>Offset key of a file's state, by content hash (base64url: the store's keys are short).</summary>
    public static string FileKey(byte[] sha256) => "csv-file:" + Convert.ToBase64String(sha256).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Seen-event id of one row of one file: the file's SHA-256 (hex) and the row's first line.</summary>
    public static string RowKey(string sha256Hex, int line) => $"csv:{sha256Hex}:{line}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
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
                LogScanFailed(Logger, _context.ConnectorId, ex.GetType().Name, Clean(ex.Message), _settings.PollInterval);
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
    /// is complete. Returns true when some file is still waiting for its quiet period (or for its writer).
    /// </summary>
    internal async Task<bool> ScanOnceAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_settings.ProcessingFolder);
        Directory.CreateDirectory(_settings.ProcessedFolder);
        Directory.CreateDirectory(_settings.QuarantineFolder);
        ReturnStaleClaims();

        var waiting = false;
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in Candidates())
        {
            cancellationToken.ThrowIfCancellationRequested();
            present.Add(path);
            if (!IsQuiet(path) || !IsFree(path))
            {
                waiting = true;
                continue;
            }

            var name = Path.GetFileName(path);
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

    /// <summary>True once the file's length and time have stayed the same for the quiet period.</summary>
    private bool IsQuiet(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return false;
        }

        var now = _context.TimeProvider.GetUtcNow();
        if (_sightings.TryGetValue(path, out var seen) && seen.Length == info.Length && seen.LastWrite == info.LastWriteTimeUtc)
        {
            return now - seen.Since >= _settings.QuietPeriod;
        }

        _sightings[path] = new Sighting(info.Length, info.LastWriteTimeUtc, now);
        return _settings.QuietPeriod <= TimeSpan.Zero;
    }

    /// <summary>False while another process holds the file open for writing (where the platform can tell).</summary>
    private bool IsFree(string path)
    {
        try
        {
            using (new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None, 1))
            {
            }

            return true;
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
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Another host claimed it first, or a file of that name is still being processed: try again later.
            return null;
        }

        try
        {
            File.SetLastWriteTimeUtc(claimed, _context.TimeProvider.GetUtcNow().UtcDateTime);
        }
        catch (IOException)
        {
            return null;
        }

        return claimed;
    }

    /// <summary>A claim whose file has not been touched for the claim timeout belongs to a host that stopped: back to the inbox.</summary>
    private void ReturnStaleClaims()
    {
        var now = _context.TimeProvider.GetUtcNow().UtcDateTime;
        foreach (var path in Directory.EnumerateFiles(_settings.ProcessingFolder))
        {
            var info = new FileInfo(path);
            if (!info.Exists || now - info.LastWriteTimeUtc < _settings.ClaimTimeout)
            {
                continue;
            }

            try
            {
                File.Move(path, Path.Combine(_settings.Folder, info.Name), overwrite: false);
                LogStaleClaim(Logger, _context.ConnectorId, Clean(info.Name), _settings.ClaimTimeout);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Another host returned it first, or the inbox has a new file of that name: left for a later pass.
            }
        }
    }

    private async Task ProcessClaimedAsync(string claimed, string name, CancellationToken cancellationToken)
    {
        var reportPath = Path.Combine(_settings.ProcessingFolder, "reports", name + ".errors.csv");
        string? hashKey = null;
        await using var heartbeat = ClaimHeartbeat.Start(claimed, _settings.ClaimTimeout / 4, _context.TimeProvider);
        try
        {
            var length = new FileInfo(claimed).Length;
            if (length > _settings.MaxFileBytes)
            {
                throw new CsvFileException($"the file is {length / (1024 * 1024)} MB, over the limit of {_settings.MaxFileBytes / (1024 * 1024)} MB (setting maxFileMegabytes); split the export");
            }

            var content = await InspectAsync(claimed, cancellationToken);
            hashKey = content.Sha256Hex;
            var fileKey = FileKey(content.Sha256);
            var state = await _context.Store.GetOffsetAsync(fileKey, cancellationToken);
            if (state == DoneState)
            {
                var moved = MoveToProcessed(claimed, name, content.Sha256Hex, null);
                LogDuplicateFile(Logger, _context.ConnectorId, Clean(name), Clean(Path.GetFileName(moved)));
                return;
            }

            if (state is null)
            {
                await _context.Store.SetOffsetAsync(fileKey, StartedState, cancellationToken);
            }

            var result = await PublishRowsAsync(claimed, name, content, resume: state is not null, reportPath, cancellationToken);
            await _context.Store.SetOffsetAsync(fileKey, DoneState, cancellationToken);
            var processed = MoveToProcessed(claimed, name, content.Sha256Hex, result.BadRows > 0 ? reportPath : null);
            _failures.Remove(content.Sha256Hex);
            if (result.BadRows > 0)
            {
                LogProcessedWithErrors(Logger, _context.ConnectorId, Clean(name), result.Published, result.Skipped, result.BadRows, Clean(Path.GetFileName(processed)) + ".errors.csv");
            }
            else
            {
                LogProcessed(Logger, _context.ConnectorId, Clean(name), result.Published, result.Skipped);
            }
        }
        catch (CsvFileException ex)
        {
            Quarantine(claimed, name, ex.Message);
        }
        catch (CheckoutSinkUnavailableException ex)
        {
            ReturnToInbox(claimed, name);
            LogSinkUnavailable(Logger, _context.ConnectorId, Clean(name), Clean(ex.Message), _settings.PollInterval);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            ReturnToInbox(claimed, name);
            throw;
        }
#pragma warning disable CA1031 // Anything else: the file goes back to the inbox for another try, and to quarantine after a few.
        catch (Exception ex) when (ex is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            var key = hashKey ?? name;
            var attempts = _failures[key] = _failures.GetValueOrDefault(key) + 1;
            LogFileFailed(Logger, _context.ConnectorId, Clean(name), ex.GetType().Name, Clean(ex.Message), attempts, MaxAttempts);
            if (attempts >= MaxAttempts)
            {
                _failures.Remove(key);
                Quarantine(claimed, name, $"processing failed {attempts} times, the last time with {ex.GetType().Name}: {ex.Message}");
            }
            else
            {
                ReturnToInbox(claimed, name);
            }
        }
        finally
        {
            TryDelete(reportPath);
        }
    }

    /// <summary>
    /// Reads the whole file once before publishing anything: its SHA-256, and whether it decodes in the configured
    /// encoding (a byte order mark wins) without binary content. A file failing here is quarantined untouched.
    /// </summary>
    private async Task<FileContent> InspectAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, ReadBufferBytes, FileOptions.Asynchronous | FileOptions.SequentialScan);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var bytes = new byte[ReadBufferBytes];
        var first = await stream.ReadAtLeastAsync(bytes, 4, throwOnEndOfStream: false, cancellationToken);
        var (encoding, preamble) = EncodingOf(bytes.AsSpan(0, first));
        if (first <= preamble)
        {
            throw new CsvFileException("the file is empty; the POS wrote no data (not even a header line)");
        }

        var decoder = encoding.GetDecoder();
        var chars = new char[encoding.GetMaxCharCount(ReadBufferBytes)];
        long offset = 0;
        var read = first;
        var start = preamble;
        while (read > 0)
        {
            hash.AppendData(bytes, 0, read);
            try
            {
                var count = decoder.GetChars(bytes, start, read - start, chars, 0, flush: false);
                if (chars.AsSpan(0, count).Contains('\0'))
                {
                    throw new CsvFileException("the file holds binary data (NUL characters), not CSV text: is it an Excel workbook or a zip file? Export it as CSV");
                }
            }
            catch (DecoderFallbackException)
            {
                throw new CsvFileException($"the file is not valid {encoding.WebName} text (near byte {offset + start}); set the encoding setting to what the POS writes, e.g. windows-1252 for exports called 'ANSI'");
            }

            offset += read;
            start = 0;
            read = await stream.ReadAsync(bytes, cancellationToken);
        }

        try
        {
            decoder.GetChars([], 0, 0, chars, 0, flush: true);
        }
        catch (DecoderFallbackException)
        {
            throw new CsvFileException($"the file is not valid {encoding.WebName} text (it ends in the middle of a character); set the encoding setting to what the POS writes");
        }

        var sha = hash.GetHashAndReset();
        return new FileContent(sha, Convert.ToHexStringLower(sha), encoding, preamble);
    }

    private (Encoding Encoding, int Preamble) EncodingOf(ReadOnlySpan<byte> start) => start switch
    {
        [0xEF, 0xBB, 0xBF, ..] => (new UTF8Encoding(false, throwOnInvalidBytes: true), 3),
        [0xFF, 0xFE, ..] => (new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true), 2),
        [0xFE, 0xFF, ..] => (new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true), 2),
        _ => (_settings.Encoding, 0),
    };

    /// <summary>Publishes each good row once and reports the bad ones; returns the counts.</summary>
    private async Task<RowCounts> PublishRowsAsync(string path, string name, FileContent content, bool resume, string reportPath, CancellationToken cancellationToken)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, ReadBufferBytes, FileOptions.Asynchronous | FileOptions.SequentialScan);
        stream.Seek(content.Preamble, SeekOrigin.Begin);
        using var text = new StreamReader(stream, content.Encoding, detectEncodingFromByteOrderMarks: false, ReadBufferBytes);
        var options = new CsvDataReaderOptions
        {
            HasHeaders = _settings.HasHeader,
            Delimiter = _settings.Delimiter,
            Comment = '\0', // No comment lines: a row starting with # is data (NUL never reaches the reader).
            MaxBufferSize = 1024 * 1024,
            OwnsReader = false,
        };

        CsvDataReader csv;
        try
        {
            csv = await CsvDataReader.CreateAsync(text, options, cancellationToken);
        }
        catch (CsvMissingHeadersException)
        {
            throw new CsvFileException("the file has no header line; export it with column headers, or set hasHeader to false and map columns by number");
        }
        catch (CsvRecordTooLargeException)
        {
            throw new CsvFileException("the header line is longer than 1 MB: this is not a CSV export, or a quote is never closed");
        }
        catch (CsvFormatException ex)
        {
            throw new CsvFileException($"the header line is not valid CSV ({Clean(ex.Message)}); check the delimiter setting");
        }

        await using (csv)
        {
            var header = _settings.HasHeader ? Enumerable.Range(0, csv.FieldCount).Select(csv.GetName).ToList() : null;
            var layout = CsvLayout.Resolve(header, _settings);
            var mapper = new CsvRowMapper(_settings, layout, _context.MerchantId, _context.ConnectorId);
            var line = header is null ? 1 : 2 + header.Sum(CountLineBreaks);
            var counts = new RowCounts();
            CsvErrorReport? report = null;
            try
            {
                while (true)
                {
                    var start = line;
                    try
                    {
                        if (!await csv.ReadAsync(cancellationToken))
                        {
                            break;
                        }
                    }
                    catch (CsvFormatException ex)
                    {
                        // The reader cannot find the next row's start: what follows is reported, not guessed at.
                        report ??= await CreateReportAsync(reportPath, cancellationToken);
                        await ReportAsync(report, name, start, new CsvRowError("(row)", null, ex is CsvRecordTooLargeException
                            ? "this row and the rest of the file could not be read: a row is longer than 1 MB (a quote that is never closed?)"
                            : "this row and the rest of the file could not be read: the CSV is malformed here (a stray quote?)", null), counts, cancellationToken);
                        break;
                    }

                    var fields = csv.RowFieldCount;
                    var breaks = 0;
                    for (var i = 0; i < fields; i++)
                    {
                        breaks += CountLineBreaks(csv.GetString(i));
                    }

                    line += 1 + breaks;
                    var rowKey = RowKey(content.Sha256Hex, start);
                    var row = mapper.Map(csv.GetString, fields, rowKey);
                    switch (row)
                    {
                        case CsvRow.Blank:
                            continue;
                        case CsvRow.Invalid invalid:
                            report ??= await CreateReportAsync(reportPath, cancellationToken);
                            await ReportAsync(report, name, start, invalid.Error, counts, cancellationToken);
                            continue;
                    }

                    if (resume && await _context.Store.IsSeenAsync(rowKey, cancellationToken))
                    {
                        counts.Skipped++;
                        continue;
                    }

                    if (row is CsvRow.Sale sale)
                    {
                        await _context.Sink.PublishAsync(sale.Record, cancellationToken);
                    }
                    else if (row is CsvRow.Refund refund)
                    {
                        await _context.Sink.PublishAsync(refund.Record, cancellationToken);
                    }

                    await _context.Store.MarkSeenAsync(rowKey, cancellationToken);
                    counts.Published++;
                }
            }
            finally
            {
                if (report is not null)
                {
                    await report.DisposeAsync();
                }
            }

            if (counts.BadRows > MaxLoggedBadRows)
            {
                LogMoreBadRows(Logger, _context.ConnectorId, Clean(name), counts.BadRows - MaxLoggedBadRows);
            }

            return counts;
        }
    }

    private static async Task<CsvErrorReport> CreateReportAsync(string path, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return await CsvErrorReport.CreateAsync(path, cancellationToken);
    }

    private async Task ReportAsync(CsvErrorReport report, string name, int line, CsvRowError error, RowCounts counts, CancellationToken cancellationToken)
    {
        counts.BadRows++;
        await report.AddAsync(name, line, error, cancellationToken);
        if (counts.BadRows <= MaxLoggedBadRows)
        {
            // File, line, field and reason only: never the cell's value (it may be customer data).
            LogBadRow(Logger, _context.ConnectorId, Clean(name), line, error.Field, error.Reason);
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

    private void Quarantine(string claimed, string name, string reason)
    {
        try
        {
            var target = MoveUnique(claimed, _settings.QuarantineFolder, name, Guid.NewGuid().ToString("N"), ".reason.txt");
            File.WriteAllText(target + ".reason.txt", $"{name} could not be read and was not published: {reason}{Environment.NewLine}", new UTF8Encoding(false));
            LogQuarantined(Logger, _context.ConnectorId, Clean(name), Clean(reason));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogMoveFailed(Logger, _context.ConnectorId, Clean(name), "quarantine", Clean(ex.Message));
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
            LogMoveFailed(Logger, _context.ConnectorId, Clean(name), "the inbox", Clean(ex.Message));
        }
    }

    /// <summary>Moves a file into <paramref name="folder"/> under its name, or a distinct one when taken (never overwriting).</summary>
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
            if (File.Exists(candidate + companionSuffix))
            {
                continue;
            }

            try
            {
                File.Move(source, candidate, overwrite: false);
                return candidate;
            }
            catch (IOException) when (File.Exists(candidate) && attempt < 100)
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

    private sealed record FileContent(byte[] Sha256, string Sha256Hex, Encoding Encoding, int Preamble);

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
}
