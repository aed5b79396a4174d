using System.Text;

namespace Ret.Server.Features.Workspace.Tables;

/// <summary>
/// Streaming RFC 4180 reader for the engine's CSV: UTF-8 (a BOM is skipped), fields optionally quoted with doubled
/// quotes inside, records ending in CRLF or LF (line breaks inside quotes are data, kept exactly). Values are returned
/// exactly as written; an empty field is an empty string. A final line break does not make an extra record.
/// </summary>
internal sealed class CsvRecordReader : IDisposable
{
    private readonly TextReader _reader;
    private readonly char _delimiter;
    private readonly char[] _buffer = new char[1 << 16];
    private readonly StringBuilder _field = new();
    private readonly List<string> _fields = [];
    private int _position;
    private int _length;

    public CsvRecordReader(Stream stream, char delimiter = ',')
    {
        _reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        _delimiter = delimiter;
    }

    public static CsvRecordReader Open(string path, char delimiter = ',') =>
        new(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan), delimiter);

    /// <summary>1-based number of the record last returned.</summary>
    public long RecordNumber { get; private set; }

    /// <summary>The next record's fields, or null at the end.</summary>
    public string[]? Read()
    {
        _fields.Clear();
        _field.Clear();
        if (!EnsureData()) return null;
        var quoted = false;
        var afterQuote = false;
        while (EnsureData())
        {
            var c = _buffer[_position++];
            if (quoted)
            {
                if (c == '"')
                {
                    if (EnsureData() && _buffer[_position] == '"')
                    {
                        _field.Append('"');
                        _position++;
                    }
                    else
                    {
                        quoted = false;
                        afterQuote = true;
                    }
                }
                else
                {
                    // Copy the run up to the next quote in one go.
                    var end = Array.IndexOf(_buffer, '"', _position, _length - _position);
                    if (end < 0) end = _length;
                    _field.Append(c).Append(_buffer, _position, end - _position);
                    _position = end;
                }
                continue;
            }
            if (c == _delimiter)
            {
                EndField();
                afterQuote = false;
                continue;
            }
            if (c is '\r' or '\n')
            {
                if (c == '\r' && EnsureData() && _buffer[_position] == '\n') _position++;
                EndField();
                RecordNumber++;
                return [.. _fields];
            }
            if (c == '"' && _field.Length == 0 && !afterQuote)
            {
                quoted = true;
                continue;
            }
            if (afterQuote) throw new InvalidDataException($"Record {RecordNumber + 1}: text after a closing quote.");
            _field.Append(c);
        }
        if (quoted) throw new InvalidDataException($"Record {RecordNumber + 1}: a quoted field is not closed.");
        EndField();
        RecordNumber++;
        return [.. _fields];
    }

    private void EndField()
    {
        _fields.Add(_field.Length == 0 ? string.Empty : _field.ToString());
        _field.Clear();
    }

    private bool EnsureData()
    {
        if (_position < _length) return true;
        _length = _reader.Read(_buffer, 0, _buffer.Length);
        _position = 0;
        return _length > 0;
    }

    public void Dispose() => _reader.Dispose();
}
