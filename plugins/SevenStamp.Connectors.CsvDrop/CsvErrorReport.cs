using System.Globalization;
using System.Text;

namespace SevenStamp.Connectors.CsvDrop;

/// <summary>
/// The <c>&lt;file&gt;.errors.csv</c> written beside a processed file: one line per row that was not published, with
/// the line, the field, the column and the reason. Every cell is quoted, and a value that a spreadsheet would run
/// as a formula (<c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, tab, carriage return first) is prefixed with an apostrophe.
/// </summary>
internal sealed class CsvErrorReport : IAsyncDisposable
{
    public const int MaxValueLength = 200;
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
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 16 * 1024, FileOptions.Asynchronous);
        var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        var report = new CsvErrorReport(writer, path);
        await report.WriteLineAsync(["file", "line", "field", "column", "reason", "value"], cancellationToken);
        return report;
    }

    public async Task AddAsync(string file, int line, CsvRowError error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        Count++;
        var value = error.Value is null ? string.Empty : error.Value.Length <= MaxValueLength ? error.Value : error.Value[..MaxValueLength] + "…";
        await WriteLineAsync([file, line.ToString(CultureInfo.InvariantCulture), error.Field, error.Column ?? string.Empty, error.Reason, value], cancellationToken);
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
