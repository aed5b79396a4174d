using System.Text;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Ret.Conversion.Conversion;

namespace Ret.Conversion.Tests;

public class CsvOutputTests
{
    private static async Task<string> ConvertToText(string xml, ConvertOptions? options = null)
    {
        using var temp = new TempDir();
        var input = temp.File("in/t.xml", xml);
        var (_, outDir) = await Run.Convert(input, temp, options);
        return File.ReadAllText(Path.Combine(outDir, "t.csv"), new UTF8Encoding(false));
    }

    [Fact]
    public async Task Quoting_follows_rfc_4180()
    {
        var text = await ConvertToText("""<r><i><a>plain</a><b>x,y</b><c>say "hi"</c><d>line1&#10;line2</d><e>cr&#13;x</e></i><i><a>2</a></i></r>""");
        Assert.Equal("a,b,c,d,e\r\nplain,\"x,y\",\"say \"\"hi\"\"\",\"line1\nline2\",\"cr\rx\"\r\n2,,,,\r\n", text);
    }

    [Theory]
    [InlineData("=1+2", "'=1+2")]
    [InlineData("+cmd", "'+cmd")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("-42", "-42")]
    [InlineData("+1.5", "+1.5")]
    [InlineData("-1.5E-3", "-1.5E-3")]
    [InlineData("a=b", "a=b")]
    [InlineData("", "")]
    public async Task Formula_like_cells_are_neutralised_but_numbers_are_not(string value, string expected)
    {
        var text = await ConvertToText($"<r><i><v>{System.Security.SecurityElement.Escape(value)}</v></i><i><v>x</v></i></r>");
        Assert.Equal($"v\r\n{expected}\r\nx\r\n", text);
    }

    [Fact]
    public async Task Leading_tab_is_neutralised_inside_quotes_only_when_needed()
    {
        var text = await ConvertToText("<r><i><v><![CDATA[\t=cmd]]></v></i><i><v><![CDATA[=a,b]]></v></i></r>");
        Assert.Equal("v\r\n'\t=cmd\r\n\"'=a,b\"\r\n", text);
    }

    [Fact]
    public async Task Neutralisation_can_be_turned_off()
    {
        var text = await ConvertToText("<r><i><v>=1+2</v></i><i><v>@x</v></i></r>", new ConvertOptions { NeutraliseFormulas = false });
        Assert.Equal("v\r\n=1+2\r\n@x\r\n", text);
    }

    [Fact]
    public async Task Delimiter_and_bom_are_options()
    {
        using var temp = new TempDir();
        var input = temp.File("in/t.xml", "<r><i><a>1;2</a><b>3</b></i><i><a>4</a></i></r>");
        var (_, outDir) = await Run.Convert(input, temp, new ConvertOptions { Delimiter = ';', Bom = true });
        var bytes = File.ReadAllBytes(Path.Combine(outDir, "t.csv"));
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]);
        Assert.Equal("a;b\r\n\"1;2\";3\r\n4;\r\n", Encoding.UTF8.GetString(bytes[3..]));
    }
}

public class EncodingTests
{
    private const string Expected = "Ærø café – “quoted” €";

    public static TheoryData<string, string> Encodings() => new()
    {
        { "utf-8", "UTF-8" },
        { "utf-8-bom", "UTF-8 (BOM)" },
        { "utf-16le-bom", "UTF-16LE (BOM)" },
        { "utf-16be-bom", "UTF-16BE (BOM)" },
        { "utf-16le", "UTF-16LE" },
        { "windows-1252", "WINDOWS-1252" },
    };

