using System.IO.Compression;
using System.IO.Hashing;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Ret.Server.Features.Workspace;
using Ret.Server.Features.Workspace.Tables;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Workspace;

/// <summary>Downloads deflated while the conversion writes the tables (ADR 0506): the file the tap makes, and the ZIPs
/// that copy it — byte for byte what guarding and deflating at download time gives, and never for an edited table.</summary>
public sealed class PrecompressedDownloadTests(WorkspaceFactory factory) : IClassFixture<WorkspaceFactory>
{
    [Fact]
    public async Task A_tap_copy_is_deflated_with_its_crc_and_length_and_an_abandoned_one_leaves_nothing()
    {
        var dir = Directory.CreateTempSubdirectory("ret-tap-").FullName;
        try
        {
            var options = new CsvExportOptions(NeutraliseFormulas: true, Bom: false);
            var tap = new PrecompressedCsv.Tap(dir, options, NullLogger.Instance);
            var text = new StringBuilder();
            for (var i = 0; text.Length < 3_000_000; i++)
            {
                text.Append("INV-").Append(i).Append(",\"Name, ").Append(i % 50).Append("\",2024-01-").Append(10 + (i % 18)).Append(",ü€\r\n");
            }

            var bytes = Encoding.UTF8.GetBytes(text.ToString());
            using (var copy = tap.Open("a.csv")!)
            {
                Assert.True(copy.NeutraliseFormulas);
                Assert.False(copy.Bom);
                for (var at = 0; at < bytes.Length;)
                {
                    var take = Math.Min(bytes.Length - at, 1 + (at % 300_000)); // tiny and large pieces
                    copy.Write(bytes.AsSpan(at, take));
                    at += take;
                }

                copy.Complete();
            }

            using (var abandoned = tap.Open("b.csv")!)
            {
                abandoned.Write(bytes.AsSpan(0, 500_000)); // the conversion fails before Complete
            }

            Assert.Equal(1, await tap.CompleteAsync());
            Assert.False(File.Exists(PrecompressedCsv.PathFor(Path.Combine(dir, "b.csv"))), "an abandoned copy was left behind");
            Assert.Null(PrecompressedCsv.Find(Path.Combine(dir, "b.csv"), options));
            Assert.Null(PrecompressedCsv.Find(Path.Combine(dir, "a.csv"), options with { Bom = true })); // made for other options
            Assert.Null(PrecompressedCsv.Find(Path.Combine(dir, "a.csv"), options with { NeutraliseFormulas = false }));

            var found = PrecompressedCsv.Find(Path.Combine(dir, "a.csv"), options);
            Assert.NotNull(found);
            Assert.Equal(bytes.Length, found.Size);
            Assert.Equal(Crc32.HashToUInt32(bytes), found.Crc);
            await using var data = found.OpenData();
            using var inflated = new MemoryStream();
            await using (var inflate = new DeflateStream(data, CompressionMode.Decompress, leaveOpen: true))
            {
                await inflate.CopyToAsync(inflated);
            }

            Assert.True(bytes.AsSpan().SequenceEqual(inflated.ToArray()), "the deflated copy does not inflate to the bytes written");
            Assert.Equal(found.CompressedSize, data.Position - 32);

            // A copy cut short (a crash after the header was written) is not used.
            await using (var cut = new FileStream(found.Path, FileMode.Open))
            {
                cut.SetLength(cut.Length - 1);
            }

            Assert.Null(PrecompressedCsv.Find(Path.Combine(dir, "a.csv"), options));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task Group_and_everything_zips_copy_the_tables_deflated_during_the_conversion_until_a_table_is_edited(bool neutralise, bool bom)
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var http = user.Client;
        var session = await WorkspaceApiTests.CreateSessionAsync(http, "precompressed");
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync($"/api/workspace/sessions/{session}/files/export.zip", new ByteArrayContent(TwoGroupExport()))).StatusCode);
        await WorkspaceApiTests.WaitForStateAsync(http, session, "scanned");
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync($"/api/workspace/sessions/{session}/conversions",
            new { format = "csv", neutraliseFormulas = neutralise, bom })).StatusCode);
        await WorkspaceApiTests.WaitForStateAsync(http, session, "converted");
        await WorkspaceApiTests.WaitForTablesReadyAsync(http, session);

        var runs = Path.Combine(factory.Services.GetRequiredService<WorkspaceStorage>().SessionDir(Guid.Parse(session)), "runs");
        var run = Assert.Single(Directory.GetDirectories(runs));
        string Deflated(string table) => PrecompressedCsv.PathFor(Path.Combine(run, table + ".csv"));
        Assert.True(File.Exists(Deflated("ITEMS")) && File.Exists(Deflated("PARTNERS")), "the conversion left no deflated downloads");

        // Byte for byte what the single-table download (guarded and encoded when downloaded) gives.
        var items = await TableAsync(http, session, "ITEMS");
        var partners = await TableAsync(http, session, "PARTNERS");
        Assert.Equal(bom, items.AsSpan().StartsWith(Encoding.UTF8.Preamble));
        Assert.Equal(neutralise, Encoding.UTF8.GetString(items).Contains("'=1+2", StringComparison.Ordinal));
        var all = await ZipAsync(http, session, new { kind = "all" });
        Assert.Equal(items, all["ITEMS.csv"]);
        Assert.Equal(partners, all["PARTNERS.csv"]);
        Assert.Contains("manifest.json", all.Keys);
        Assert.Equal(items, (await ZipAsync(http, session, new { kind = "group", group = "ITEMS" }))["ITEMS.csv"]);

        // One table goes out as the deflated copy to a client that takes gzip (inflated: the same bytes), and as plain
        // CSV to one that does not take it.
        Assert.Equal(items, await GzipTableAsync(http, session, "ITEMS", "gzip, deflate, br"));
        Assert.Equal(partners, await GzipTableAsync(http, session, "PARTNERS", "*"));
        Assert.Equal(partners, await GzipTableAsync(http, session, "PARTNERS", "br, gzip;q=0, *;q=0.5", expectGzip: false));

        // The ZIPs really copy those files: with the two swapped, each table's entry carries the other's rows.
        File.Move(Deflated("ITEMS"), Deflated("ITEMS") + ".swap");
        File.Move(Deflated("PARTNERS"), Deflated("ITEMS"));
        File.Move(Deflated("ITEMS") + ".swap", Deflated("PARTNERS"));
        all = await ZipAsync(http, session, new { kind = "all" });
        Assert.Equal(partners, all["ITEMS.csv"]);
        Assert.Equal(items, all["PARTNERS.csv"]);

        // An edited table is exported from the store: its deflated file is no longer its content.
        var edit = await http.PostAsJsonAsync($"/api/workspace/sessions/{session}/tables/ITEMS/edits",
            new { ops = new object[] { new { op = "set", rowId = 0, column = "Name", value = "EDITED" } } });
        Assert.Equal(HttpStatusCode.OK, edit.StatusCode);
        all = await ZipAsync(http, session, new { kind = "all" });
        Assert.Equal(await TableAsync(http, session, "ITEMS"), all["ITEMS.csv"]);
        Assert.Contains("EDITED", Encoding.UTF8.GetString(all["ITEMS.csv"]), StringComparison.Ordinal);
        Assert.Equal(items, all["PARTNERS.csv"]); // untouched: still the (swapped) deflated file
        Assert.Equal(all["ITEMS.csv"], await GzipTableAsync(http, session, "ITEMS", "gzip", expectGzip: false));
        var original = await ZipAsync(http, session, new { kind = "all", version = "original" });
        Assert.Equal(partners, original["ITEMS.csv"]); // the original version is the engine's file: deflated copy again
    }

    [Fact]
    public async Task An_xlsx_conversion_leaves_no_deflated_csv()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var http = user.Client;
        var session = await WorkspaceApiTests.CreateSessionAsync(http, "xlsx");
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync($"/api/workspace/sessions/{session}/files/export.zip", new ByteArrayContent(TwoGroupExport()))).StatusCode);
        await WorkspaceApiTests.WaitForStateAsync(http, session, "scanned");
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync($"/api/workspace/sessions/{session}/conversions", new { format = "xlsx" })).StatusCode);
        await WorkspaceApiTests.WaitForStateAsync(http, session, "converted");

        var runs = Path.Combine(factory.Services.GetRequiredService<WorkspaceStorage>().SessionDir(Guid.Parse(session)), "runs");
        Assert.Empty(Directory.GetFiles(Assert.Single(Directory.GetDirectories(runs)), "*.deflate", SearchOption.AllDirectories));
        var all = await ZipAsync(http, session, new { kind = "all" });
        Assert.Contains("ITEMS.xlsx", all.Keys);
    }

    private static async Task<byte[]> TableAsync(HttpClient http, string session, string table)
    {
        var response = await http.GetAsync($"/api/workspace/sessions/{session}/tables/{table}/download?format=csv");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(response.Content.Headers.ContentEncoding); // the test client sends no Accept-Encoding
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>One table's CSV asked for with <paramref name="acceptEncoding"/>; inflated when it came as gzip.</summary>
    private static async Task<byte[]> GzipTableAsync(HttpClient http, string session, string table, string acceptEncoding, bool expectGzip = true)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/workspace/sessions/{session}/tables/{table}/download?format=csv");
        request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsByteArrayAsync();
        if (!expectGzip)
        {
            Assert.Empty(response.Content.Headers.ContentEncoding);
            return body;
        }

        Assert.Equal(["gzip"], response.Content.Headers.ContentEncoding);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        using var inflated = new MemoryStream();
        await using (var gzip = new GZipStream(new MemoryStream(body), CompressionMode.Decompress))
        {
            await gzip.CopyToAsync(inflated); // checks the trailer's CRC and length
        }

        return inflated.ToArray();
    }

    internal static async Task<Dictionary<string, byte[]>> ZipAsync(HttpClient http, string session, object request)
    {
        var ticket = await http.PostAsJsonAsync($"/api/workspace/sessions/{session}/downloads", request);
        Assert.Equal(HttpStatusCode.Created, ticket.StatusCode);
        var url = (await ticket.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("url").GetString()!;
        var bytes = await http.GetByteArrayAsync(url);
        using var archive = new ZipArchive(new MemoryStream(bytes)); // checks each entry's CRC while reading
        var entries = new Dictionary<string, byte[]>();
        foreach (var entry in archive.Entries)
        {
            using var data = new MemoryStream();
            await using (var stream = entry.Open())
            {
                await stream.CopyToAsync(data);
            }

            entries[entry.FullName] = data.ToArray();
        }

        return entries;
    }

    /// <summary>Two groups; values a spreadsheet would run (plain and quoted), plain negative numbers, quotes, commas,
    /// line breaks and non-ASCII text; enough rows for several of the engine's write buffers.</summary>
    internal static byte[] TwoGroupExport()
    {
        var items = new StringBuilder("<Export>");
        for (var i = 0; i < 4000; i++)
        {
            items.Append("<Item><Code>").Append(i % 7 == 0 ? "=1+2" : i % 5 == 0 ? "-" + i : "I" + i).Append("</Code><Name>")
                .Append(i % 3 == 0 ? $"say &quot;{i}&quot;, ok" : i % 11 == 0 ? "@cmd,x" : "Grüße " + i).Append("</Name><Note>")
                .Append(i % 13 == 0 ? "line1&#10;+line2" : "").Append("</Note></Item>");
        }

        var partners = new StringBuilder("<Export>");
        for (var i = 0; i < 1500; i++)
        {
            partners.Append("<Partner><Id>P").Append(i).Append("</Id><Phone>+49 30 ").Append(1000 + i).Append("</Phone></Partner>");
        }

        return WorkspaceApiTests.ZipOf(("ITEMS.zip", WorkspaceApiTests.ZipOf(("items.xml", items.Append("</Export>").ToString()))),
            ("PARTNERS.zip", WorkspaceApiTests.ZipOf(("partners.xml", partners.Append("</Export>").ToString()))));
    }
}
