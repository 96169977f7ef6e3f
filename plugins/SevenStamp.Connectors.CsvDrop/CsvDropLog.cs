using Microsoft.Extensions.Logging;
using SevenStamp.Connectors.Sdk;

namespace SevenStamp.Connectors.CsvDrop;

/// <summary>
/// The CSV drop's log lines (EventIds 4601–4617), shared by the task, the inbox, the claims and the publisher, and the
/// two rules every line and quarantine reason follows: names and messages are <see cref="Clean"/>ed, and of an
/// exception only a <see cref="SafeReason"/> is told, never the file's bytes.
/// </summary>
internal static partial class CsvDropLog
{
    /// <summary>
    /// An exception's text fit for a log line or a quarantine reason: the message of a file-system error (it names a
    /// path) or of the host's sink; of anything else only the type, since a parser's or a decoder's message may quote
    /// the file's bytes.
    /// </summary>
    public static string SafeReason(Exception ex) => ex is IOException or UnauthorizedAccessException or CheckoutSinkUnavailableException
        ? Clean(ex.Message)
        : "details withheld, they could quote the file";

    /// <summary>File names and messages in log lines: no line breaks or control characters (no forged log lines).</summary>
    public static string Clean(string text) => new([.. text.Select(c => char.IsControl(c) ? '?' : c)]);

    [LoggerMessage(EventId = 4601, Level = LogLevel.Information, Message = "CSV drop {ConnectorId}: {File} processed, {Published} rows published, {Skipped} already published before")]
    public static partial void LogProcessed(ILogger logger, string connectorId, string file, int published, int skipped);

    [LoggerMessage(EventId = 4602, Level = LogLevel.Warning, Message = "CSV drop {ConnectorId}: {File} processed, {Published} rows published, {Skipped} already published before, {BadRows} rows not published (see {Report})")]
    public static partial void LogProcessedWithErrors(ILogger logger, string connectorId, string file, int published, int skipped, int badRows, string report);

    [LoggerMessage(EventId = 4603, Level = LogLevel.Warning, Message = "CSV drop {ConnectorId}: {File} line {Line} not published: {Field} {Reason}")]
    public static partial void LogBadRow(ILogger logger, string connectorId, string file, int line, string field, string reason);

    [LoggerMessage(EventId = 4604, Level = LogLevel.Warning, Message = "CSV drop {ConnectorId}: {File} has {More} more rows not published; all are listed in its .errors.csv")]
    public static partial void LogMoreBadRows(ILogger logger, string connectorId, string file, int more);

    [LoggerMessage(EventId = 4605, Level = LogLevel.Error, Message = "CSV drop {ConnectorId}: {File} quarantined: {Reason}")]
    public static partial void LogQuarantined(ILogger logger, string connectorId, string file, string reason);

    [LoggerMessage(EventId = 4606, Level = LogLevel.Information, Message = "CSV drop {ConnectorId}: {File} was processed before (same content); moved to {Target} without publishing again")]
    public static partial void LogDuplicateFile(ILogger logger, string connectorId, string file, string target);

    [LoggerMessage(EventId = 4607, Level = LogLevel.Warning, Message = "CSV drop {ConnectorId}: {File} left in the inbox, the sale could not be made durable ({Reason}); next try in {Interval}")]
    public static partial void LogSinkUnavailable(ILogger logger, string connectorId, string file, string reason, TimeSpan interval);

    [LoggerMessage(EventId = 4608, Level = LogLevel.Error, Message = "CSV drop {ConnectorId}: {File} failed ({ExceptionType}: {Reason}), attempt {Attempt} of {MaxAttempts}")]
    public static partial void LogFileFailed(ILogger logger, string connectorId, string file, string exceptionType, string reason, int attempt, int maxAttempts);

    [LoggerMessage(EventId = 4609, Level = LogLevel.Error, Message = "CSV drop {ConnectorId}: scanning the inbox failed ({ExceptionType}: {Reason}); next try in {Interval}")]
    public static partial void LogScanFailed(ILogger logger, string connectorId, string exceptionType, string reason, TimeSpan interval);

    [LoggerMessage(EventId = 4610, Level = LogLevel.Warning, Message = "CSV drop {ConnectorId}: {File} was left in processing/ for over {Timeout} by a host that stopped; returned to the inbox to be finished")]
    public static partial void LogStaleClaim(ILogger logger, string connectorId, string file, TimeSpan timeout);

    [LoggerMessage(EventId = 4611, Level = LogLevel.Debug, Message = "CSV drop {ConnectorId}: {File} is still open for writing; waiting")]
    public static partial void LogStillWritten(ILogger logger, string connectorId, string file);

    [LoggerMessage(EventId = 4612, Level = LogLevel.Warning, Message = "CSV drop {ConnectorId}: {File} cannot be opened (no permission); give the host's user read and write access")]
    public static partial void LogNoAccess(ILogger logger, string connectorId, string file);

    [LoggerMessage(EventId = 4613, Level = LogLevel.Error, Message = "CSV drop {ConnectorId}: {File} could not be moved to {Target}: {Reason}")]
    public static partial void LogMoveFailed(ILogger logger, string connectorId, string file, string target, string reason);

    [LoggerMessage(EventId = 4614, Level = LogLevel.Warning, Message = "CSV drop {ConnectorId}: no file-system notifications for the inbox ({ExceptionType}); scanning it every {Interval}")]
    public static partial void LogNoWatcher(ILogger logger, string connectorId, string exceptionType, TimeSpan interval);

    [LoggerMessage(EventId = 4615, Level = LogLevel.Warning, Message = "CSV drop {ConnectorId}: {File} grew after it was claimed (its writer was not done); the rows it gains are read once it is quiet again. Write exports as .part and rename them when complete")]
    public static partial void LogGrew(ILogger logger, string connectorId, string file);

    [LoggerMessage(EventId = 4616, Level = LogLevel.Warning, Message = "CSV drop {ConnectorId}: {File} was rewritten, not appended to, while it was read; its new content is read as a file of its own")]
    public static partial void LogRewritten(ILogger logger, string connectorId, string file);

    [LoggerMessage(EventId = 4617, Level = LogLevel.Warning, Message = "CSV drop {ConnectorId}: the file checks through the C library (statx) are not available here; symbolic links are still refused, but hard links and writers that take no lock are not detected. Use an image with glibc 2.28 or later")]
    public static partial void LogNoNativeChecks(ILogger logger, string connectorId);
}
