using System.Text;
using Ret.Conversion.Conversion;
using Ret.Conversion.Scanning;

namespace Ret.Conversion.Tests;

/// <summary><see cref="ScanTable.Columns"/>: the header preview the workspace shows after a scan.</summary>
public sealed class ColumnPreviewTests
{
    private const string OrdersA = """
        <?xml version="1.0" encoding="UTF-8"?>
        <o:Export xmlns:o="urn:orders" xmlns:c="urn:customer">
          <o:Header><o:Created>2024-01-01</o:Created></o:Header>
          <o:Order id="1" status="open">
            <o:Customer><c:Name>Ada</c:Name><c:Address><c:City>Oslo</c:City></c:Address></o:Customer>
            <o:Line><o:Sku>A-1</o:Sku><o:Qty>2</o:Qty></o:Line>
            <o:Line><o:Sku>B-2</o:Sku><o:Qty>1</o:Qty></o:Line>
            <o:Total currency="EUR">12.50</o:Total>
          </o:Order>
          <o:Order id="2">
            <o:Customer><c:Name>Bob</c:Name></o:Customer>
            <o:Line><o:Sku>C-3</o:Sku></o:Line>
            <o:Total currency="NOK">7</o:Total>
          </o:Order>
        </o:Export>
        """;

    private const string OrdersB = """
        <Export xmlns="urn:orders">
          <Order id="3"><Note>late</Note><Line><Sku>D-4</Sku><Qty>9</Qty></Line></Order>
          <Order id="4"><Line><Sku>E-5</Sku></Line></Order>
        </Export>
        """;

    private static readonly string[] _expected =
    [
        "Export.Header.Created",
        "Order@id", "Order@status",
        "Customer.Name", "Customer.Address.City",
        "Line[1].Sku", "Line[1].Qty", "Line[2].Sku", "Line[2].Qty",
        "Total@currency", "Total",
        "Note",
    ];

    [Fact]
    public async Task A_nested_sample_previews_the_columns_in_conversion_order()
    {
        using var temp = new TempDir();
        var inner = Zip.Build(Zip.Text("orders_1.xml", OrdersA), Zip.Text("orders_2.xml", OrdersB), Zip.Text("readme.txt", "x"));
        var input = temp.Bytes("Export_20240101.zip", Zip.Build(("SALES_ORDER.zip", inner)));

        var report = await ArchiveScanner.ScanAsync(input, new ScanOptions { TempDirectory = temp.Path });

        var table = Assert.Single(Assert.Single(report.Groups).Tables);
        Assert.Equal("SALES_ORDER", table.Name);
        Assert.Equal(_expected, table.Columns);
        Assert.Equal(_expected.Length, table.ColumnCount);
        Assert.True(table.ColumnCountExact); // both files were read to their end

        // The conversion writes exactly this header (same order, same names).
        var (manifest, outDir) = await Run.Convert(input, temp);
        Assert.Equal(_expected, Csv.Header(Path.Combine(outDir, manifest.Tables.Single().File)));
    }

    [Fact]
    public async Task The_count_is_exact_only_when_every_file_of_the_table_was_read_whole()
    {
        using var temp = new TempDir();
        // Six files: the sample reads four, and the fifth and sixth add columns the count cannot know.
        var files = Enumerable.Range(1, 6)
            .Select(i => Zip.Text($"orders_{i}.xml", $"<Export><Order><Id>{i}</Id><F{i}>x</F{i}></Order></Export>")).ToArray();
        var many = temp.Bytes("Export_many.zip", Zip.Build(("SALES_ORDER.zip", Zip.Build(files))));
        var table = Assert.Single(Assert.Single((await ArchiveScanner.ScanAsync(many, new ScanOptions { TempDirectory = temp.Path })).Groups).Tables);
        Assert.Equal(5, table.ColumnCount); // Id, F1 … F4
        Assert.False(table.ColumnCountExact);
        var (manifest, _) = await Run.Convert(many, temp);
        Assert.Equal(7, manifest.Tables.Single().Columns.Count); // the conversion reads all six: a lower bound indeed

        // One large file cut by the sample limit: not exact either.
        var sb = new StringBuilder("<library>");
        for (var i = 0; i < 20_000; i++) sb.Append("<book><title>T").Append(i).Append("</title></book>");
        var cut = temp.File("in/library.xml", sb.Append("</library>").ToString());
        var cutTable = (await ArchiveScanner.ScanAsync(cut, new ScanOptions { SampleBytes = 64 * 1024 })).Groups.Single().Tables.Single();
        Assert.Equal(1, cutTable.ColumnCount);
        Assert.False(cutTable.ColumnCountExact);
        // The same file within the limit is exact, and the flag survives the JSON round trip.
        var whole = await ArchiveScanner.ScanAsync(cut);
        Assert.True(whole.Groups.Single().Tables.Single().ColumnCountExact);
        Assert.True(RetJsonContext.DeserializeScan(RetJsonContext.Serialize(whole))!.Groups.Single().Tables.Single().ColumnCountExact);
    }

