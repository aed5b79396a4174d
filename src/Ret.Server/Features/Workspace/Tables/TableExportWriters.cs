using System.Buffers;
using System.IO.Compression;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Spreadsheet;
using XCell = DocumentFormat.OpenXml.Spreadsheet.Cell;

namespace Ret.Server.Features.Workspace.Tables;

/// <summary>
/// RFC 4180 CSV to any stream, byte-compatible with the engine's <c>CsvTableWriter</c>: UTF-8 (optional BOM), fields
/// quoted only when they contain the delimiter, a quote, CR or LF, quotes doubled, CRLF line ends, and formula-like
/// cells (<c>= + - @</c> tab CR at the start, not a plain number) prefixed with <c>'</c> when neutralisation is on — the
/// header too. Rows are encoded into a pooled buffer that is flushed asynchronously when full.
/// </summary>
internal sealed class CsvExportWriter : IAsyncDisposable
{
    private const int BufferSize = 1 << 16;
    private readonly Stream _output;
    private readonly CsvExportOptions _options;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(BufferSize * 2);
    private readonly SearchValuesHolder _quoteTriggers;
    private int _length;

    public CsvExportWriter(Stream output, CsvExportOptions options)
    {
        if (options.Delimiter > 127 || options.Delimiter is '"' or '\r' or '\n')
            throw new ArgumentException("The delimiter must be an ASCII character other than a quote or line break.", nameof(options));
        _output = output;
        _options = options;
        _quoteTriggers = new SearchValuesHolder(options.Delimiter);
        if (options.Bom) Append([0xEF, 0xBB, 0xBF]);
    }

    public long Rows { get; private set; }

    /// <summary>Encodes one record (header or row). Call <see cref="FlushIfFullAsync"/> after it.</summary>
    public void WriteRecord(IReadOnlyList<string> values)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0) Append((byte)_options.Delimiter);
            WriteField(values[i] ?? string.Empty);
        }
        Append("\r\n"u8);
        Rows++;
    }

    public ValueTask FlushIfFullAsync(CancellationToken cancellationToken) =>
        _length >= BufferSize ? FlushAsync(cancellationToken) : ValueTask.CompletedTask;

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_length == 0) return;
        await _output.WriteAsync(_buffer.AsMemory(0, _length), cancellationToken);
        _length = 0;
    }

    private void WriteField(string value)
    {
        if (value.Length == 0) return;
        var neutralise = _options.NeutraliseFormulas && Ret.Conversion.Output.FormulaGuard.IsFormulaRisk(value);
        if (value.AsSpan().IndexOfAny(_quoteTriggers.Values) < 0)
        {
            if (neutralise) Append((byte)'\'');
            AppendText(value);
            return;
        }
        Append((byte)'"');
        if (neutralise) Append((byte)'\'');
        var rest = value.AsSpan();
        while (true)
        {
            var quote = rest.IndexOf('"');
            if (quote < 0) break;
            AppendText(rest[..(quote + 1)]);
            Append((byte)'"');
            rest = rest[(quote + 1)..];
        }
        AppendText(rest);
        Append((byte)'"');
    }

    private void AppendText(ReadOnlySpan<char> text)
    {
        while (text.Length > 0)
        {
            // Worst case 3 bytes per UTF-16 unit.
            var chunk = text.Length > BufferSize / 3 ? BufferSize / 3 : text.Length;
            if (chunk < text.Length && char.IsHighSurrogate(text[chunk - 1])) chunk--;
            EnsureRoom(chunk * 3);
            _length += Encoding.UTF8.GetBytes(text[..chunk], _buffer.AsSpan(_length));
            text = text[chunk..];
        }
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        EnsureRoom(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    private void Append(byte value)
    {
        EnsureRoom(1);
        _buffer[_length++] = value;
    }

    private void EnsureRoom(int bytes)
    {
        if (_buffer.Length - _length >= bytes) return;
        // A record longer than the buffer (very long cells). Synchronous writes may be refused by the host (Kestrel),
        // so the buffer grows to hold the record; it is flushed asynchronously after the record.
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + bytes));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    public ValueTask DisposeAsync()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        return ValueTask.CompletedTask;
    }

    private sealed class SearchValuesHolder(char delimiter)
    {
        public SearchValues<char> Values { get; } = SearchValues.Create(['"', '\r', '\n', delimiter]);
    }
}

