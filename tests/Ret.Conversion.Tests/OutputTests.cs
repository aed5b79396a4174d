using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using DocumentFormat.OpenXml.Validation;
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

    /// <summary>
    /// Rows are written without bounds checks when the 256 KB buffer has room for their worst case, and piece by piece
    /// near its end: 40 000 rows of varying length (plain, quoted, neutralised, both) and one 300 KB cell cross the
    /// boundary many times; every byte must be what RFC 4180 and the formula rule give.
    /// </summary>
    [Fact]
    public async Task Rows_are_written_exactly_across_the_write_buffer()
    {
        var xml = new StringBuilder("<r>");
        var expected = new StringBuilder("a,b,c,d\r\n");
        for (var i = 0; i < 40_000; i++)
        {
            var pad = new string('p', i % 97);
            var big = i == 20_000 ? new string('x', 150_000) + "\"" + new string('y', 150_000) : "";
            xml.Append($"<i><a>v{i}{pad}</a><b>say &quot;{i}&quot;{big}</b><c>=x{i}</c><d>=a,b{i}</d></i>");
            expected.Append($"v{i}{pad},\"say \"\"{i}\"\"{big.Replace("\"", "\"\"", StringComparison.Ordinal)}\",'=x{i},\"'=a,b{i}\"\r\n");
        }
        xml.Append("</r>");
        var text = await ConvertToText(xml.ToString());
        Assert.Equal(expected.Length, text.Length);
        Assert.True(expected.ToString() == text, "the CSV differs from the expected bytes");
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

    /// <summary>Formula cells plain, quoted, after a tab and inside a 300 KB cell, spread over 20 000 rows so they fall
    /// on both sides of the writer's buffer boundaries, in wide and relational layouts (several tables written at once).</summary>
    private static string FormulaDocument()
    {
        var xml = new StringBuilder("<r>");
        for (var i = 0; i < 20_000; i++)
        {
            var big = i == 10_000 ? new string('x', 150_000) + "\"" + new string('y', 150_000) : "";
            xml.Append($"<i><a>v{i}{new string('p', i % 97)}</a><b>=x{i}</b><c>=a,b{i}{big}</c><d>-{i}</d><d>+cmd {i}</d>");
            xml.Append(i % 3 == 0 ? $"<e><![CDATA[\t=t{i}]]></e>" : "").Append("<g><h>@h</h></g><g><h>plain</h></g></i>");
        }
        return xml.Append("</r>").ToString();
    }

    /// <summary>The manifest counts the fields neutralisation changes: each adds exactly one <c>'</c>, so the count is
    /// the difference in length between the file written with and without it; a table without any is the same file either
    /// way (the server relies on that to deflate downloads without a guard pass, docs/decisions/0507).</summary>
    [Theory]
    [InlineData(RepeatMode.Wide)]
    [InlineData(RepeatMode.Relational)]
    public async Task The_manifest_counts_the_formula_like_fields_of_each_csv_table(RepeatMode mode)
    {
        using var temp = new TempDir();
        var input = temp.File("in/t.xml", FormulaDocument());
        var clean = temp.File("in2/clean.xml", "<r><i><a>-12.5</a><b>+3E-2</b><c>a=b</c><d>x-y</d></i><i><a>7</a><b>say \"hi\"</b></i></r>");
        var (raw, rawDir) = await Run.Convert(input, temp, new ConvertOptions { Mode = mode, NeutraliseFormulas = false }, "raw");
        var (guarded, guardedDir) = await Run.Convert(input, temp, new ConvertOptions { Mode = mode, NeutraliseFormulas = true }, "guarded");

        Assert.True(raw.Tables.Count >= (mode == RepeatMode.Relational ? 2 : 1));
        Assert.Contains(raw.Tables, t => t.FormulaCells > 0);
        foreach (var table in raw.Tables)
        {
            var added = new FileInfo(Path.Combine(guardedDir, table.File)).Length - new FileInfo(Path.Combine(rawDir, table.File)).Length;
            Assert.Equal(added, table.FormulaCells);
            Assert.Equal(table.FormulaCells, guarded.Tables.Single(t => t.File == table.File).FormulaCells);
        }

        var (cleanRaw, cleanRawDir) = await Run.Convert(clean, temp, new ConvertOptions { Mode = mode, NeutraliseFormulas = false }, "clean-raw");
        var (_, cleanGuardedDir) = await Run.Convert(clean, temp, new ConvertOptions { Mode = mode, NeutraliseFormulas = true }, "clean-guarded");
        var cleanTable = Assert.Single(cleanRaw.Tables);
        Assert.Equal(0, cleanTable.FormulaCells);
        Assert.Equal(File.ReadAllBytes(Path.Combine(cleanRawDir, cleanTable.File)), File.ReadAllBytes(Path.Combine(cleanGuardedDir, cleanTable.File)));

        var (xlsx, _) = await Run.Convert(clean, temp, new ConvertOptions { Mode = mode, Format = OutputFormat.Xlsx }, "xlsx");
        Assert.Null(Assert.Single(xlsx.Tables).FormulaCells);
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

    [Fact]
    public async Task Xlsx_package_is_valid_open_xml_and_values_read_back_exactly()
    {
        using var temp = new TempDir();
        // Escaping, whitespace kept exactly (CDATA), CR, non-ASCII, an empty cell, a formula-looking value, and
        // an attribute holding markup characters; two sheets so the split is validated as well.
        var input = temp.File("in/v.xml", """
            <r>
              <i k="a&lt;b&gt;&amp;&quot;c"><v>Tom &amp; Jerry &lt;tag&gt; ]]&gt;</v><w><![CDATA[  padded  ]]></w><x>line1&#13;&#10;line2&#10;end</x></i>
              <i k="2"><v>Ærø café ½ 𝄞 日本</v><w/><x>=SUM(A1:A2)</x></i>
              <i k="3"><v>007</v><w><![CDATA[ ]]></w><x>-42</x></i>
              <i k="4"><v>1E-3</v><w>tab&#9;inside</w><x>&#160;nbsp</x></i>
            </r>
            """);
        var (manifest, outDir) = await Run.Convert(input, temp, new ConvertOptions { Format = OutputFormat.Xlsx, MaxRowsPerSheet = 3 });
        Assert.Equal(2, Assert.Single(manifest.Tables).Sheets);
        var path = Path.Combine(outDir, "v.xlsx");

        using (var document = SpreadsheetDocument.Open(path, false))
        {
            var errors = new OpenXmlValidator(FileFormatVersions.Office2007).Validate(document).ToList();
            Assert.True(errors.Count == 0, string.Join("\n", errors.Select(e => $"{e.Path?.XPath}: {e.Description}")));
            var errors2019 = new OpenXmlValidator(FileFormatVersions.Office2019).Validate(document).ToList();
            Assert.Empty(errors2019);

            var workbook = document.WorkbookPart!;
            var rows = new List<string[]>();
            foreach (var sheet in workbook.Workbook.Sheets!.Elements<Sheet>())
            {
                var part = (WorksheetPart)workbook.GetPartById(sheet.Id!);
                var sheetRows = part.Worksheet.Descendants<Row>().ToList();
                Assert.Equal(["i@k", "v", "w", "x"], sheetRows[0].Elements<Cell>().Select(c => c.InnerText));
                rows.AddRange(sheetRows.Skip(1).Select(r => r.Elements<Cell>().Select(c => c.InlineString?.Text?.Text ?? "").ToArray()));
            }
            Assert.Equal(
                [
                    ["a<b>&\"c", "Tom & Jerry <tag> ]]>", "  padded  ", "line1\r\nline2\nend"],
                    ["2", "Ærø café ½ 𝄞 日本", "", "=SUM(A1:A2)"],
                    ["3", "007", " ", "-42"],
                    ["4", "1E-3", "tab\tinside", "\u00A0nbsp"],
                ],
                rows);
        }

        // The parts are plain SpreadsheetML: default namespace, no prefixes, inline strings only.
        using var zip = System.IO.Compression.ZipFile.OpenRead(path);
        Assert.Equal(
            ["xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "[Content_Types].xml", "_rels/.rels",
             "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"],
            zip.Entries.Select(e => e.FullName));
        using var reader = new StreamReader(zip.GetEntry("xl/worksheets/sheet1.xml")!.Open());
        var xml = reader.ReadToEnd();
        Assert.DoesNotContain("<x:", xml, StringComparison.Ordinal);
        Assert.Contains("""<c t="inlineStr"><is><t xml:space="preserve">  padded  </t></is></c>""", xml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Xlsx_of_a_table_without_rows_is_still_valid()
    {
        using var temp = new TempDir();
        var input = temp.File("in/e.xml", "<r><i><a>1</a></i></r>");
        var (_, outDir) = await Run.Convert(input, temp, new ConvertOptions { Format = OutputFormat.Xlsx, MaxRowsPerSheet = 2 });
        using var document = SpreadsheetDocument.Open(Path.Combine(outDir, "e.xlsx"), false);
        Assert.Empty(new OpenXmlValidator().Validate(document));
        var part = document.WorkbookPart!.WorksheetParts.Single();
        Assert.Equal(2, part.Worksheet.Descendants<Row>().Count());
    }
}
