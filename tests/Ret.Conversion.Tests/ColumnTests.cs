using Ret.Conversion.Conversion;

namespace Ret.Conversion.Tests;

public class ColumnTests
{
    [Fact]
    public async Task Columns_are_paths_below_the_record_with_attributes_and_own_text()
    {
        var rows = await Run.Rows("""
            <Orders>
              <Order id="7" status="open">
                <Customer type="B2B"><Name>Acme</Name><Address><City>Oslo</City></Address></Customer>
                <Total currency="EUR">10.50</Total>
              </Order>
              <Order id="8"><Customer><Name>Beta</Name></Customer></Order>
            </Orders>
            """);
        Assert.Equal(2, rows.Count);
        var first = rows[0];
        Assert.Equal("7", first["Order@id"]);
        Assert.Equal("open", first["Order@status"]);
        Assert.Equal("B2B", first["Customer@type"]);
        Assert.Equal("Acme", first["Customer.Name"]);
        Assert.Equal("Oslo", first["Customer.Address.City"]);
        Assert.Equal("10.50", first["Total"]);
        Assert.Equal("EUR", first["Total@currency"]);
        Assert.Equal("", rows[1]["Customer.Address.City"]);
        Assert.Equal("Beta", rows[1]["Customer.Name"]);
    }

    [Fact]
    public async Task Layout_is_the_union_in_first_seen_document_order_across_files()
    {
        using var temp = new TempDir();
        temp.File("in/Items/1.xml", "<r><i><a>1</a><c>3</c></i><i><a>1</a></i></r>");
        temp.File("in/Items/2.xml", "<r><i><d>4</d><a>1</a><b>2</b></i><i><a>2</a></i></r>");
        var (_, outDir) = await Run.Convert(temp.Combine("in"), temp);
        Assert.Equal(["a", "c", "d", "b"], Csv.Header(Path.Combine(outDir, "Items.csv")));
    }

    [Fact]
    public async Task Repeated_elements_are_numbered_in_wide_mode_across_the_whole_group()
    {
        var rows = await Run.Rows("""
            <r>
              <o><n>1</n><Line><Sku>A</Sku></Line></o>
              <o><n>2</n><Line><Sku>B</Sku><Qty>1</Qty></Line><Line><Sku>C</Sku></Line></o>
            </r>
            """);
        Assert.Equal("A", rows[0]["Line[1].Sku"]);
        Assert.Equal("", rows[0]["Line[2].Sku"]);
        Assert.Equal("B", rows[1]["Line[1].Sku"]);
        Assert.Equal("1", rows[1]["Line[1].Qty"]);
        Assert.Equal("C", rows[1]["Line[2].Sku"]);
        Assert.DoesNotContain("Line.Sku", rows[0].Keys);
    }

    [Fact]
    public async Task Namespace_prefixes_are_dropped_and_collisions_disambiguated()
    {
        var rows = await Run.Rows("""
            <r xmlns="urn:main" xmlns:j="urn:jats" xmlns:x="urn:x">
              <a><title>Main</title><j:title>Jats</j:title><j:p>text</j:p><x:code x:kind="k">9</x:code></a>
              <a><title>Main2</title></a>
            </r>
            """);
        Assert.Equal("Main", rows[0]["title"]);
        Assert.Equal("Jats", rows[0]["j:title"]);
        Assert.Equal("text", rows[0]["p"]);
        Assert.Equal("9", rows[0]["code"]);
        Assert.Equal("k", rows[0]["code@kind"]);
    }

    [Fact]
    public async Task Files_of_different_schema_versions_share_columns()
    {
        using var temp = new TempDir();
        temp.File("in/G/1.xml", "<r xmlns='urn:v1'><i><a>1</a></i><i><a>2</a></i></r>");
        temp.File("in/G/2.xml", "<r xmlns='urn:v2'><i><a>3</a></i><i><a>4</a></i></r>");
        var (_, outDir) = await Run.Convert(temp.Combine("in"), temp);
        Assert.Equal(["a"], Csv.Header(Path.Combine(outDir, "G.csv")));
    }

