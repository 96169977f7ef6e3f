using System.Globalization;
using Microsoft.Win32.SafeHandles;
using SevenStamp.Connectors.Sdk;
using Sylvan.Data.Csv;
using static SevenStamp.Connectors.CsvDrop.CsvDropLog;

namespace SevenStamp.Connectors.CsvDrop;

/// <summary>
/// Publishes the rows of a claimed file. The store remembers each published row (<c>csv:&lt;sha256&gt;:&lt;line&gt;</c>)
/// and each finished content (by its hash), so a file dropped again, under any name, publishes nothing, and a file
/// interrupted part-way resumes without publishing a row twice. A row that cannot be published is written to the
/// file's error report, never to the log with its values.
/// </summary>
internal sealed class CsvFilePublisher(ConnectorContext context, CsvDropSettings settings, FileClaims claims)
{
    /// <summary>Offset value of a file whose rows are being published.</summary>
    public const string StartedState = "started";

    /// <summary>Offset value of a file whose every row was published: a later copy publishes nothing.</summary>
    public const string DoneState = "done";

    /// <summary>Bad rows logged one by one; the rest are counted in one line (all are in the report).</summary>
    public const int MaxLoggedBadRows = 20;

    private readonly SnapshotReader _snapshots = new(settings);

    /// <summary>Offset key of a file's state, by content hash (base64url: the store's keys are short).</summary>
    public static string FileKey(byte[] sha256) => "csv-file:" + Convert.ToBase64String(sha256).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Seen-event id of one row of one file: the file's SHA-256 (hex) and the row's first line.</summary>
    public static string RowKey(string sha256Hex, int line) => $"csv:{sha256Hex}:{line}";

    /// <summary>
    /// Publishes a claimed file, and keeps publishing while it grows: a writer no check can see (on another machine,
    /// behind a share, or one that opened it a moment before the claim) may still be appending. Each round reads a
    /// snapshot, the bytes up to the length at its start, hashed and checked; rows are read from exactly those bytes.
    /// The last row of a snapshot is held back until the file is seen not to have grown, since its writer may be in
    /// the middle of it. When the file has grown, the next round reads the longer file from the start and skips the
    /// rows the earlier rounds handled (their bytes are checked to be unchanged). The store keeps each round's
    /// content state (<c>started</c>, or <c>started:&lt;line&gt;</c> for a round that carries on from an earlier one's
    /// rows, then <c>done</c>), so a retry of the same content publishes no row twice. Returns true when every round's
    /// content was handled before (the file is a duplicate and nothing was published).
    /// </summary>
    public async Task<bool> PublishAsync(SafeFileHandle handle, FileRun run, CancellationToken cancellationToken)
    {
        var duplicate = true;
        (byte[] Sha256, long Length)? previous = null;
        while (true)
        {
            var length = RandomAccess.GetLength(handle);
            if (length > settings.MaxFileBytes)
            {
                throw new CsvFileException($"the file is {length / (1024 * 1024)} MB, over the limit of {settings.MaxFileBytes / (1024 * 1024)} MB (setting maxFileMegabytes); split the export");
            }

            var content = await _snapshots.InspectAsync(handle, length, previous, cancellationToken);
            run.HashKey = content.Sha256Hex;
            if (previous is not null && !content.ExtendsPrevious)
            {
                // Rewritten rather than appended to: its rows are new content, read as a file of their own.
                run.HandledThrough = 0;
                LogRewritten(context.Logger, context.ConnectorId, Clean(run.Name));
            }

            var fileKey = FileKey(content.Sha256);
            var state = await context.Store.GetOffsetAsync(fileKey, cancellationToken);
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
                    await context.Store.SetOffsetAsync(fileKey, run.HandledThrough > 0 ? $"{StartedState}:{run.HandledThrough.ToString(CultureInfo.InvariantCulture)}" : StartedState, cancellationToken);
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

                    await context.Store.SetOffsetAsync(fileKey, DoneState, cancellationToken);

                    // The last row was published just now: one more look, the writer may have been in it.
                    grown = RandomAccess.GetLength(handle) != length;
                }
            }

            if (!grown)
            {
                return duplicate;
            }

            previous = (content.Sha256, length);
            await GrewAsync(handle, run.Name, cancellationToken);
        }
    }

    /// <summary>The file grew after a round began: logged, and the next round waits until the writer pauses for the quiet period.</summary>
    private async Task GrewAsync(SafeFileHandle handle, string name, CancellationToken cancellationToken)
    {
        LogGrew(context.Logger, context.ConnectorId, Clean(name));
        var length = RandomAccess.GetLength(handle);
        while (true)
        {
            await Task.Delay(settings.QuietPeriod, context.TimeProvider, cancellationToken);
            var now = RandomAccess.GetLength(handle);
            if (now == length)
            {
                return;
            }

            length = now;
        }
    }

    /// <summary>The first line of the last row of a snapshot (0 for none), read without publishing anything.</summary>
    private async Task<int> LastRowLineAsync(SafeFileHandle handle, FileContent content, CancellationToken cancellationToken)
    {
        var (csv, text) = await _snapshots.OpenCsvAsync(handle, content, cancellationToken);
        using (text)
        await using (csv)
        {
            var line = settings.HasHeader ? 2 + Enumerable.Range(0, csv.FieldCount).Select(csv.GetName).Sum(CountLineBreaks) : 1;
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
        var (csv, text) = await _snapshots.OpenCsvAsync(handle, content, cancellationToken);
        using (text)
        await using (csv)
        {
            var header = settings.HasHeader ? Enumerable.Range(0, csv.FieldCount).Select(csv.GetName).ToList() : null;
            var layout = CsvLayout.Resolve(header, settings);
            var mapper = new CsvRowMapper(settings, layout, context.MerchantId, context.ConnectorId);
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
            if (resume && await context.Store.IsSeenAsync(pending.Key!, cancellationToken))
            {
                run.Counts.Skipped++;
            }
            else
            {
                await (pending.Row is CsvRow.Sale sale
                    ? context.Sink.PublishAsync(sale.Record, cancellationToken)
                    : context.Sink.PublishAsync(((CsvRow.Refund)pending.Row).Record, cancellationToken));
                await context.Store.MarkSeenAsync(pending.Key!, cancellationToken);
                run.Counts.Published++;
            }
        }

        run.HandledThrough = pending.Line;
    }

    private async Task<CsvErrorReport> CreateReportAsync(string path, CancellationToken cancellationToken)
    {
        claims.EnsureReportsFolder();
        return await CsvErrorReport.CreateAsync(path, cancellationToken);
    }

    private async Task ReportAsync(FileRun run, int line, CsvRowError error, CancellationToken cancellationToken)
    {
        run.Counts.BadRows++;
        await run.Report!.AddAsync(run.Name, line, error, cancellationToken);
        if (run.Counts.BadRows <= MaxLoggedBadRows)
        {
            // File, line, field and reason only: never the cell's value (it may be customer data).
            LogBadRow(context.Logger, context.ConnectorId, Clean(run.Name), line, error.Field, error.Reason);
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

    /// <summary>A mapped row not yet handled, by its first line (<see cref="Key"/> is null for a row that could not be read).</summary>
    private sealed record PendingRow(int Line, string? Key, CsvRow Row);
}
