namespace SevenStamp.Connectors.CsvDrop;

/// <summary>One claimed file across its rounds: the last line handled, the counts, the error report while open.</summary>
internal sealed class FileRun(string name, string reportPath)
{
    public string Name { get; } = name;

    public string ReportPath { get; } = reportPath;

    public string? HashKey { get; set; }

    public int HandledThrough { get; set; }

    public CsvErrorReport? Report { get; set; }

    public RowCounts Counts { get; } = new();

    /// <summary>Closes the error report, when one was opened, so it can be moved beside the file or deleted.</summary>
    public async Task CloseReportAsync()
    {
        if (Report is { } report)
        {
            Report = null;
            await report.DisposeAsync();
        }
    }

    internal sealed class RowCounts
    {
        public int Published { get; set; }

        public int Skipped { get; set; }

        public int BadRows { get; set; }
    }
}