    [Fact]
    public async Task Values_are_exact_and_only_formatting_whitespace_is_trimmed()
    {
        var rows = await Run.Rows("""
            <r>
              <v>
                <zip>007</zip><exp>1E+10</exp><dec>3.141592653589793238462643383279</dec>
                <padded>
                    two  spaces inside
                </padded>
                <cdata><![CDATA[  kept as is  ]]></cdata>
                <multi>line one
            line two</multi>
                <long>{long}</long>
              </v>
              <v><zip>0</zip></v>
            </r>
            """.Replace("{long}", new string('x', 100_000)));
        var v = rows[0];
        Assert.Equal("007", v["zip"]);
        Assert.Equal("1E+10", v["exp"]);
        Assert.Equal("3.141592653589793238462643383279", v["dec"]);
        Assert.Equal("two  spaces inside", v["padded"]);
        Assert.Equal("  kept as is  ", v["cdata"]);
        Assert.Equal("line one\nline two", v["multi"].Replace("\r\n", "\n"));
        Assert.Equal(100_000, v["long"].Length);
    }

    [Fact]
    public async Task Text_read_in_chunks_is_exact_across_buffer_sizes_surrogates_entities_and_reuse()
    {
        // Values are read from the parser in chunks into a buffer per depth (256 chars, doubling), reused by the next
        // element: lengths around every doubling, an emoji (a surrogate pair) and entities on the boundaries, and a
        // short value right after a long one must all come out exactly.
        var values = new List<string>();
        foreach (var length in new[] { 1, 254, 255, 256, 257, 511, 512, 513, 1023, 1025, 70_000, 3 })
        {
            values.Add(new string('a', length - 1) + "😀");
            values.Add(new string('b', length) + "&<>");
        }

        var xml = "<r>" + string.Concat(values.Select(v => "<i><v>" + System.Security.SecurityElement.Escape(v) + "</v></i>"))
            + "<i><v>x<![CDATA[ <y> ]]>z&#x1F600;</v></i></r>";
        var rows = await Run.Rows(xml);

        Assert.Equal(values.Count + 1, rows.Count);
        for (var i = 0; i < values.Count; i++)
        {
            Assert.True(values[i] == rows[i]["v"], $"value {i} (length {values[i].Length}) differs");
        }

        Assert.Equal("x <y> z😀", rows[^1]["v"]);
    }

    [Fact]
    public async Task Mixed_content_keeps_the_text()
    {
        var rows = await Run.Rows("<r><p>Hello <b>bold</b> world</p><p>Second</p></r>", new ConvertOptions { RecordOverride = "p" });
        Assert.Equal("Hello  world", rows[0]["#text"]);
        Assert.Equal("bold", rows[0]["b"]);
        Assert.Equal("Second", rows[1]["#text"]);
    }

    [Fact]
    public async Task Values_outside_records_become_context_columns_on_every_row()
    {
        var rows = await Run.Rows("""
            <doi_batch version="4.4.2">
              <head><doi_batch_id>B1</doi_batch_id></head>
              <body>
                <journal>
                  <journal_metadata><full_title>J1</full_title><abbrev>J.1</abbrev></journal_metadata>
                  <journal_article><title>A1</title></journal_article>
                  <journal_article><title>A2</title></journal_article>
                </journal>
                <journal>
                  <journal_metadata><full_title>J2</full_title></journal_metadata>
                  <journal_article><title>A3</title></journal_article>
                </journal>
              </body>
            </doi_batch>
            """);
        Assert.Equal(["A1", "A2", "A3"], rows.Select(r => r["title"]));
        Assert.All(rows, r => Assert.Equal("B1", r["doi_batch.head.doi_batch_id"]));
        Assert.All(rows, r => Assert.Equal("4.4.2", r["doi_batch@version"]));
        Assert.Equal(["J1", "J1", "J2"], rows.Select(r => r["doi_batch.body.journal.journal_metadata.full_title"]));
        // The second journal does not inherit the first journal's abbreviation.
        Assert.Equal(["J.1", "J.1", ""], rows.Select(r => r["doi_batch.body.journal.journal_metadata.abbrev"]));
    }

    [Fact]
    public async Task Values_after_the_last_record_are_not_dropped()
    {
        using var temp = new TempDir();
        var input = temp.File("in/e.xml", "<Export><Item><a>1</a></Item><Item><a>2</a></Item><Footer><Count>2</Count></Footer></Export>");
        var (manifest, outDir) = await Run.Convert(input, temp);
        var rows = Csv.ReadRecords(Path.Combine(outDir, "e.csv"));
        Assert.All(rows, r => Assert.Equal("2", r["Export.Footer.Count"]));
        var file = Assert.Single(manifest.Files);
        Assert.Equal(3, file.LeafValues);
        Assert.Equal(3, file.ValuesWritten);
    }

