namespace Ret.Conversion.Archives;

/// <summary>A seekable, read-only view of <paramref name="length"/> bytes of <paramref name="inner"/> from
/// <paramref name="offset"/>: position 0 is <paramref name="offset"/>, and nothing outside the range is readable.</summary>
internal sealed class WindowStream(Stream inner, long offset, long length) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var left = length - _position;
        if (left <= 0 || buffer.IsEmpty) return 0;
        if (buffer.Length > left) buffer = buffer[..(int)left];
        inner.Position = offset + _position;
        var n = inner.Read(buffer);
        _position += n;
        return n;
    }

    public override long Seek(long position, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => position,
            SeekOrigin.Current => _position + position,
            SeekOrigin.End => length + position,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        if (target < 0) throw new IOException("An attempt was made to move the position before the beginning of the stream.");
        return _position = target;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
