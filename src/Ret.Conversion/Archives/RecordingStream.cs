using System.Buffers;

namespace Ret.Conversion.Archives;

/// <summary>
/// Forward-only pass-through that keeps a copy of what was read, up to a cap (pooled buffer). Lets the converter
/// extract a small file from memory right after the scan read it, instead of opening and inflating it again.
/// </summary>
internal sealed class RecordingStream(Stream inner, int cap) : Stream
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(Math.Min(cap, 64 * 1024));
    private int _length;

    /// <summary>False once more than the cap was read: the copy is then incomplete.</summary>
    public bool Complete { get; private set; } = true;

    /// <summary>True when the inner stream returned its end.</summary>
    public bool ReachedEnd { get; private set; }

    public ReadOnlyMemory<byte> Recorded => _buffer.AsMemory(0, _length);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        if (n == 0)
        {
            ReachedEnd = true;
            return 0;
        }
        if (!Complete) return n;
        if (_length + n > cap)
        {
            Complete = false;
            return n;
        }
        if (_length + n > _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Min(cap, Math.Max(_buffer.Length * 2, _length + n)));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
        buffer[..n].CopyTo(_buffer.AsSpan(_length));
        _length += n;
        return n;
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
        if (disposing && _buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
            _length = 0;
        }
        base.Dispose(disposing);
    }
}