    [Fact]
    public async Task Context_can_go_to_a_separate_table()
    {
        using var temp = new TempDir();
        var input = temp.File("in/c.xml", "<batch><head><id>H</id></head><item><a>1</a></item><item><a>2</a></item></batch>");
        var (manifest, outDir) = await Run.Convert(input, temp, new ConvertOptions { Context = ContextMode.Table });
        var rows = Csv.ReadRecords(Path.Combine(outDir, "c.csv"));
        Assert.Equal(["context_id", "a"], rows[0].Keys);
        Assert.All(rows, r => Assert.Equal("1.1", r["context_id"]));
        var context = Assert.Single(Csv.ReadRecords(Path.Combine(outDir, "c.context.csv")));
        Assert.Equal("H", context["batch.head.id"]);
        Assert.Equal(3, manifest.Files[0].ValuesWritten);
    }

    [Fact]
    public async Task Source_file_column_says_where_each_row_came_from()
    {
        using var temp = new TempDir();
        temp.Bytes("in/Sales.zip", Zip.Build(Zip.Text("a.xml", "<r><i><x>1</x></i></r>"), Zip.Text("b.xml", "<r><i><x>2</x></i><i><x>3</x></i></r>")));
        var (_, outDir) = await Run.Convert(temp.Combine("in"), temp, new ConvertOptions { IncludeSourceFile = true });
        var rows = Csv.ReadRecords(Path.Combine(outDir, "Sales.csv"));
        Assert.Equal(["Sales.zip/a.xml", "Sales.zip/b.xml", "Sales.zip/b.xml"], rows.Select(r => r["source_file"]));
    }

    [Fact]
    public async Task Relational_mode_puts_repeated_elements_in_child_tables()
    {
        using var temp = new TempDir();
        var input = temp.File("in/orders.xml", """
            <Orders>
              <Order><OrderId>A-1</OrderId><Line><Sku>S1</Sku><Tax><Rate>5</Rate></Tax><Tax><Rate>7</Rate></Tax></Line><Line><Sku>S2</Sku></Line></Order>
              <Order><Note>n</Note><Line><Sku>S3</Sku></Line></Order>
            </Orders>
            """);
        var (manifest, outDir) = await Run.Convert(input, temp, new ConvertOptions { Mode = RepeatMode.Relational });
        Assert.Equal(["orders.csv", "orders.Line.csv", "orders.Line.Tax.csv"], manifest.Tables.Select(t => t.File));

        var orders = Csv.ReadRecords(Path.Combine(outDir, "orders.csv"));
        Assert.Equal(["record_id", "OrderId", "Note"], orders[0].Keys);
        Assert.Equal(["A-1", "2"], orders.Select(o => o["record_id"])); // natural id, else the ordinal

        var lines = Csv.ReadRecords(Path.Combine(outDir, "orders.Line.csv"));
        Assert.Equal(["record_id", "parent_id", "id", "Sku"], lines[0].Keys);
        Assert.Equal(["A-1|A-1|A-1.1|S1", "A-1|A-1|A-1.2|S2", "2|2|2.1|S3"], lines.Select(l => string.Join('|', l.Values)));

        var taxes = Csv.ReadRecords(Path.Combine(outDir, "orders.Line.Tax.csv"));
        Assert.Equal(["A-1|A-1.1|A-1.1.1|5", "A-1|A-1.1|A-1.1.2|7"], taxes.Select(l => string.Join('|', l.Values)));
        Assert.All(manifest.Files, f => Assert.Equal(f.LeafValues, f.ValuesWritten));
    }

    [Fact]
    public async Task Manifest_counts_leaf_values_per_file()
    {
        using var temp = new TempDir();
        var input = temp.File("in/m.xml", "<r a='1'><i b='2'><x>3</x><y/><z> </z></i><i><x>4</x></i></r>");
        var (manifest, _) = await Run.Convert(input, temp);
        var file = Assert.Single(manifest.Files);
        Assert.Equal(4, file.LeafValues); // a, b, x, x (empty elements hold no value)
        Assert.Equal(4, file.ValuesWritten);
        Assert.Equal(2, file.Rows);
        Assert.Equal(2, manifest.TotalRows);
    }
}
