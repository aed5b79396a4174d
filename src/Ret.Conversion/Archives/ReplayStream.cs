namespace Ret.Conversion.Archives;

/// <summary>Replays a few already-read bytes before the rest of a forward-only stream (BOM sniffing).</summary>
internal sealed class ReplayStream(byte[] prefix, int prefixLength, Stream rest) : Stream
{
    private int _position;

    public static (ReplayStream Stream, byte[] Head) Peek(Stream inner, int count)
    {
        var head = new byte[count];
        var total = 0;
        int n;
        while (total < count && (n = inner.Read(head, total, count - total)) > 0) total += n;
        return (new ReplayStream(head, total, inner), head[..total]);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_position < prefixLength)
        {
            var n = Math.Min(buffer.Length, prefixLength - _position);
            prefix.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }
        return rest.Read(buffer);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) rest.Dispose();
        base.Dispose(disposing);
    }
}