    private static byte[] Encode(string kind, string xml)
    {
        Ret.Conversion.Safety.SafeXml.EnsureEncodings();
        return kind switch
        {
            "utf-8" => new UTF8Encoding(false).GetBytes(xml),
            "utf-8-bom" => [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(xml)],
            "utf-16le-bom" => [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(xml)],
            "utf-16be-bom" => [.. Encoding.BigEndianUnicode.GetPreamble(), .. Encoding.BigEndianUnicode.GetBytes(xml)],
            "utf-16le" => Encoding.Unicode.GetBytes(xml),
            "windows-1252" => Encoding.GetEncoding(1252).GetBytes(xml),
            _ => throw new ArgumentException(kind),
        };
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public async Task Declared_and_bom_encodings_are_honoured(string kind, string reported)
    {
        var declaration = kind switch
        {
            "windows-1252" => "<?xml version=\"1.0\" encoding=\"windows-1252\"?>",
            "utf-16le" => "<?xml version=\"1.0\" encoding=\"UTF-16\"?>",
            _ => "<?xml version=\"1.0\"?>",
        };
        using var temp = new TempDir();
        var input = temp.Bytes("in/e.xml", Encode(kind, $"{declaration}<r><i><v>{Expected}</v></i><i><v>x</v></i></r>"));
        var report = await Scanning.ArchiveScanner.ScanAsync(input);
        Assert.Equal(reported, report.Entries.Single().Encoding);
        var (_, outDir) = await Run.Convert(input, temp);
        var rows = Csv.ReadRecords(Path.Combine(outDir, "e.csv"));
        Assert.Equal(Expected, rows[0]["v"]);
    }

    [Fact]
    public async Task Iso_8859_1_is_honoured()
    {
        using var temp = new TempDir();
        var input = temp.Bytes("in/l.xml", Encoding.Latin1.GetBytes("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r><i><v>Ærø café ½</v></i><i><v>x</v></i></r>"));
        var (_, outDir) = await Run.Convert(input, temp);
        Assert.Equal("Ærø café ½", Csv.ReadRecords(Path.Combine(outDir, "l.csv"))[0]["v"]);
    }
}

public class XlsxOutputTests
{
    [Fact]
    public async Task Xlsx_has_text_cells_a_bold_frozen_header_and_continues_on_new_sheets()
    {
        using var temp = new TempDir();
        var items = string.Concat(Enumerable.Range(1, 7).Select(i => $"<i><n>{i:D3}</n><f>=1+{i}</f></i>"));
        var input = temp.File("in/x.xml", $"<r>{items}</r>");
        var (manifest, outDir) = await Run.Convert(input, temp, new ConvertOptions { Format = OutputFormat.Xlsx, MaxRowsPerSheet = 3 });
        var table = Assert.Single(manifest.Tables);
        Assert.Equal(7, table.Rows);
        Assert.Equal(4, table.Sheets); // 2 data rows per sheet + header

        using var document = SpreadsheetDocument.Open(Path.Combine(outDir, "x.xlsx"), false);
        var workbook = document.WorkbookPart!;
        var sheets = workbook.Workbook.Sheets!.Elements<Sheet>().ToList();
        Assert.Equal(["x", "x (2)", "x (3)", "x (4)"], sheets.Select(s => s.Name!.Value));

        var values = new List<string>();
        foreach (var sheet in sheets)
        {
            var part = (WorksheetPart)workbook.GetPartById(sheet.Id!);
            var rows = part.Worksheet.Descendants<Row>().ToList();
            Assert.Equal(["n", "f"], rows[0].Elements<Cell>().Select(c => c.InnerText));
            Assert.All(rows[0].Elements<Cell>(), c => Assert.Equal(1U, c.StyleIndex!.Value));
            var pane = part.Worksheet.Descendants<Pane>().Single();
            Assert.Equal(PaneStateValues.Frozen, pane.State!.Value);
            Assert.Equal(1D, pane.VerticalSplit!.Value);
            foreach (var row in rows.Skip(1))
            {
                var cells = row.Elements<Cell>().ToList();
                Assert.All(cells, c => Assert.Equal(CellValues.InlineString, c.DataType!.Value));
                Assert.All(cells, c => Assert.Null(c.CellFormula));
                values.Add(string.Join('|', cells.Select(c => c.InnerText)));
            }
        }
        Assert.Equal(Enumerable.Range(1, 7).Select(i => $"{i:D3}|=1+{i}"), values);
        var fonts = workbook.WorkbookStylesPart!.Stylesheet.Fonts!.Elements<Font>().ToList();
        Assert.NotNull(fonts[1].Bold);
    }
}