    [Fact]
    public async Task The_preview_is_part_of_the_json_report_and_round_trips()
    {
        using var temp = new TempDir();
        var input = temp.File("in/orders.xml", OrdersA);
        var report = await ArchiveScanner.ScanAsync(input);
        var json = RetJsonContext.Serialize(report);
        Assert.Contains("\"columns\"", json, StringComparison.Ordinal);
        Assert.Contains("Customer.Address.City", json, StringComparison.Ordinal);
        var back = RetJsonContext.DeserializeScan(json)!;
        Assert.Equal(report.Groups[0].Tables[0].Columns, back.Groups[0].Tables[0].Columns);
        Assert.Equal(
            ["Export.Header.Created", "Order@id", "Order@status", "Customer.Name", "Customer.Address.City",
             "Line[1].Sku", "Line[1].Qty", "Line[2].Sku", "Line[2].Qty", "Total@currency", "Total"],
            back.Groups[0].Tables[0].Columns);
    }

    [Fact]
    public async Task The_preview_is_capped_at_fifty_columns_and_counts_no_bytes_twice()
    {
        using var temp = new TempDir();
        var fields = string.Concat(Enumerable.Range(1, 80).Select(i => $"<f{i}>v</f{i}>"));
        var input = temp.File("in/wide.xml", $"<root><rec>{fields}</rec><rec>{fields}</rec></root>");
        var report = await ArchiveScanner.ScanAsync(input);
        var columns = report.Groups.Single().Tables.Single().Columns;
        Assert.Equal(ArchiveScanner.MaxPreviewColumns, columns.Count);
        Assert.Equal(Enumerable.Range(1, 50).Select(i => $"f{i}"), columns);
        Assert.Equal(80, report.Groups.Single().Tables.Single().ColumnCount); // the width is not capped with the names
        Assert.Equal(80, RetJsonContext.DeserializeScan(RetJsonContext.Serialize(report))!.Groups.Single().Tables.Single().ColumnCount);
        Assert.Equal(new FileInfo(input).Length, report.TotalBytes);
    }

    [Fact]
    public async Task A_truncated_sample_still_previews_the_first_columns()
    {
        using var temp = new TempDir();
        var sb = new StringBuilder("<library>");
        for (var i = 0; i < 20_000; i++) sb.Append("<book><title>T").Append(i).Append("</title><isbn>").Append(i).Append("</isbn></book>");
        var input = temp.File("in/library.xml", sb.Append("</library>").ToString());
        var report = await ArchiveScanner.ScanAsync(input, new ScanOptions { SampleBytes = 64 * 1024 });
        Assert.Equal(["title", "isbn"], report.Groups.Single().Tables.Single().Columns);
    }

    [Fact]
    public void Reports_without_columns_still_deserialize()
    {
        const string json = """{"name":"G","recordElement":"r","recordPaths":["x/r"],"files":["a.xml"]}""";
        var table = System.Text.Json.JsonSerializer.Deserialize(json, RetJsonContext.Default.ScanTable)!;
        Assert.Empty(table.Columns);
        Assert.Equal(0, table.ColumnCount);
        Assert.False(table.ColumnCountExact);
    }
}
