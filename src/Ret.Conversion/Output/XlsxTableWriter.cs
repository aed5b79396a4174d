using System.Buffers;
using System.IO.Compression;
using System.Text;
using Ret.Conversion.Conversion;

namespace Ret.Conversion.Output;

/// <summary>
/// Streaming XLSX writer. The worksheet XML (SpreadsheetML, default namespace, no prefixes) is written by hand
/// from the cells' UTF-8 bytes into a buffer that goes straight into the package entry (deflate, fastest level),
/// so memory does not grow with the row count and no per-cell objects or strings are created
/// (docs/decisions/0105, 0107). Every value is an inline-string text cell (<c>t="inlineStr"</c>: never re-typed,
/// never a formula, no shared-strings table); <c>&amp;</c>, <c>&lt;</c>, <c>&gt;</c> and CR are escaped, values
/// with leading/trailing whitespace get <c>xml:space="preserve"</c>. The header row is bold (style 1) and frozen;
/// past the sheet row limit the table continues on a new sheet with the header repeated. The workbook, styles,
/// relationships and content types parts are minimal and fixed; timestamps are fixed so identical input gives
/// byte-identical files.
/// </summary>
internal sealed class XlsxTableWriter : ITableWriter
{
    private static readonly DateTimeOffset _fixedTime = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly SearchValues<byte> _escaped = SearchValues.Create("&<>\r"u8);

    private static ReadOnlySpan<byte> SheetStart =>
        """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"""u8 + "\r\n"u8
        + """<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView></sheetViews><sheetData>"""u8;

    private static ReadOnlySpan<byte> SheetEnd => "</sheetData></worksheet>"u8;

    private readonly FileStream _file;
    private readonly ZipArchive _zip;
    private readonly int _maxRowsPerSheet;
    private readonly string _sheetBaseName;
    private readonly List<string> _sheetNames = [];
    private readonly byte[] _buffer = new byte[1 << 17];
    private int _length;
    private byte[][] _header = [];
    private Stream? _sheetStream;
    private int _rowsInSheet;

