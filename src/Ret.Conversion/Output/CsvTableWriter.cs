using Ret.Conversion.Conversion;

namespace Ret.Conversion.Output;

/// <summary>
/// RFC 4180 CSV in UTF-8 (optional BOM), written straight from UTF-8 cell bytes into a large buffer.
/// Fields are quoted only when they contain the delimiter, a quote, CR or LF; quotes are doubled; rows end
/// with CRLF. Formula-like cells are prefixed with <c>'</c> unless neutralisation is off.
/// </summary>
internal sealed class CsvTableWriter : ITableWriter
{
    private readonly FileStream _stream;
    private readonly byte _delimiter;
    private readonly bool _neutralise;
    private readonly ValueClassifier _classifier;
    private readonly byte[] _buffer = new byte[1 << 18];
    private readonly ITableFileCopy? _copy;
    /// <summary>The copy wants formula-like cells neutralised and the file does not: the copy's bytes are the file's with
    /// a <c>'</c> inserted where each such value starts (the only difference neutralisation makes).</summary>
    private readonly bool _guardCopy;
    private int[] _marks = new int[64];
    private int _markCount;
    private int _length;

    /// <param name="copy">Receives the file's bytes as well, with the formula guard and BOM the copy asks for
    /// (<see cref="ITableFileTap"/>).</param>
    public CsvTableWriter(string path, char delimiter, bool bom, bool neutraliseFormulas, ITableFileCopy? copy = null)
    {
        try
        {
            if (delimiter > 127 || delimiter is '"' or '\r' or '\n') throw new ArgumentException("The delimiter must be an ASCII character other than a quote or line break.", nameof(delimiter));
            if (copy is not null && ((neutraliseFormulas && !copy.NeutraliseFormulas) || (bom && !copy.Bom)))
                throw new ArgumentException("A copy can add the formula guard or a BOM to the file's bytes, not take them away.", nameof(copy));
            _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        }
        catch
        {
            copy?.Dispose(); // never started (a refused option, disk full, no access): abandoned, so nobody waits for it
            throw;
        }
        _delimiter = (byte)delimiter;
        _neutralise = neutraliseFormulas;
        _classifier = new ValueClassifier(delimiter);
        _copy = copy;
        _guardCopy = copy is not null && copy.NeutraliseFormulas && !neutraliseFormulas;
        if (copy is not null && copy.Bom && !bom) copy.Write([0xEF, 0xBB, 0xBF]);
        if (bom) Write([0xEF, 0xBB, 0xBF]);
    }

    public long Rows { get; private set; }

    public void WriteHeader(IReadOnlyList<string> names)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (i > 0) WriteByte(_delimiter);
            var cell = Cell.FromString(names[i], _classifier);
            WriteField(cell.Bytes, cell.Flags);
        }
        Write("\r\n"u8);
    }

    public void WriteRow(ReadOnlySpan<Cell> cells)
    {
        // Most rows fit the buffer with room to spare for the worst case (every byte a doubled quote, quotes and a
        // neutralising prefix around every field): then the row is written without a bounds check per piece.
        var worst = 2;
        foreach (ref readonly var cell in cells) worst += (cell.Length * 2) + 4;
        if (worst <= _buffer.Length - _length)
        {
            WriteRowUnchecked(cells);
            return;
        }
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0) WriteByte(_delimiter);
            ref readonly var cell = ref cells[i];
            if (cell.Length > 0) WriteField(cell.Buffer.AsSpan(cell.Offset, cell.Length), cell.Flags);
        }
        Write("\r\n"u8);
        Rows++;
    }

    private void WriteRowUnchecked(ReadOnlySpan<Cell> cells)
    {
        var buffer = _buffer;
        var at = _length;
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0) buffer[at++] = _delimiter;
            ref readonly var cell = ref cells[i];
            if (cell.Length == 0) continue;
            var value = cell.Buffer.AsSpan(cell.Offset, cell.Length);
            var neutralise = _neutralise && (cell.Flags & CellFlags.FormulaRisk) != 0;
            if (_guardCopy && (cell.Flags & CellFlags.FormulaRisk) != 0) Mark(at + ((cell.Flags & CellFlags.NeedsQuotes) == 0 ? 0 : 1));
            if ((cell.Flags & CellFlags.NeedsQuotes) == 0)
            {
                if (neutralise) buffer[at++] = (byte)'\'';
                value.CopyTo(buffer.AsSpan(at));
                at += value.Length;
                continue;
            }
            buffer[at++] = (byte)'"';
            if (neutralise) buffer[at++] = (byte)'\'';
            while (true)
            {
                var quote = value.IndexOf((byte)'"');
                if (quote < 0) break;
                value[..(quote + 1)].CopyTo(buffer.AsSpan(at));
                at += quote + 1;
                buffer[at++] = (byte)'"';
                value = value[(quote + 1)..];
            }
            value.CopyTo(buffer.AsSpan(at));
            at += value.Length;
            buffer[at++] = (byte)'"';
        }
        buffer[at++] = (byte)'\r';
        buffer[at++] = (byte)'\n';
        _length = at;
        Rows++;
    }

    private void WriteField(ReadOnlySpan<byte> value, CellFlags flags)
    {
        var neutralise = _neutralise && (flags & CellFlags.FormulaRisk) != 0;
        // A neutralised value starting with tab/CR must be quoted as well, so the prefix survives trimming readers.
        var markCopy = _guardCopy && (flags & CellFlags.FormulaRisk) != 0;
        if ((flags & CellFlags.NeedsQuotes) == 0)
        {
            if (neutralise) WriteByte((byte)'\'');
            if (markCopy) Mark(_length);
            Write(value);
            return;
        }
        WriteByte((byte)'"');
        if (neutralise) WriteByte((byte)'\'');
        if (markCopy) Mark(_length);
        while (true)
        {
            var quote = value.IndexOf((byte)'"');
            if (quote < 0) break;
            Write(value[..(quote + 1)]);
            WriteByte((byte)'"');
            value = value[(quote + 1)..];
        }
        Write(value);
        WriteByte((byte)'"');
    }

    private void WriteByte(byte value)
    {
        if (_length == _buffer.Length) FlushBuffer();
        _buffer[_length++] = value;
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > _buffer.Length - _length)
        {
            FlushBuffer();
            if (bytes.Length > _buffer.Length)
            {
                _stream.Write(bytes);
                _copy?.Write(bytes);
                return;
            }
        }
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    private void FlushBuffer()
    {
        _stream.Write(_buffer, 0, _length);
        if (_copy is not null)
        {
            var from = 0;
            for (var i = 0; i < _markCount; i++)
            {
                _copy.Write(_buffer.AsSpan(from, _marks[i] - from));
                _copy.Write("'"u8);
                from = _marks[i];
            }
            _copy.Write(_buffer.AsSpan(from, _length - from));
            _markCount = 0;
        }
        _length = 0;
    }

    /// <summary>The copy gets a <c>'</c> before the buffer's byte at <paramref name="offset"/> (or at its end).</summary>
    private void Mark(int offset)
    {
        if (_markCount == _marks.Length) Array.Resize(ref _marks, _marks.Length * 2);
        _marks[_markCount++] = offset;
    }

    public void Complete()
    {
        FlushBuffer();
        _stream.Flush();
        _stream.Dispose();
        _copy?.Complete();
    }

    /// <summary>Closes the file; a copy not completed by <see cref="Complete"/> is thereby abandoned.</summary>
    public void Dispose()
    {
        _stream.Dispose();
        _copy?.Dispose();
    }
}
