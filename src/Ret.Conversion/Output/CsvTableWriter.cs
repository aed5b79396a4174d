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
    private int _length;

    public CsvTableWriter(string path, char delimiter, bool bom, bool neutraliseFormulas)
    {
        if (delimiter > 127 || delimiter is '"' or '\r' or '\n') throw new ArgumentException("The delimiter must be an ASCII character other than a quote or line break.", nameof(delimiter));
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        _delimiter = (byte)delimiter;
        _neutralise = neutraliseFormulas;
        _classifier = new ValueClassifier(delimiter);
        if (bom) Write([0xEF, 0xBB, 0xBF]);
    }

    public long Rows { get; private set; }

    /// <summary>Fields written (header included) that start like a spreadsheet formula: those neutralisation prefixes
    /// with <c>'</c>. Zero means the file is the same with or without neutralisation.</summary>
    public long FormulaCells { get; private set; }

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
        var formulas = 0; // counted in a register and added once per row, not stored per cell
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0) buffer[at++] = _delimiter;
            ref readonly var cell = ref cells[i];
            if (cell.Length == 0) continue;
            var value = cell.Buffer.AsSpan(cell.Offset, cell.Length);
            var risk = (cell.Flags & CellFlags.FormulaRisk) != 0;
            formulas += risk ? 1 : 0;
            var neutralise = _neutralise && risk;
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
        FormulaCells += formulas;
        Rows++;
    }

    private void WriteField(ReadOnlySpan<byte> value, CellFlags flags)
    {
        if ((flags & CellFlags.FormulaRisk) != 0) FormulaCells++;
        var neutralise = _neutralise && (flags & CellFlags.FormulaRisk) != 0;
        // A neutralised value starting with tab/CR must be quoted as well, so the prefix survives trimming readers.
        if ((flags & CellFlags.NeedsQuotes) == 0)
        {
            if (neutralise) WriteByte((byte)'\'');
            Write(value);
            return;
        }
        WriteByte((byte)'"');
        if (neutralise) WriteByte((byte)'\'');
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
                return;
            }
        }
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    private void FlushBuffer()
    {
        _stream.Write(_buffer, 0, _length);
        _length = 0;
    }

    public void Complete()
    {
        FlushBuffer();
        _stream.Flush();
        _stream.Dispose();
    }

    public void Dispose() => _stream.Dispose();
}