    public XlsxTableWriter(string path, string sheetName, int maxRowsPerSheet)
    {
        _maxRowsPerSheet = Math.Max(2, maxRowsPerSheet);
        _sheetBaseName = SheetName(sheetName);
        _file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16);
        _zip = new ZipArchive(_file, ZipArchiveMode.Create, leaveOpen: true);
    }

    public long Rows { get; private set; }

    /// <summary>Sheets written so far.</summary>
    public int Sheets => _sheetNames.Count;

    public void WriteHeader(IReadOnlyList<string> names)
    {
        _header = new byte[names.Count][];
        for (var i = 0; i < names.Count; i++) _header[i] = Encoding.UTF8.GetBytes(names[i]);
        StartSheet();
    }

    public void WriteRow(ReadOnlySpan<Cell> cells)
    {
        if (_rowsInSheet >= _maxRowsPerSheet)
        {
            EndSheet();
            StartSheet();
        }
        Write("<row>"u8);
        for (var i = 0; i < cells.Length; i++)
        {
            ref readonly var cell = ref cells[i];
            if (cell.Length == 0)
            {
                Write("<c/>"u8);
                continue;
            }
            WriteTextCell(cell.Buffer.AsSpan(cell.Offset, cell.Length), header: false);
        }
        Write("</row>"u8);
        _rowsInSheet++;
        Rows++;
    }

    private void WriteTextCell(ReadOnlySpan<byte> value, bool header)
    {
        Write(header ? """<c t="inlineStr" s="1"><is><t"""u8 : """<c t="inlineStr"><is><t"""u8);
        Write(NeedsPreserve(value) ? """ xml:space="preserve">"""u8 : ">"u8);
        while (true)
        {
            var special = value.IndexOfAny(_escaped);
            if (special < 0) break;
            Write(value[..special]);
            Write(value[special] switch
            {
                (byte)'&' => "&amp;"u8,
                (byte)'<' => "&lt;"u8,
                (byte)'>' => "&gt;"u8,
                _ => "&#13;"u8, // CR would be normalised to LF by XML readers
            });
            value = value[(special + 1)..];
        }
        Write(value);
        Write("</t></is></c>"u8);
    }

    /// <summary>Leading or trailing whitespace (XML or Unicode) must be marked, or spreadsheet readers drop it.</summary>
    private static bool NeedsPreserve(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty) return false;
        return IsSpace(value, first: true) || IsSpace(value, first: false);

        static bool IsSpace(ReadOnlySpan<byte> value, bool first)
        {
            var b = first ? value[0] : value[^1];
            if (b < 0x80) return b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
            var status = first ? Rune.DecodeFromUtf8(value, out var rune, out _) : Rune.DecodeLastFromUtf8(value, out rune, out _);
            return status == OperationStatus.Done && Rune.IsWhiteSpace(rune);
        }
    }

    private void StartSheet()
    {
        var number = _sheetNames.Count + 1;
        _sheetNames.Add(number == 1 ? _sheetBaseName : $"{Truncate(_sheetBaseName, 25)} ({number})");
        _sheetStream = CreateEntry($"xl/worksheets/sheet{number}.xml").Open();
        Write(SheetStart);
        Write("<row>"u8);
        foreach (var name in _header) WriteTextCell(name, header: true);
        Write("</row>"u8);
        _rowsInSheet = 1;
    }

    private void EndSheet()
    {
        if (_sheetStream is null) return;
        Write(SheetEnd);
        FlushBuffer();
        _sheetStream.Dispose();
        _sheetStream = null;
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > _buffer.Length - _length)
        {
            FlushBuffer();
            if (bytes.Length > _buffer.Length)
            {
                _sheetStream!.Write(bytes);
                return;
            }
        }
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    private void FlushBuffer()
    {
        if (_length == 0) return;
        _sheetStream!.Write(_buffer, 0, _length);
        _length = 0;
    }

    public void Complete()
    {
        if (_sheetNames.Count == 0) StartSheet();
        EndSheet();
        WritePart("[Content_Types].xml", ContentTypes());
        WritePart("_rels/.rels",
            """<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>""");
        WritePart("xl/workbook.xml", WorkbookXml());
        WritePart("xl/_rels/workbook.xml.rels", WorkbookRels());
        WritePart("xl/styles.xml",
            """<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>""");
        _zip.Dispose();
        _file.Flush();
        _file.Dispose();
    }

    private string ContentTypes()
    {
        var sb = new StringBuilder("""<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>""");
        for (var i = 1; i <= _sheetNames.Count; i++)
            sb.Append($"""<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>""");
        return sb.Append("</Types>").ToString();
    }

    private string WorkbookXml()
    {
        var sb = new StringBuilder("""<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>""");
        for (var i = 0; i < _sheetNames.Count; i++)
            sb.Append($"""<sheet name="{System.Security.SecurityElement.Escape(_sheetNames[i])}" sheetId="{i + 1}" r:id="rId{i + 1}"/>""");
        return sb.Append("</sheets></workbook>").ToString();
    }

    private string WorkbookRels()
    {
        var sb = new StringBuilder("""<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">""");
        for (var i = 1; i <= _sheetNames.Count; i++)
            sb.Append($"""<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>""");
        sb.Append($"""<Relationship Id="rId{_sheetNames.Count + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>""");
        return sb.Append("</Relationships>").ToString();
    }

    private ZipArchiveEntry CreateEntry(string name)
    {
        var entry = _zip.CreateEntry(name, CompressionLevel.Fastest);
        entry.LastWriteTime = _fixedTime;
        return entry;
    }

    private void WritePart(string name, string content)
    {
        using var stream = CreateEntry(name).Open();
        stream.Write(Encoding.UTF8.GetBytes(content));
    }

    /// <summary>Excel sheet names: at most 31 characters, none of <c>[]:*?/\</c>.</summary>
    internal static string SheetName(string name)
    {
        var clean = new StringBuilder(name.Length);
        foreach (var c in name) clean.Append(c is '[' or ']' or ':' or '*' or '?' or '/' or '\\' ? '_' : c);
        var result = Truncate(clean.ToString().Trim('\''), 31);
        return result.Length == 0 ? "Sheet" : result;
    }

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];

    public void Dispose()
    {
        _sheetStream?.Dispose();
        _zip.Dispose();
        _file.Dispose();
    }
}
