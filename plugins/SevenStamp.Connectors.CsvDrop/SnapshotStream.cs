using Microsoft.Win32.SafeHandles;

namespace SevenStamp.Connectors.CsvDrop;

/// <summary>
/// Reads bytes <c>[start, end)</c> of an open file and then reports the end, however much a writer appends
/// meanwhile: rows are read from exactly the bytes that were hashed and checked, never from ones that arrived
/// after. Reads by offset on the handle, so several snapshots of one handle can be read one after another.
/// </summary>
internal sealed class SnapshotStream : Stream
{
    private readonly SafeFileHandle _handle;
    private readonly long _start;
    private readonly long _end;
    private long _position;

    public SnapshotStream(SafeFileHandle handle, long start, long end)
    {
        _handle = handle;
        _start = start;
        _end = end;
        _position = start;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _end - _start;

    public override long Position
    {
        get => _position - _start;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = RandomAccess.Read(_handle, Limit(buffer), _position);
        _position += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await RandomAccess.ReadAsync(_handle, buffer[..Remaining(buffer.Length)], _position, cancellationToken);
        _position += read;
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private Span<byte> Limit(Span<byte> buffer) => buffer[..Remaining(buffer.Length)];

    private int Remaining(int wanted) => (int)Math.Min(wanted, Math.Max(0, _end - _position));
}
