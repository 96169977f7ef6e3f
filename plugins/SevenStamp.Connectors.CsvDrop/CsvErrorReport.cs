using System.Globalization;
using System.Text;

namespace SevenStamp.Connectors.CsvDrop;

/// <summary>
/// The <c>&lt;file&gt;.errors.csv</c> written beside a processed file: one line per row that was not published, with
/// the line, the field, the column and the reason, never the cell's value (the report is mailed and pasted into
/// tickets; the line and column find the value in the file). Every cell is quoted, and one that a spreadsheet would
/// run as a formula (<c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, tab, carriage return first) is prefixed with an apostrophe.
/// </summary>
internal sealed class CsvErrorReport : IAsyncDisposable
{
    private readonly StreamWriter _writer;

    private CsvErrorReport(StreamWriter writer, string path)
    {
        _writer = writer;
        Path = path;
    }

    public string Path { get; }

    public int Count { get; private set; }

    public static async Task<CsvErrorReport> CreateAsync(string path, CancellationToken cancellationToken)
    {
        // A new file of our own, never one that is already there: a link planted under this name would otherwise be
        // followed and its target overwritten.
        File.Delete(path);
        var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 16 * 1024, FileOptions.Asynchronous);
        var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        var report = new CsvErrorReport(writer, path);
        await report.WriteLineAsync(["file", "line", "field", "column", "reason"], cancellationToken);
        return report;
    }

    public async Task AddAsync(string file, int line, CsvRowError error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        Count++;
        await WriteLineAsync([file, line.ToString(CultureInfo.InvariantCulture), error.Field, error.Column ?? string.Empty, error.Reason], cancellationToken);
    }

    /// <summary>A cell as it is safe to open in a spreadsheet: formula triggers neutralised, then quoted.</summary>
    public static string Cell(string value)
    {
        var safe = value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;
        return "\"" + safe.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    public async ValueTask DisposeAsync() => await _writer.DisposeAsync();

    private async Task WriteLineAsync(string[] cells, CancellationToken cancellationToken)
    {
        await _writer.WriteAsync(string.Join(',', cells.Select(Cell)).AsMemory(), cancellationToken);
        await _writer.WriteAsync("\r\n".AsMemory(), cancellationToken);
    }
}
