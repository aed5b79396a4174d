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

/// <summary>Downloads deflated right after the conversion (ADR 0506, 0507): the deflated file, and the ZIPs that copy it —
/// byte for byte what guarding and deflating at download time gives, and never for an edited table.</summary>
public sealed class PrecompressedDownloadTests(WorkspaceFactory factory) : IClassFixture<WorkspaceFactory>
{
    /// <summary>A CSV in the engine's form: quoted fields with commas, non-ASCII text, plain negative numbers and, when
    /// <paramref name="formulas"/>, values a spreadsheet would run (plain and quoted); ~3 MB, many deflate blocks.</summary>
    private static byte[] EngineCsv(bool formulas)
    {
        var text = new StringBuilder("Code,Name,Day,Note\r\n");
        for (var i = 0; text.Length < 3_000_000; i++)
        {
            var code = formulas && i % 7 == 0 ? "=1+2" : i % 5 == 0 ? "-" + i : "INV-" + i;
            var note = formulas && i % 11 == 0 ? "\"@cmd,x\"" : "ü€";
            text.Append(code).Append(",\"Name, ").Append(i % 50).Append("\",2024-01-").Append(10 + (i % 18)).Append(',').Append(note).Append("\r\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>What the download of the file is with <paramref name="options"/>: the pass-through every download used
    /// before the deflated files (and still uses for an edited table).</summary>
    private static async Task<byte[]> GuardedAsync(byte[] csv, CsvExportOptions options)
    {
        using var output = new MemoryStream();
        await CsvPassThrough.CopyAsync(new MemoryStream(csv), output, options, CancellationToken.None);
        return output.ToArray();
    }

    private static async Task<byte[]> InflateAsync(PrecompressedCsv.Deflated found)
    {
        await using var data = found.OpenData();
        using var inflated = new MemoryStream();
        await using (var inflate = new DeflateStream(data, CompressionMode.Decompress, leaveOpen: true))
        {
            await inflate.CopyToAsync(inflated);
        }

        Assert.Equal(found.CompressedSize, data.Position - 32);
        return inflated.ToArray();
    }

    /// <summary>The deflated download of an engine CSV inflates to what the download gives, with its CRC and length:
    /// through the formula guard when the table has formula-like fields, straight from the file (after a BOM) when the
    /// manifest says it has none or the guard is off (ADR 0507).</summary>
    [Theory]
    [InlineData(true, 42L, true, false)]   // formula cells, guard on: through the pass-through
    [InlineData(true, null, true, true)]   // count unknown (an older manifest): through the pass-through
    [InlineData(true, 42L, false, true)]   // guard off: the file as it is, after a BOM
    [InlineData(false, 0L, true, true)]    // nothing to guard: the file as it is, after a BOM
    [InlineData(false, 0L, true, false)]
    public async Task A_deflated_download_inflates_to_the_guarded_file_with_its_crc_and_length(bool formulas, long? formulaCells, bool neutralise, bool bom)
    {
        var dir = Directory.CreateTempSubdirectory("ret-deflate-").FullName;
        try
        {
            var options = new CsvExportOptions(neutralise, bom);
            var csv = EngineCsv(formulas);
            var path = Path.Combine(dir, "a.csv");
            await File.WriteAllBytesAsync(path, csv);
            await PrecompressedCsv.DeflateFileAsync(path, formulaCells, options, CancellationToken.None);

            var wanted = await GuardedAsync(csv, options);
            Assert.Equal(formulas && neutralise, wanted.Length > csv.Length + (bom ? 3 : 0)); // the guard had work to do
            var found = PrecompressedCsv.Find(path, options);
            Assert.NotNull(found);
            Assert.Equal(wanted.Length, found.Size);
            Assert.Equal(Crc32.HashToUInt32(wanted), found.Crc);
            var inflated = await InflateAsync(found);
            Assert.True(wanted.AsSpan().SequenceEqual(inflated), "the deflated download does not inflate to the guarded file");
            Assert.Equal([PrecompressedCsv.PathFor(path)], Directory.GetFiles(dir, ".*")); // no temporary file left

            Assert.Null(PrecompressedCsv.Find(path, options with { Bom = !bom })); // made for other options
            Assert.Null(PrecompressedCsv.Find(path, options with { NeutraliseFormulas = !neutralise }));
            await using (var cut = new FileStream(found.Path, FileMode.Open))
            {
                cut.SetLength(cut.Length - 1); // cut short: not used
            }

            Assert.Null(PrecompressedCsv.Find(path, options));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_failed_deflate_leaves_nothing_and_a_download_waits_for_one_in_progress()
    {
        var dir = Directory.CreateTempSubdirectory("ret-deflate-").FullName;
        try
        {
            var options = new CsvExportOptions();
            var missing = Path.Combine(dir, "missing.csv");
            await Assert.ThrowsAsync<FileNotFoundException>(() => PrecompressedCsv.DeflateFileAsync(missing, 0, options, CancellationToken.None));
            Assert.Empty(Directory.GetFileSystemEntries(dir));

            // The precompressor: a download waits for the table being deflated; a table that fails is given up, not awaited forever.
            var run = Path.Combine(dir, "run");
            Directory.CreateDirectory(run);
            var big = Path.Combine(run, "big.csv");
            await WriteBigCsvAsync(big);

            var precompressor = new DownloadPrecompressor(NullLogger<DownloadPrecompressor>.Instance);
            var all = precompressor.Start(run, [new(big, 7), new(Path.Combine(run, "gone.csv"), 0)], options);
            Assert.False(all.IsCompleted, "24 MB deflated in no time: the test cannot see the wait");
            await precompressor.WaitAsync(big, CancellationToken.None);
            Assert.NotNull(PrecompressedCsv.Find(big, options));
            await precompressor.WaitForRunsAsync(dir, CancellationToken.None); // the session's folder: every run in it
            Assert.True(all.IsCompletedSuccessfully);
            Assert.Equal([PrecompressedCsv.PathFor(big)], Directory.GetFiles(run, ".*"));
            await precompressor.WaitAsync(big, CancellationToken.None); // done: nothing to wait for
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A 24 MB engine CSV with formula-like fields (the slow path: ≈ 0.1–0.3 s to deflate) at <paramref name="path"/>.</summary>
    private static async Task WriteBigCsvAsync(string path)
    {
        var csv = EngineCsv(formulas: true);
        var header = csv.AsSpan().IndexOf("\r\n"u8) + 2;
        await using var file = File.Create(path);
        for (var i = 0; i < 8; i++)
        {
            await file.WriteAsync(i == 0 ? csv : csv.AsMemory(header)); // one header
        }
    }

    [Fact]
    public async Task Deleting_a_session_waits_for_its_downloads_being_deflated()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var session = await WorkspaceApiTests.CreateSessionAsync(user.Client, "deflating");
        var sessionDir = factory.Services.GetRequiredService<WorkspaceStorage>().SessionDir(Guid.Parse(session));
        var run = Path.Combine(sessionDir, "runs", Guid.NewGuid().ToString());
        Directory.CreateDirectory(run);
        var big = Path.Combine(run, "big.csv");
        await WriteBigCsvAsync(big);

        var deflating = factory.Services.GetRequiredService<DownloadPrecompressor>().Start(run, [new(big, 1)], new CsvExportOptions());
        Assert.False(deflating.IsCompleted, "deflated in no time: the test cannot see the wait");
        Assert.Equal(HttpStatusCode.NoContent, (await user.Client.DeleteAsync($"/api/workspace/sessions/{session}")).StatusCode);
        Assert.True(deflating.IsCompleted, "the session was deleted while its downloads were still being deflated into it");
        Assert.False(Directory.Exists(sessionDir));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task Group_and_everything_zips_copy_the_tables_deflated_after_the_conversion_until_a_table_is_edited(bool neutralise, bool bom)
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
        Assert.True(File.Exists(Deflated("ITEMS")) && File.Exists(Deflated("PARTNERS")), "the conversion left no deflated downloads"); // made before the store was loaded

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
