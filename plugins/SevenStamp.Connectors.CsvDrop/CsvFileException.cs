namespace SevenStamp.Connectors.CsvDrop;

/// <summary>A file that cannot be read at all (encoding, not CSV, header, size): it goes to quarantine with this reason.</summary>
internal sealed class CsvFileException : Exception
{
    public CsvFileException()
    {
    }

    public CsvFileException(string message)
        : base(message)
    {
    }

    public CsvFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
