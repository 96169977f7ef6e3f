using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Sylvan.Data.Csv;

namespace SevenStamp.Connectors.CsvDrop;

/// <summary>
/// Reads a snapshot of a claimed file, the bytes up to its length when a round begins, however much a writer appends
/// meanwhile: first once as bytes (hashed, compared with the previous round's, decoded), then as CSV from exactly those
/// bytes. A file that does not decode, holds binary data, or has no usable header line is refused with the reason,
/// naming the line and column, never quoting its content.
/// </summary>
internal sealed class SnapshotReader(CsvDropSettings settings)
{
    private const int ReadBufferBytes = 64 * 1024;

    /// <summary>
    /// Reads a snapshot (the first <paramref name="length"/> bytes) once before publishing anything from it: its
    /// SHA-256, whether its first bytes are still those of the previous round's snapshot, and whether it decodes in the
    /// configured encoding (a byte order mark wins) without binary content. A failure names the line and column.
    /// </summary>
    public async Task<FileContent> InspectAsync(SafeFileHandle handle, long length, (byte[] Sha256, long Length)? previous, CancellationToken cancellationToken)
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

    /// <summary>Opens a CSV reader on a snapshot's bytes; header problems become <see cref="CsvFileException"/>s.</summary>
    public async Task<(CsvDataReader Csv, StreamReader Text)> OpenCsvAsync(SafeFileHandle handle, FileContent content, CancellationToken cancellationToken)
    {
        var text = new StreamReader(new SnapshotStream(handle, content.Preamble, content.Length), content.Encoding, detectEncodingFromByteOrderMarks: false, ReadBufferBytes);
        var options = new CsvDataReaderOptions
        {
            HasHeaders = settings.HasHeader,
            Delimiter = settings.Delimiter,
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
                column += !quoted && c == settings.Delimiter ? 1 : 0;
                character++;
            }

            offset += read;
        }

        return settings.Delimiter is null
            ? string.Create(CultureInfo.InvariantCulture, $"line {line}, character {character}")
            : string.Create(CultureInfo.InvariantCulture, $"line {line}, column {column} (character {character})");
    }

    private (Encoding Encoding, int Preamble) EncodingOf(ReadOnlySpan<byte> start) => start switch
    {
        [0xEF, 0xBB, 0xBF, ..] => (new UTF8Encoding(false, throwOnInvalidBytes: true), 3),
        [0xFF, 0xFE, ..] => (new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true), 2),
        [0xFE, 0xFF, ..] => (new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true), 2),
        _ => (settings.Encoding, 0),
    };
}

/// <summary>A snapshot's content: its hash, encoding, byte order mark length and length; whether it begins with the previous round's bytes.</summary>
internal sealed record FileContent(byte[] Sha256, string Sha256Hex, Encoding Encoding, int Preamble, long Length, bool ExtendsPrevious);