/// <summary>
/// Streaming XLSX in the engine's shape (inline-string text cells, bold frozen header, text number format, the table
/// continued on a new sheet past Excel's row limit), written with the Open XML SDK's SAX <see cref="OpenXmlWriter"/>
/// straight into a <see cref="ZipArchive"/> over a forward-only stream. Synchronous: give it a stream that accepts
/// synchronous writes (the store feeds it through a pipe). Characters XML cannot carry become U+FFFD.
/// </summary>
internal sealed class XlsxExportWriter : IDisposable
{
    public const int ExcelMaxRows = 1_048_576;

    private static readonly OpenXmlAttribute[] _inlineString = [new("t", "", "inlineStr")];
    private static readonly OpenXmlAttribute[] _headerCell = [new("t", "", "inlineStr"), new("s", "", "1")];
    private static readonly OpenXmlAttribute[] _preserveSpace = [new("xml", "space", "http://www.w3.org/XML/1998/namespace", "preserve")];
    private static readonly DateTimeOffset _fixedTime = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly ZipArchive _zip;
    private readonly string _sheetBaseName;
    private readonly int _maxRowsPerSheet;
    private readonly List<string> _sheetNames = [];
    private readonly XCell _cell = new();
    private readonly InlineString _inline = new();
    private readonly Text _text = new();
    private readonly Row _row = new();
    private IReadOnlyList<string> _header = [];
    private Stream? _sheetStream;
    private OpenXmlWriter? _writer;
    private int _rowsInSheet;

    public XlsxExportWriter(Stream output, string sheetName, int maxRowsPerSheet = ExcelMaxRows)
    {
        _zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        _sheetBaseName = SheetName(sheetName);
        _maxRowsPerSheet = maxRowsPerSheet;
    }

    public long Rows { get; private set; }

    public void WriteHeader(IReadOnlyList<string> names)
    {
        _header = names;
        StartSheet();
    }

    public void WriteRow(IReadOnlyList<string> values)
    {
        if (_rowsInSheet >= _maxRowsPerSheet)
        {
            EndSheet();
            StartSheet();
        }
        var writer = _writer!;
        writer.WriteStartElement(_row);
        for (var i = 0; i < values.Count; i++)
        {
            var value = values[i];
            if (string.IsNullOrEmpty(value))
            {
                writer.WriteStartElement(_cell);
                writer.WriteEndElement();
                continue;
            }
            WriteTextCell(writer, value, _inlineString);
        }
        writer.WriteEndElement();
        _rowsInSheet++;
        Rows++;
    }

