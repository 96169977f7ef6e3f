using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using SevenStamp.Connectors.Sdk;
using static SevenStamp.Connectors.CsvDrop.CsvDropLog;

namespace SevenStamp.Connectors.CsvDrop;

/// <summary>
/// One CSV drop instance. A file-system watcher and a periodic scan (watchers miss events on network shares) find
/// exports in the inbox; a file is read only once its size and time stayed unchanged for the quiet period and no
/// writer holds it (<see cref="CsvInbox"/>). It is claimed by an atomic rename into <c>processing/</c> (so of several
/// hosts watching one shared folder exactly one gets it), its rows are published (<see cref="CsvFilePublisher"/>), and
/// it moves on to <c>processed/</c>, to <c>quarantine/</c> or back to the inbox for another try (<see cref="FileClaims"/>).
/// </summary>
internal sealed class CsvDropTask : BackgroundConnectorTask
{
    /// <summary>After this many unexpected failures of one file it is quarantined rather than retried for ever.</summary>
    public const int MaxAttempts = 3;

    private readonly ConnectorContext _context;
    private readonly CsvDropSettings _settings;
    private readonly CsvInbox _inbox;
    private readonly FileClaims _claims;
    private readonly CsvFilePublisher _publisher;
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);
    private FileSystemWatcher? _watcher;

    public CsvDropTask(ConnectorContext context, CsvDropSettings settings)
    {
        _context = context;
        _settings = settings;
        _inbox = new CsvInbox(context, settings);
        _claims = new FileClaims(context, settings);
        _publisher = new CsvFilePublisher(context, settings, _claims);
    }

    private ILogger Logger => _context.Logger;

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
        _claims.EnsureOwnFolders();
        _claims.ReturnStaleClaims();

        var waiting = false;
        var present = new HashSet<string>(StringComparer.Ordinal);
        List<(string Path, FileStatus Status)> ready = [];
        foreach (var path in _inbox.Candidates())
        {
            cancellationToken.ThrowIfCancellationRequested();
            present.Add(path);
            if (NativeFile.StatusOfEntry(path) is not { } status)
            {
                continue;
            }

            if (status.Kind != FileKind.Regular)
            {
                _inbox.Forget(path);
                _claims.QuarantineUnopened(path, status.Kind);
                continue;
            }

            if (!_inbox.IsQuiet(path, status) || !_inbox.IsFree(path))
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

            var claimed = _claims.TryClaim(path, name);
            _inbox.Forget(path);
            if (claimed is not null)
            {
                await ProcessClaimedAsync(claimed, name, cancellationToken);
            }
        }

        _inbox.ForgetAllBut(present);
        return waiting;
    }

    private async Task ProcessClaimedAsync(string claimed, string name, CancellationToken cancellationToken)
    {
        SafeFileHandle handle;
        try
        {
            handle = FileClaims.OpenClaimed(claimed);
        }
        catch (CsvFileException ex)
        {
            _claims.Quarantine(claimed, name, ex.Message, publishedThrough: 0);
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
            _claims.ReturnToInbox(claimed, name);
            return;
        }

        using (handle)
        {
            FileClaims.Touch(handle, claimed, _context.TimeProvider.GetUtcNow().UtcDateTime);
            await ProcessOpenedAsync(handle, claimed, name, cancellationToken);
        }
    }

    /// <summary>
    /// Publishes a claimed file (its claim kept fresh meanwhile) and moves it on by the outcome: to processed/ (with its
    /// error report), to quarantine/ when it cannot be read or failed <see cref="MaxAttempts"/> times, or back to the
    /// inbox when the sale could not be made durable, the host is stopping, or it failed fewer times.
    /// </summary>
    private async Task ProcessOpenedAsync(SafeFileHandle handle, string claimed, string name, CancellationToken cancellationToken)
    {
        var run = new FileRun(name, Path.Combine(_claims.ReportsFolder, name + ".errors.csv"));
        await using var heartbeat = ClaimHeartbeat.Start(utc => FileClaims.Touch(handle, claimed, utc), _settings.ClaimTimeout / 4, _context.TimeProvider);
        try
        {
            if (await _publisher.PublishAsync(handle, run, cancellationToken))
            {
                var moved = _claims.MoveToProcessed(claimed, name, run.HashKey!, null);
                LogDuplicateFile(Logger, _context.ConnectorId, Clean(name), Clean(Path.GetFileName(moved)));
                return;
            }

            await run.CloseReportAsync();
            var processed = _claims.MoveToProcessed(claimed, name, run.HashKey!, run.Counts.BadRows > 0 ? run.ReportPath : null);
            _failures.Remove(run.HashKey!);
            if (run.Counts.BadRows > CsvFilePublisher.MaxLoggedBadRows)
            {
                LogMoreBadRows(Logger, _context.ConnectorId, Clean(name), run.Counts.BadRows - CsvFilePublisher.MaxLoggedBadRows);
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
            await run.CloseReportAsync();
            _claims.Quarantine(claimed, name, ex.Message, run.Counts.Published > 0 ? run.HandledThrough : 0);
        }
        catch (CheckoutSinkUnavailableException ex)
        {
            await run.CloseReportAsync();
            _claims.ReturnToInbox(claimed, name);
            LogSinkUnavailable(Logger, _context.ConnectorId, Clean(name), SafeReason(ex), _settings.PollInterval);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await run.CloseReportAsync();
            _claims.ReturnToInbox(claimed, name);
            throw;
        }
#pragma warning disable CA1031 // Anything else: the file goes back to the inbox for another try, and to quarantine after a few.
        catch (Exception ex) when (ex is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            await run.CloseReportAsync();
            var key = run.HashKey ?? name;
            var attempts = _failures[key] = _failures.GetValueOrDefault(key) + 1;
            LogFileFailed(Logger, _context.ConnectorId, Clean(name), ex.GetType().Name, SafeReason(ex), attempts, MaxAttempts);
            if (attempts >= MaxAttempts)
            {
                _failures.Remove(key);
                _claims.Quarantine(claimed, name, $"processing failed {attempts} times, the last time with {ex.GetType().Name} ({SafeReason(ex)})", run.Counts.Published > 0 ? run.HandledThrough : 0);
            }
            else
            {
                _claims.ReturnToInbox(claimed, name);
            }
        }
        finally
        {
            TryDelete(run.ReportPath);
        }
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
}
