using Ret.Conversion.Conversion;
using Ret.Conversion.Scanning;

namespace Ret.Conversion.Tests;

public class RecordDetectionTests
{
    private static async Task<ScannedEntry> Scan(string xml)
    {
        using var temp = new TempDir();
        var input = temp.File("doc.xml", xml);
        var report = await ArchiveScanner.ScanAsync(input);
        return report.Entries.Single();
    }

    [Fact]
    public async Task Flat_repeating_children_of_the_root_are_records()
    {
        var entry = await Scan("<library><book><title>A</title><year>1</year></book><book><title>B</title><year>2</year></book></library>");
        Assert.Equal("library/book", entry.RecordPath);
        Assert.Equal(2, entry.RecordsInSample);
    }

    [Fact]
    public async Task Erp_export_records_are_found_below_the_root_and_a_header_is_context()
    {
        var entry = await Scan("""
            <Export><Header><Created>2024-01-01</Created><System>ERP</System></Header>
              <PaymentTerm><Code>N30</Code><Days>30</Days><Lines><Line><Pct>100</Pct></Line></Lines></PaymentTerm>
              <PaymentTerm><Code>N60</Code><Days>60</Days><Lines><Line><Pct>50</Pct></Line><Line><Pct>50</Pct></Line></Lines></PaymentTerm>
            </Export>
            """);
        Assert.Equal("Export/PaymentTerm", entry.RecordPath);
        Assert.Equal(["Export/Header"], entry.Context);
    }

    [Fact]
    public async Task Records_at_depth_are_found_through_wrappers()
    {
        var entry = await Scan("<a><b><c><item><x>1</x><y>2</y></item><item><x>3</x><y>4</y></item><item><x>5</x><y>6</y></item></c></b></a>");
        Assert.Equal("a/b/c/item", entry.RecordPath);
    }

    [Fact]
    public async Task A_single_record_file_uses_the_data_carrying_element()
    {
        var entry = await Scan("<Export><PaymentTerm><Code>N30</Code><Days>30</Days><Lines><Line><Pct>50</Pct></Line><Line><Pct>50</Pct></Line></Lines></PaymentTerm></Export>");
        Assert.Equal("Export/PaymentTerm", entry.RecordPath);
    }

    [Theory]
    [InlineData("<journal><journal_metadata><full_title>J</full_title></journal_metadata><journal_issue><issue>1</issue></journal_issue><journal_article><titles><title>T</title></titles><citation_list><citation key='a'><doi>1</doi></citation><citation key='b'><doi>2</doi></citation><citation key='c'><doi>3</doi></citation></citation_list></journal_article></journal>", "doi_batch/body/journal/journal_article")]
    [InlineData("<book book_type='monograph'><book_metadata><titles><title>B</title></titles></book_metadata><content_item><titles><title>C1</title></titles></content_item><content_item><titles><title>C2</title></titles></content_item></book>", "doi_batch/body/book")]
    [InlineData("<conference><event_metadata><conference_name>C</conference_name></event_metadata><conference_paper><titles><title>P</title></titles></conference_paper></conference>", "doi_batch/body/conference/conference_paper")]
    [InlineData("<peer_review stage='pre-publication'><titles><title>R</title></titles><review_date><year>2020</year></review_date></peer_review>", "doi_batch/body/peer_review")]
    [InlineData("<sa_component parent_doi='10.1/x'><component_list><component><titles><title>1</title></titles></component><component><titles><title>2</title></titles></component></component_list></sa_component>", "doi_batch/body/sa_component/component_list/component")]
    public async Task Crossref_content_items_are_the_records(string body, string expected)
    {
        var xml = $"""
            <doi_batch xmlns="http://www.crossref.org/schema/4.4.2" version="4.4.2">
              <head><doi_batch_id>1</doi_batch_id><timestamp>2019</timestamp><depositor><depositor_name>X</depositor_name><email_address>x@y</email_address></depositor><registrant>R</registrant></head>
              <body>{body}</body>
            </doi_batch>
            """;
        var entry = await Scan(xml);
        Assert.Equal(expected, entry.RecordPath);
        Assert.Contains("doi_batch/head", entry.Context!);
    }

    [Fact]
    public async Task Different_record_elements_in_one_group_become_separate_tables()
    {
        using var temp = new TempDir();
        temp.File("in/Crossref/a.xml", "<doi_batch><head><id>1</id></head><body><journal><journal_article><t>A</t></journal_article></journal></body></doi_batch>");
        temp.File("in/Crossref/b.xml", "<doi_batch><head><id>2</id></head><body><book><book_metadata><t>B</t></book_metadata></book></body></doi_batch>");
        var report = await ArchiveScanner.ScanAsync(temp.Combine("in"));
        var group = Assert.Single(report.Groups);
        Assert.Equal(["Crossref.journal_article", "Crossref.book"], group.Tables.Select(t => t.Name));

        var (manifest, _) = await Run.Convert(temp.Combine("in"), temp);
        Assert.Equal(["Crossref.journal_article.csv", "Crossref.book.csv"], manifest.Tables.Select(t => t.File));
    }

    [Theory]
    [InlineData("Line")]
    [InlineData("Lines/Line")]
    [InlineData("/Export/PaymentTerm/Lines/Line")]
    public async Task The_record_can_be_overridden_by_name_or_path(string spec)
    {
        var rows = await Run.Rows(
            "<Export><PaymentTerm><Code>N30</Code><Lines><Line><Pct>40</Pct></Line><Line><Pct>60</Pct></Line></Lines></PaymentTerm></Export>",
            new ConvertOptions { RecordOverride = spec });
        Assert.Equal(["40", "60"], rows.Select(r => r["Pct"]));
        Assert.All(rows, r => Assert.Equal("N30", r["Export.PaymentTerm.Code"]));
    }

    [Fact]
    public async Task A_record_override_that_matches_nothing_still_writes_the_values()
    {
        using var temp = new TempDir();
        var input = temp.File("doc.xml", "<r><a>1</a><b x='2'/></r>");
        var (manifest, outDir) = await Run.Convert(input, temp, new ConvertOptions { RecordOverride = "missing" });
        var file = Assert.Single(manifest.Files);
        Assert.NotNull(file.Warning);
        Assert.Equal(2, file.ValuesWritten);
        var row = Assert.Single(Csv.ReadRecords(Path.Combine(outDir, "doc.csv")));
        Assert.Equal("1", row["r.a"]);
        Assert.Equal("2", row["r.b@x"]);
    }
}
