using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Ret.Conversion.Conversion;

/// <summary>
/// Per-file spill of rows keyed by local column ids (docs/decisions/0103). Format, all integers LEB128:
/// <c>tag(1=row, 2=context snapshot) payloadLength payload</c>, payload = <c>(columnId, uint32 length&lt;&lt;3 | flags, UTF-8 bytes)*</c>.
/// Values are encoded to UTF-8 and classified once here, so the merge only copies bytes.
/// </summary>
internal sealed class SpillWriter : IDisposable
{
    public const byte RowTag = 1;
    public const byte ContextTag = 2;

    private readonly Stream _stream;
    private readonly ValueClassifier _classifier;
    // Pooled: one writer per file, and a fresh 1 MB array per file would churn the large-object heap (peak RSS).
    private byte[] _out = ArrayPool<byte>.Shared.Rent(1 << 20);
    private int _outLength;
    private byte[] _row = new byte[4096];
    private int _rowLength;

    public SpillWriter(string path, ValueClassifier classifier)
    {
        Path = path;
        _classifier = classifier;
        _stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None);
    }

    /// <summary>A spill into <paramref name="stream"/> (e.g. <see cref="Stream.Null"/> when only the columns matter).</summary>
    public SpillWriter(Stream stream, ValueClassifier classifier)
    {
        Path = "";
        _classifier = classifier;
        _stream = stream;
    }

    public string Path { get; }

    public long Rows { get; private set; }

    /// <summary>Adds a cell to the row being built.</summary>
    public void AddCell(int columnId, string value, bool isValue)
    {
        var flags = _classifier.Classify(value);
        if (isValue) flags |= CellFlags.IsValue;
        var max = 5 + 4 + (value.Length * 3);
        if (_rowLength + max > _row.Length) Array.Resize(ref _row, Math.Max(_row.Length * 2, _rowLength + max));
        _rowLength += WriteVarint(_row.AsSpan(_rowLength), (uint)columnId);
        // One pass: encode after a fixed 4-byte header, then fill the header in.
        var byteCount = Encoding.UTF8.GetBytes(value, _row.AsSpan(_rowLength + 4));
        BinaryPrimitives.WriteUInt32LittleEndian(_row.AsSpan(_rowLength), ((uint)byteCount << 3) | (uint)flags);
        _rowLength += 4 + byteCount;
    }

    /// <summary>Adds a cell whose value is already UTF-8.</summary>
    public void AddCell(int columnId, ReadOnlySpan<byte> utf8, bool isValue)
    {
        var flags = _classifier.Classify(utf8);
        if (isValue) flags |= CellFlags.IsValue;
        var max = 5 + 4 + utf8.Length;
        if (_rowLength + max > _row.Length) Array.Resize(ref _row, Math.Max(_row.Length * 2, _rowLength + max));
        _rowLength += WriteVarint(_row.AsSpan(_rowLength), (uint)columnId);
        BinaryPrimitives.WriteUInt32LittleEndian(_row.AsSpan(_rowLength), ((uint)utf8.Length << 3) | (uint)flags);
        utf8.CopyTo(_row.AsSpan(_rowLength + 4));
        _rowLength += 4 + utf8.Length;
    }

    /// <summary>Ends the row being built (tag <see cref="RowTag"/>).</summary>
    public void EndRow()
    {
        Flush(RowTag);
        Rows++;
    }

    /// <summary>Writes the cells added since the last flush as a context snapshot.</summary>
    public void EndContext() => Flush(ContextTag);

    /// <summary>Discards the cells added since the last flush.</summary>
    public void DiscardPending() => _rowLength = 0;

    private void Flush(byte tag)
    {
        var needed = 1 + 10 + _rowLength;
        if (_outLength + needed > _out.Length)
        {
            FlushBuffer();
            if (needed > _out.Length)
            {
                ArrayPool<byte>.Shared.Return(_out);
                _out = ArrayPool<byte>.Shared.Rent(needed);
            }
        }
        _out[_outLength++] = tag;
        _outLength += WriteVarint(_out.AsSpan(_outLength), (ulong)_rowLength);
        _row.AsSpan(0, _rowLength).CopyTo(_out.AsSpan(_outLength));
        _outLength += _rowLength;
        _rowLength = 0;
    }

    private void FlushBuffer()
    {
        _stream.Write(_out, 0, _outLength);
        _outLength = 0;
    }

    public void Complete()
    {
        FlushBuffer();
        _stream.Flush();
    }

    public void Dispose()
    {
        _stream.Dispose();
        if (_out.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_out);
            _out = [];
        }
    }

    internal static int WriteVarint(Span<byte> target, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            target[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        target[i++] = (byte)value;
        return i;
    }
}

/// <summary>Sequential reader of a spill file.</summary>
internal sealed class SpillReader : IDisposable
{
    private readonly Stream _stream;
    // Pooled (see SpillWriter). Cells handed out by Next point into it only until the next call.
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
    private int _start;
    private int _end;
    private bool _eof;

    public SpillReader(string path) =>
        _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);

    /// <summary>Reads the next entry; the payload stays valid until the next call.</summary>
    public bool Next(out byte tag, out byte[] buffer, out int offset, out int length)
    {
        buffer = _buffer;
        offset = length = 0;
        tag = 0;
        if (!Ensure(11) && _end - _start == 0) return false;
        tag = _buffer[_start++];
        var payload = (int)ReadVarint(_buffer, ref _start);
        if (!Ensure(payload)) throw new InvalidDataException("Truncated spill file.");
        buffer = _buffer;
        offset = _start;
        length = payload;
        _start += payload;
        return true;
    }

    /// <summary>Makes at least <paramref name="count"/> bytes available; false at end of file when fewer remain.</summary>
    private bool Ensure(int count)
    {
        if (_end - _start >= count) return true;
        if (count > _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(count, _buffer.Length * 2));
            Buffer.BlockCopy(_buffer, _start, bigger, 0, _end - _start);
            _end -= _start;
            _start = 0;
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
        else if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        while (!_eof && _end - _start < count)
        {
            var n = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (n == 0) _eof = true;
            _end += n;
        }
        return _end - _start >= count;
    }

    /// <summary>Reads one cell header (column id, byte count, flags) and advances past it.</summary>
    public static int ReadCell(byte[] buffer, ref int position, out int byteCount, out CellFlags flags)
    {
        var column = (int)ReadVarint(buffer, ref position);
        var header = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(position));
        position += 4;
        byteCount = (int)(header >> 3);
        flags = (CellFlags)(header & 7);
        return column;
    }

    public static ulong ReadVarint(byte[] buffer, ref int position)
    {
        ulong value = 0;
        var shift = 0;
        while (true)
        {
            var b = buffer[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
            shift += 7;
        }
    }

    public void Dispose()
    {
        _stream.Dispose();
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }
}
