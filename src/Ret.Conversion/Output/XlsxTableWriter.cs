using System.IO.Compression;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Spreadsheet;
using Ret.Conversion.Conversion;
using XCell = DocumentFormat.OpenXml.Spreadsheet.Cell;

namespace Ret.Conversion.Output;

/// <summary>
/// Streaming XLSX writer: sheet XML is produced by the Open XML SDK's SAX <see cref="OpenXmlWriter"/> straight
/// into the package entry, so memory does not grow with the row count. Every value is an inline-string text
/// cell (never re-typed, never a formula); the header row is bold and frozen; past the sheet row limit the
/// table continues on a new sheet with the header repeated. The package parts are written with fixed
/// timestamps so identical input gives byte-identical files (docs/decisions/0105).
/// </summary>
internal sealed class XlsxTableWriter : ITableWriter
{
    private static readonly DateTimeOffset _fixedTime = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly OpenXmlAttribute[] _inlineString = [new("t", "", "inlineStr")];
    private static readonly OpenXmlAttribute[] _headerCell = [new("t", "", "inlineStr"), new("s", "", "1")];

    private readonly FileStream _file;
    private readonly ZipArchive _zip;
    private readonly int _maxRowsPerSheet;
    private readonly string _sheetBaseName;
    private readonly List<string> _sheetNames = [];
    private readonly XCell _cell = new();
    private readonly InlineString _inline = new();
    private readonly Text _text = new();
    private readonly Row _row = new();
    private IReadOnlyList<string> _header = [];
    private Stream? _sheetStream;
    private OpenXmlWriter? _writer;
    private int _rowsInSheet;

    public XlsxTableWriter(string path, string sheetName, int maxRowsPerSheet)
    {
        _maxRowsPerSheet = maxRowsPerSheet;
        _sheetBaseName = SheetName(sheetName);
        _file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16);
        _zip = new ZipArchive(_file, ZipArchiveMode.Create, leaveOpen: true);
    }

    public long Rows { get; private set; }

    /// <summary>Sheets written so far.</summary>
    public int Sheets => _sheetNames.Count;

    public void WriteHeader(IReadOnlyList<string> names)
    {
        _header = names;
        StartSheet();
    }

    public void WriteRow(ReadOnlySpan<Cell> cells)
    {
        if (_rowsInSheet >= _maxRowsPerSheet)
        {
            EndSheet();
            StartSheet();
        }
        var writer = _writer!;
        writer.WriteStartElement(_row);
        for (var i = 0; i < cells.Length; i++)
        {
            ref readonly var cell = ref cells[i];
            if (cell.Length == 0)
            {
                writer.WriteStartElement(_cell);
                writer.WriteEndElement();
                continue;
            }
            WriteTextCell(writer, Encoding.UTF8.GetString(cell.Buffer!, cell.Offset, cell.Length), _inlineString);
        }
        writer.WriteEndElement();
        _rowsInSheet++;
        Rows++;
    }

    private void WriteTextCell(OpenXmlWriter writer, string value, OpenXmlAttribute[] attributes)
    {
        writer.WriteStartElement(_cell, attributes);
        writer.WriteStartElement(_inline);
        writer.WriteStartElement(_text, value.Length > 0 && (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1])) ? PreserveSpace : []);
        writer.WriteString(value);
        writer.WriteEndElement();
        writer.WriteEndElement();
        writer.WriteEndElement();
    }

    private static readonly OpenXmlAttribute[] PreserveSpace = [new("xml", "space", "http://www.w3.org/XML/1998/namespace", "preserve")];

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

    public void Complete()
    {
        if (_sheetNames.Count == 0) WriteHeader(_header);
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
        _writer?.Dispose();
        _sheetStream?.Dispose();
        _zip.Dispose();
        _file.Dispose();
    }
}
