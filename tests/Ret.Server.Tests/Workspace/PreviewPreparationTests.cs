using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Ret.Conversion.Conversion;
using Ret.Server.Domain;
using Ret.Server.Features.Jobs;
using Ret.Server.Features.Workspace;
using Ret.Server.Features.Workspace.Tables;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Tests.Infrastructure;
using static Ret.Server.Tests.Workspace.WorkspaceApiTests;

namespace Ret.Server.Tests.Workspace;

/// <summary>ADR 0502: a conversion is done (and downloadable) before its tables are loaded into the preview/edit
/// store. The "still preparing" window is produced deterministically by clearing the session's ready marker after a
/// real conversion, then the real job runner is delivered the finished job again, as Hangfire does after a crash.</summary>
public sealed class PreviewPreparationTests(WorkspaceFactory factory) : IClassFixture<WorkspaceFactory>
{
    [Fact]
    public async Task While_the_preview_store_is_prepared_downloads_work_and_preview_and_edit_wait()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var http = user.Client;
        var session = await ConvertedSessionAsync(http);
        var fromStore = await DownloadByTicketAsync(http, session, new { kind = "table", table = "AR_PAYMENT_TERM", format = "csv" });
        var conversion = await MarkPreparingAsync(session);

        using (var doc = await JsonAsync(http, $"/api/workspace/sessions/{session}"))
        {
            Assert.False(doc.RootElement.GetProperty("tablesReady").GetBoolean());
            Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("tablesError").ValueKind);
            Assert.Equal("converted", doc.RootElement.GetProperty("state").GetString());
        }

        using (var tables = await JsonAsync(http, $"/api/workspace/sessions/{session}/tables"))
        {
            var table = Assert.Single(tables.RootElement.EnumerateArray());
            Assert.Equal("AR_PAYMENT_TERM", table.GetProperty("name").GetString());
            Assert.Equal(3, table.GetProperty("rows").GetInt64());
        }

        var rows = await http.GetAsync($"/api/workspace/sessions/{session}/tables/AR_PAYMENT_TERM/rows?offset=0&limit=10");
        Assert.Equal(HttpStatusCode.Conflict, rows.StatusCode);
        Assert.Equal("1", rows.Headers.GetValues("Retry-After").Single());
        Assert.Contains("being prepared", await rows.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var edit = await http.PostAsJsonAsync($"/api/workspace/sessions/{session}/tables/AR_PAYMENT_TERM/edits",
            new { ops = new object[] { new { op = "set", rowId = 0, column = "Code", value = "X" } } });
        Assert.Equal(HttpStatusCode.Conflict, edit.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await http.PostAsync($"/api/workspace/sessions/{session}/undo", null)).StatusCode);

        // Downloads come straight from the engine's files: byte-identical to the store's export, in every shape.
        Assert.Equal(fromStore, await DownloadByTicketAsync(http, session, new { kind = "table", table = "AR_PAYMENT_TERM", format = "csv" }));
        Assert.Equal(fromStore, await DownloadByTicketAsync(http, session, new { kind = "table", table = "AR_PAYMENT_TERM", version = "original" }));
        var xlsx = await http.GetAsync($"/api/workspace/sessions/{session}/tables/AR_PAYMENT_TERM/download?format=xlsx");
        Assert.Equal(HttpStatusCode.OK, xlsx.StatusCode);
        using (var package = new ZipArchive(await xlsx.Content.ReadAsStreamAsync()))
        {
            using var sheet = new StreamReader(package.GetEntry("xl/worksheets/sheet1.xml")!.Open());
            var xml = await sheet.ReadToEndAsync();
            Assert.Contains("N60", xml, StringComparison.Ordinal);
            Assert.Contains("007", xml, StringComparison.Ordinal);
        }

        var zip = await http.GetAsync($"/api/workspace/sessions/{session}/download");
        Assert.Equal(HttpStatusCode.OK, zip.StatusCode);
        using (var archive = new ZipArchive(await zip.Content.ReadAsStreamAsync()))
        {
            Assert.Equal(["AR_PAYMENT_TERM.csv", "manifest.json"], archive.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
            using var entry = new StreamReader(archive.GetEntry("AR_PAYMENT_TERM.csv")!.Open());
            Assert.Equal(fromStore, await entry.ReadToEndAsync());
        }

        // Hangfire delivers the finished job again (as after a crash mid-preparation): the runner completes the store.
        await RedeliverAsync(conversion);
        using (var doc = await JsonAsync(http, $"/api/workspace/sessions/{session}"))
        {
            Assert.True(doc.RootElement.GetProperty("tablesReady").GetBoolean());
        }

        using (var page = await JsonAsync(http, $"/api/workspace/sessions/{session}/tables/AR_PAYMENT_TERM/rows?offset=0&limit=10"))
        {
            Assert.Equal(3, page.RootElement.GetProperty("rows").GetArrayLength());
        }
    }

    [Fact]
    public async Task A_store_that_cannot_be_filled_says_so_and_downloads_still_work()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var http = user.Client;
        var session = await ConvertedSessionAsync(http);
        var conversion = await MarkPreparingAsync(session);

        // The manifest now names a column the CSV does not have: the store refuses the import.
        var manifestPath = Path.Combine(RunDir(session, conversion), Converter.ManifestFileName);
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(manifestPath))!;
        manifest["tables"]![0]!["columns"]![0] = "NotInTheFile";
        await File.WriteAllTextAsync(manifestPath, manifest.ToJsonString());

        await RedeliverAsync(conversion);

        using (var doc = await JsonAsync(http, $"/api/workspace/sessions/{session}"))
        {
            Assert.False(doc.RootElement.GetProperty("tablesReady").GetBoolean());
            Assert.Contains("could not be prepared", doc.RootElement.GetProperty("tablesError").GetString(), StringComparison.Ordinal);
        }

        var rows = await http.GetAsync($"/api/workspace/sessions/{session}/tables/AR_PAYMENT_TERM/rows");
        Assert.Equal(HttpStatusCode.Conflict, rows.StatusCode);
        Assert.False(rows.Headers.Contains("Retry-After")); // waiting will not help
        Assert.Contains("Downloads still work", await rows.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var csv = await DownloadByTicketAsync(http, session, new { kind = "table", table = "AR_PAYMENT_TERM", format = "csv" });
        Assert.Contains("N30", csv, StringComparison.Ordinal);

        // Converting again recovers.
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync($"/api/workspace/sessions/{session}/conversions", new { })).StatusCode);
        await WaitForStateAsync(http, session, "converted");
        await WaitForTablesReadyAsync(http, session);
    }

    [Fact]
    public async Task A_wide_table_is_prepared_for_preview_with_more_memory_than_a_load_starts_with()
    {
        // 1 200 columns: DuckDB's insert holds buffers per column, far beyond the staging database's starting limit.
        // Before the limit was raised on demand, this store was never ready ("could not be prepared").
        const int width = 1_200, records = 60;
        var xml = new System.Text.StringBuilder("<Export>");
        for (var r = 0; r < records; r++)
        {
            xml.Append("<Item>");
            for (var f = 0; f < width; f++) xml.Append("<F").Append(f).Append('>').Append(r).Append('.').Append(f).Append("</F").Append(f).Append('>');
            xml.Append("</Item>");
        }
        xml.Append("</Export>");
        var user = await TestAuth.CreateUserAsync(factory);
        var http = user.Client;
        var session = await CreateSessionAsync(http, "wide");
        using var zipped = new MemoryStream();
        using (var zip = new ZipArchive(zipped, ZipArchiveMode.Create, leaveOpen: true))
        {
            await using var entry = zip.CreateEntry("WIDE.xml").Open();
            await entry.WriteAsync(System.Text.Encoding.UTF8.GetBytes(xml.ToString()));
        }
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync($"/api/workspace/sessions/{session}/files/wide.zip",
            new ByteArrayContent(zipped.ToArray()))).StatusCode);
        await WaitForStateAsync(http, session, "scanned");
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync($"/api/workspace/sessions/{session}/conversions", new { })).StatusCode);
        await WaitForStateAsync(http, session, "converted");
        await WaitForTablesReadyAsync(http, session);

        using var tables = await JsonAsync(http, $"/api/workspace/sessions/{session}/tables");
        var table = tables.RootElement.EnumerateArray().Single().GetProperty("name").GetString();
        using var page = await JsonAsync(http, $"/api/workspace/sessions/{session}/tables/{table}/rows?offset={records - 1}&limit=1");
        var columns = page.RootElement.GetProperty("columns").EnumerateArray().Select(c => c.GetString()).ToList();
        var row = page.RootElement.GetProperty("rows")[0].EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Equal(width, columns.Count);
        Assert.Equal($"{records - 1}.{width - 1}", row[columns.IndexOf($"F{width - 1}")]);
        Assert.Equal($"{records - 1}.0", row[columns.IndexOf("F0")]);
    }

    [Fact]
    public async Task A_superseded_conversion_never_replaces_the_store()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var session = await ConvertedSessionAsync(user.Client);
        var conversion = await MarkPreparingAsync(session);
        var id = Guid.Parse(session);
        var store = factory.Services.GetRequiredService<WorkspaceStorage>().TablesDatabase(id);
        var before = File.GetLastWriteTimeUtc(store);

        // 1. Checked on entry: a newer conversion is current, so preparing the old one does nothing.
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<RetDbContext>();
            await db.Set<WorkspaceSession>().Where(s => s.Id == id)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.CurrentConversionId, Guid.CreateVersion7()));
            await scope.ServiceProvider.GetRequiredService<ConvertStep>().PrepareTablesAsync(id, conversion, CancellationToken.None);
            Assert.Null(await db.Set<WorkspaceSession>().Where(s => s.Id == id).Select(s => s.TablesConversionId).SingleAsync());
        }

        // 2. Checked again at the swap, under the session's lock: the store is built aside, then thrown away.
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var tables = scope.ServiceProvider.GetRequiredService<SessionTables>();
            var runDir = RunDir(session, conversion);
            var manifest = RetJsonContext.DeserializeManifest(await File.ReadAllTextAsync(Path.Combine(runDir, Converter.ManifestFileName)))!;
            var marked = false;
            var swapped = await tables.ReplaceAllAsync(id, runDir, manifest, _ => Task.FromResult(false),
                _ => Task.FromResult(marked = true), CancellationToken.None);
            Assert.False(swapped);
            Assert.False(marked);
            Assert.False(Directory.Exists(Path.Combine(runDir, ".tables")));
        }

        Assert.Equal(before, File.GetLastWriteTimeUtc(store));
    }

    [Fact]
    public async Task The_row_indexes_move_in_with_their_store_and_a_new_conversion_replaces_them()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var http = user.Client;
        var session = await ConvertedSessionAsync(http);
        var sessionDir = factory.Services.GetRequiredService<WorkspaceStorage>().SessionDir(Guid.Parse(session));
        string[] Indexes() => [.. Directory.EnumerateFiles(sessionDir, "*" + SessionTableStore.RowIndexExtension).Select(Path.GetFileName).Order()!];
        var tables = 0;
        using (var doc = await JsonAsync(http, $"/api/workspace/sessions/{session}/tables"))
        {
            tables = doc.RootElement.GetArrayLength();
        }
        var first = Indexes();
        Assert.Equal(tables, first.Length);

        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync($"/api/workspace/sessions/{session}/conversions", new { })).StatusCode);
        await WaitForStateAsync(http, session, "converted");
        await WaitForTablesReadyAsync(http, session);

        var second = Indexes();
        Assert.Equal(tables, second.Length);
        Assert.Empty(first.Intersect(second)); // the replaced tables' indexes are gone
        using var page = await JsonAsync(http, $"/api/workspace/sessions/{session}/tables/AR_PAYMENT_TERM/rows?offset=0&limit=10&sort=Code&dir=desc");
        var code = page.RootElement.GetProperty("columns").EnumerateArray().Select(c => c.GetString()).ToList().IndexOf("Code");
        Assert.Equal(["N60", "N30", "007"], page.RootElement.GetProperty("rows").EnumerateArray().Select(r => r[code].GetString()));
    }

    /// <summary>Puts the session back in the "store being prepared" state and returns its conversion id.</summary>
    [Fact]
    public async Task A_session_read_while_its_job_ends_never_shows_the_finished_job_as_still_active()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var session = Guid.Parse(await ConvertedSessionAsync(user.Client));
        await using var reader = factory.Services.CreateAsyncScope();
        await using var writer = factory.Services.CreateAsyncScope();
        var db = reader.ServiceProvider.GetRequiredService<RetDbContext>();
        var other = writer.ServiceProvider.GetRequiredService<RetDbContext>();
        var job = await other.Set<WorkspaceSession>().Where(s => s.Id == session).Select(s => s.LastJobId!.Value).SingleAsync();

        // The conversion a moment before its end: the job running, the session converting. The GET reads the row.
        await other.Set<JobRecord>().Where(j => j.Id == job).ExecuteUpdateAsync(u => u.SetProperty(j => j.State, JobState.Running));
        await other.Set<WorkspaceSession>().Where(s => s.Id == session).ExecuteUpdateAsync(u => u
            .SetProperty(s => s.State, WorkspaceState.Converting).SetProperty(s => s.ActiveJobId, job));
        var row = await db.Set<WorkspaceSession>().SingleAsync(s => s.Id == session);

        // The job ends before the GET reads the jobs, in one commit as WorkspaceJobRunner.FinishAsync ends it.
        var finished = await other.Set<JobRecord>().SingleAsync(j => j.Id == job);
        finished.State = JobState.Succeeded;
        await WorkspaceJobRunner.ReleaseSessionAsync(other, finished, CancellationToken.None);
        await other.SaveChangesAsync();

        var dto = await SessionEndpoints.ToDtoAsync(row, db, reader.ServiceProvider.GetRequiredService<WorkspaceStorage>(), CancellationToken.None);
        Assert.Equal("converted", dto.State);
        Assert.Null(dto.ActiveJob);
        Assert.Equal(job, dto.LastJob?.Id);
        Assert.Equal("succeeded", dto.LastJob?.State);
    }

    private async Task<Guid> MarkPreparingAsync(string session)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RetDbContext>();
        var id = Guid.Parse(session);
        var conversion = await db.Set<WorkspaceSession>().Where(s => s.Id == id).Select(s => s.CurrentConversionId).SingleAsync();
        Assert.NotNull(conversion);
        await db.Set<WorkspaceSession>().Where(s => s.Id == id).ExecuteUpdateAsync(u => u.SetProperty(s => s.TablesConversionId, (Guid?)null));
        return conversion.Value;
    }

    private async Task RedeliverAsync(Guid conversion)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<WorkspaceJobRunner>().RunAsync(conversion, CancellationToken.None);
    }

    private string RunDir(string session, Guid conversion)
        => factory.Services.GetRequiredService<WorkspaceStorage>().RunDir(Guid.Parse(session), conversion);
}