    private void WriteTextCell(OpenXmlWriter writer, string value, OpenXmlAttribute[] attributes)
    {
        value = XmlSafe(value);
        writer.WriteStartElement(_cell, attributes);
        writer.WriteStartElement(_inline);
        writer.WriteStartElement(_text, value.Length > 0 && (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1])) ? _preserveSpace : []);
        writer.WriteString(value);
        writer.WriteEndElement();
        writer.WriteEndElement();
        writer.WriteEndElement();
    }

    /// <summary>Replaces characters XML 1.0 cannot carry (controls other than tab/CR/LF, lone surrogates, U+FFFE/F).</summary>
    internal static string XmlSafe(string value)
    {
        var i = 0;
        for (; i < value.Length; i++)
        {
            if (!IsXmlChar(value, i)) break;
            if (char.IsHighSurrogate(value[i])) i++;
        }
        if (i == value.Length) return value;
        var builder = new StringBuilder(value.Length);
        builder.Append(value, 0, i);
        for (; i < value.Length; i++)
        {
            if (!IsXmlChar(value, i))
            {
                builder.Append('\uFFFD');
                continue;
            }
            builder.Append(value[i]);
            if (char.IsHighSurrogate(value[i])) builder.Append(value[++i]);
        }
        return builder.ToString();

        static bool IsXmlChar(string s, int index)
        {
            var c = s[index];
            if (c < 0x20) return c is '\t' or '\n' or '\r';
            if (char.IsHighSurrogate(c)) return index + 1 < s.Length && char.IsLowSurrogate(s[index + 1]);
            if (char.IsLowSurrogate(c)) return false;
            return c is not ('\uFFFE' or '\uFFFF');
        }
    }

    private void StartSheet()
    {
        var number = _sheetNames.Count + 1;
        _sheetNames.Add(number == 1 ? _sheetBaseName : $"{Truncate(_sheetBaseName, 25)} ({number})");
        _sheetStream = CreateEntry($"xl/worksheets/sheet{number}.xml").Open();
        var writer = _writer = OpenXmlWriter.Create(_sheetStream, new UTF8Encoding(false));
        writer.WriteStartDocument(true);
        writer.WriteStartElement(new Worksheet());
        writer.WriteElement(new SheetViews(new SheetView(
            new Pane { VerticalSplit = 1, TopLeftCell = "A2", ActivePane = PaneValues.BottomLeft, State = PaneStateValues.Frozen },
            new Selection { Pane = PaneValues.BottomLeft })
        { WorkbookViewId = 0U }));
        writer.WriteStartElement(new SheetData());
        writer.WriteStartElement(_row);
        foreach (var name in _header) WriteTextCell(writer, name, _headerCell);
        writer.WriteEndElement();
        _rowsInSheet = 1;
    }

    private void EndSheet()
    {
        if (_writer is null) return;
        _writer.WriteEndElement(); // sheetData
        _writer.WriteEndElement(); // worksheet
        _writer.Close();
        _writer.Dispose();
        _sheetStream!.Dispose();
        _writer = null;
        _sheetStream = null;
    }

    /// <summary>Writes the remaining package parts and closes the archive (the output stream stays open).</summary>
    public void Complete()
    {
        if (_sheetNames.Count == 0) StartSheet();
        EndSheet();
        var types = new StringBuilder("""<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>""");
        var sheets = new StringBuilder();
        var rels = new StringBuilder();
        for (var i = 1; i <= _sheetNames.Count; i++)
        {
            types.Append($"""<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>""");
            sheets.Append($"""<sheet name="{System.Security.SecurityElement.Escape(_sheetNames[i - 1])}" sheetId="{i}" r:id="rId{i}"/>""");
            rels.Append($"""<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>""");
        }
        var styleId = _sheetNames.Count + 1;
        WritePart("[Content_Types].xml", types.Append("</Types>").ToString());
        WritePart("_rels/.rels",
            """<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>""");
        WritePart("xl/workbook.xml",
            $"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{sheets}</sheets></workbook>""");
        WritePart("xl/_rels/workbook.xml.rels",
            $"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}<Relationship Id="rId{styleId}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>""");
        WritePart("xl/styles.xml",
            """<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>""");
        _zip.Dispose();
    }

    private void WritePart(string name, string xml)
    {
        using var stream = CreateEntry(name).Open();
        stream.Write(Encoding.UTF8.GetBytes(xml));
    }

    private ZipArchiveEntry CreateEntry(string name)
    {
        var entry = _zip.CreateEntry(name, CompressionLevel.Fastest);
        entry.LastWriteTime = _fixedTime;
        return entry;
    }

    /// <summary>Excel sheet names: 1–31 characters, none of <c>[]:*?/\</c>, not starting or ending with an apostrophe.</summary>
    internal static string SheetName(string name)
    {
        var builder = new StringBuilder();
        foreach (var c in name)
        {
            if (c is '[' or ']' or ':' or '*' or '?' or '/' or '\\' || char.IsControl(c)) continue;
            builder.Append(c);
        }
        var clean = Truncate(builder.ToString().Trim('\'', ' '), 31).Trim('\'', ' ');
        return clean.Length == 0 ? "Sheet1" : clean;
    }

    private static string Truncate(string value, int max)
    {
        if (value.Length <= max) return value;
        var cut = char.IsHighSurrogate(value[max - 1]) ? max - 1 : max;
        return value[..cut];
    }

    public void Dispose()
    {
        _writer?.Dispose();
        _sheetStream?.Dispose();
        _zip.Dispose();
    }
}
