using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Ret.Server.Domain;
using Ret.Server.Features.Jobs;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Workspace;

/// <summary>The workspace API end to end over HTTP, on the real database, job system, engine and table store.</summary>
public sealed class WorkspaceApiTests(WorkspaceFactory factory) : IClassFixture<WorkspaceFactory>
{
    [Fact]
    public async Task Upload_scan_convert_preview_edit_download_undo()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var http = user.Client;
        var session = await CreateSessionAsync(http, "flow");

        var put = await http.PutAsync($"/api/workspace/sessions/{session}/files/export.zip", Bytes(NestedExport()));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        await WaitForStateAsync(http, session, "scanned");
        using (var scan = await JsonAsync(http, $"/api/workspace/sessions/{session}/scan"))
        {
            var summary = scan.RootElement.GetProperty("summary");
            Assert.Equal(2, summary.GetProperty("xmlFiles").GetInt32());
            Assert.Equal(1, summary.GetProperty("skipped").GetInt32());
            var group = Assert.Single(scan.RootElement.GetProperty("groups").EnumerateArray());
            Assert.Equal("AR_PAYMENT_TERM", group.GetProperty("name").GetString());
            var table = Assert.Single(group.GetProperty("tables").EnumerateArray());
            Assert.Equal("PaymentTerm", table.GetProperty("recordElement").GetString());
            Assert.Contains("Code", table.GetProperty("columnsPreview").EnumerateArray().Select(c => c.GetString()));
            Assert.Equal(table.GetProperty("columnsPreview").GetArrayLength(), table.GetProperty("columnCount").GetInt32());
            Assert.Equal(["Code", "Days"], table.GetProperty("columnsPreview").EnumerateArray().Select(c => c.GetString()!));
            Assert.True(table.GetProperty("columnCountExact").GetBoolean()); // two small files, both read whole
        }

        var start = await http.PostAsJsonAsync($"/api/workspace/sessions/{session}/conversions", new { format = "csv" });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var jobId = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var finalEvent = await ReadEventsUntilEndAsync(http, $"/api/jobs/{jobId}/events");
        Assert.Contains("\"state\":\"succeeded\"", finalEvent, StringComparison.Ordinal);
        Assert.Contains("\"groups\":[{\"name\":\"AR_PAYMENT_TERM\",\"filesDone\":2,\"filesTotal\":2,", finalEvent, StringComparison.Ordinal);
        await WaitForTablesReadyAsync(http, session);

        using (var tables = await JsonAsync(http, $"/api/workspace/sessions/{session}/tables"))
        {
            var table = Assert.Single(tables.RootElement.EnumerateArray());
            Assert.Equal("AR_PAYMENT_TERM", table.GetProperty("name").GetString());
            Assert.Equal(3, table.GetProperty("rows").GetInt64());
            Assert.False(table.GetProperty("modified").GetBoolean());
        }

        using (var page = await JsonAsync(http, $"/api/workspace/sessions/{session}/tables/AR_PAYMENT_TERM/rows?offset=0&limit=10&sort=Code&dir=desc"))
        {
            var columns = page.RootElement.GetProperty("columns").EnumerateArray().Select(c => c.GetString()).ToList();
            var code = columns.IndexOf("Code");
            var rows = page.RootElement.GetProperty("rows").EnumerateArray().Select(r => r[code].GetString()).ToList();
            Assert.Equal(["N60", "N30", "007"], rows); // leading zero kept, sorted server-side
        }

        var edit = await http.PostAsJsonAsync($"/api/workspace/sessions/{session}/tables/AR_PAYMENT_TERM/edits",
            new { ops = new object[] { new { op = "set", rowId = 0, column = "Code", value = "=EDITED" } } });
        Assert.Equal(HttpStatusCode.OK, edit.StatusCode);

        var csv = await DownloadByTicketAsync(http, session, new { kind = "table", table = "AR_PAYMENT_TERM", format = "csv" });
        Assert.Contains("'=EDITED", csv, StringComparison.Ordinal); // formula neutralised by default on export
        var original = await DownloadByTicketAsync(http, session, new { kind = "table", table = "AR_PAYMENT_TERM", version = "original" });
        Assert.Contains("N30", original, StringComparison.Ordinal);
        Assert.DoesNotContain("EDITED", original, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"/api/workspace/sessions/{session}/undo", null)).StatusCode);
        var afterUndo = await DownloadByTicketAsync(http, session, new { kind = "table", table = "AR_PAYMENT_TERM" });
        Assert.DoesNotContain("EDITED", afterUndo, StringComparison.Ordinal);
        using (var log = await JsonAsync(http, $"/api/workspace/sessions/{session}/patches"))
        {
            var entry = Assert.Single(log.RootElement.EnumerateArray());
            Assert.Equal("N30", entry.GetProperty("oldValue").GetString());
            Assert.True(entry.GetProperty("undone").GetBoolean());
        }

        var zip = await http.GetAsync($"/api/workspace/sessions/{session}/download");
        Assert.Equal("application/zip", zip.Content.Headers.ContentType?.MediaType);
        using var archive = new ZipArchive(await zip.Content.ReadAsStreamAsync());
        Assert.Contains(archive.Entries, e => e.FullName == "manifest.json");
        Assert.Contains(archive.Entries, e => e.FullName == "AR_PAYMENT_TERM.csv");
    }

    [Fact]
    public async Task A_download_ticket_works_once()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var session = await ConvertedSessionAsync(user.Client);
        var ticket = await user.Client.PostAsJsonAsync($"/api/workspace/sessions/{session}/downloads", new { kind = "all" });
        var url = (await ticket.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString()!;
        using var anonymous = factory.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(url)).StatusCode);
    }

    [Fact]
    public async Task Another_users_session_jobs_tables_and_downloads_are_404()
    {
        var owner = await TestAuth.CreateUserAsync(factory);
        var intruder = await TestAuth.CreateUserAsync(factory);
        var session = await ConvertedSessionAsync(owner.Client);
        var lastJob = (await (await owner.Client.GetAsync($"/api/workspace/sessions/{session}")).Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("lastJob").GetProperty("id").GetString();
        var other = intruder.Client;

        foreach (var path in new[]
        {
            $"/api/workspace/sessions/{session}", $"/api/workspace/sessions/{session}/scan", $"/api/workspace/sessions/{session}/tables",
            $"/api/workspace/sessions/{session}/tables/AR_PAYMENT_TERM/rows", $"/api/workspace/sessions/{session}/patches",
            $"/api/workspace/sessions/{session}/download", $"/api/jobs/{lastJob}",
        })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync(path)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsJsonAsync($"/api/workspace/sessions/{session}/downloads", new { kind = "all" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsJsonAsync($"/api/workspace/sessions/{session}/tables/AR_PAYMENT_TERM/edits",
            new { ops = new object[] { new { op = "deleteRow", rowId = 0 } } })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsync($"/api/jobs/{lastJob}/retry", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.DeleteAsync($"/api/workspace/sessions/{session}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PutAsync($"/api/workspace/sessions/{session}/files/x.zip", Bytes(NestedExport()))).StatusCode);
        using var list = await JsonAsync(other, "/api/workspace/sessions");
        Assert.Equal(0, list.RootElement.GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await owner.Client.GetAsync($"/api/workspace/sessions/{session}")).StatusCode);
    }

    [Fact]
    public async Task Bad_uploads_get_clear_errors_and_leave_nothing_behind()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var session = await CreateSessionAsync(user.Client, "bad");

        var pdf = await user.Client.PutAsync($"/api/workspace/sessions/{session}/files/report.zip", Bytes(Encoding.ASCII.GetBytes("%PDF-1.7 not a zip at all")));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, pdf.StatusCode);
        Assert.Contains("PDF", await pdf.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        var empty = await user.Client.PutAsync($"/api/workspace/sessions/{session}/files/empty.zip", Bytes([]));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);

        var exe = await user.Client.PutAsync($"/api/workspace/sessions/{session}/files/tool.exe", Bytes(NestedExport()));
        Assert.Equal(HttpStatusCode.BadRequest, exe.StatusCode);

        var big = await user.Client.PutAsync($"/api/workspace/sessions/{session}/files/big.xml", Bytes(new byte[WorkspaceFactory.MaxFileBytes + 10]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);

        using var detail = await JsonAsync(user.Client, $"/api/workspace/sessions/{session}");
        Assert.Empty(detail.RootElement.GetProperty("files").EnumerateArray());
        Assert.Equal("empty", detail.RootElement.GetProperty("state").GetString());
    }

    [Fact]
    public async Task The_scan_lists_skipped_rejected_and_unreadable_entries_with_their_reasons()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var http = user.Client;
        var session = await CreateSessionAsync(http, "entries");
        var broken = ZipOf(("ORDERS_1.xml", "<Orders>" + string.Concat(Enumerable.Repeat("<Order><Id>1</Id></Order>", 200)) + "</Orders>"));
        var export = ZipOf(
            ("SUPPLIER_1.xml", "<Suppliers><Supplier><Id>7</Id></Supplier></Suppliers>"),
            ("SUPPLIER_2.xml", "<Suppliers><Supplier><Id>8</Id><Name>Broken"),
            ("readme.txt", "not xml"),
            ("ORDERS.zip", broken[..(broken.Length / 2)]));
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync($"/api/workspace/sessions/{session}/files/export.zip", Bytes(export))).StatusCode);
        await WaitForStateAsync(http, session, "scanned");

        using (var scan = await JsonAsync(http, $"/api/workspace/sessions/{session}/scan"))
        {
            var summary = scan.RootElement.GetProperty("summary");
            Assert.Equal((2, 1, 1, 1), (summary.GetProperty("xmlFiles").GetInt32(), summary.GetProperty("skipped").GetInt32(),
                summary.GetProperty("rejected").GetInt32(), summary.GetProperty("unreadable").GetInt32()));
        }

        async Task<List<(string Path, string Kind, string? Reason)>> EntriesAsync(string query)
        {
            using var page = await JsonAsync(http, $"/api/workspace/sessions/{session}/scan/entries?{query}");
            return page.RootElement.GetProperty("items").EnumerateArray()
                .Select(e => (e.GetProperty("path").GetString()!, e.GetProperty("kind").GetString()!, e.GetProperty("reason").GetString())).ToList();
        }

        var skipped = Assert.Single(await EntriesAsync("kind=skipped"));
        Assert.Equal("export.zip/readme.txt", skipped.Path);
        var rejected = Assert.Single(await EntriesAsync("kind=rejected"));
        Assert.Equal("export.zip/ORDERS.zip", rejected.Path);
        Assert.StartsWith("Not a readable ZIP archive", rejected.Reason, StringComparison.Ordinal);
        var unreadable = Assert.Single(await EntriesAsync("kind=unreadable"));
        Assert.Equal(("export.zip/SUPPLIER_2.xml", "xml"), (unreadable.Path, unreadable.Kind));
        Assert.Contains("Unexpected end of file", unreadable.Reason, StringComparison.Ordinal);
        Assert.Equal(["export.zip/SUPPLIER_1.xml", "export.zip/SUPPLIER_2.xml"], (await EntriesAsync("kind=xml")).Select(e => e.Path));
        Assert.Equal(4, (await EntriesAsync("")).Count); // every entry but the archives themselves
        Assert.Equal(["export.zip/SUPPLIER_2.xml"], (await EntriesAsync("search=supplier_2")).Select(e => e.Path));
        using (var second = await JsonAsync(http, $"/api/workspace/sessions/{session}/scan/entries?page=2&pageSize=3"))
        {
            Assert.Equal(4, second.RootElement.GetProperty("total").GetInt32());
            Assert.Single(second.RootElement.GetProperty("items").EnumerateArray());
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync($"/api/workspace/sessions/{session}/scan/entries?kind=broken")).StatusCode);
        var stranger = await TestAuth.CreateUserAsync(factory);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.Client.GetAsync($"/api/workspace/sessions/{session}/scan/entries")).StatusCode);
    }

    [Fact]
    public async Task Resumable_upload_resumes_from_the_servers_offset()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var http = user.Client;
        var session = await CreateSessionAsync(http, "tus");
        var data = NestedExport();

        var location = await CreateUploadAsync(http, session, data.Length, "AR_EXPORT.zip");

        Assert.Equal(HttpStatusCode.NoContent, (await PatchAsync(http, location, 0, data[..100])).StatusCode);
        // the connection "drops"; the client asks where to continue
        Assert.Equal(100, await UploadOffsetAsync(http, location));

        Assert.Equal(HttpStatusCode.Conflict, (await PatchAsync(http, location, 50, data[50..])).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await PatchAsync(http, location, 100, data[100..])).StatusCode);

        await WaitForStateAsync(http, session, "scanned");
        using var detail = await JsonAsync(http, $"/api/workspace/sessions/{session}");
        var file = Assert.Single(detail.RootElement.GetProperty("files").EnumerateArray());
        Assert.Equal("complete", file.GetProperty("state").GetString());
        Assert.Equal(data.Length, file.GetProperty("sizeBytes").GetInt64());
    }

    [Fact]
    public async Task Quota_is_enforced_with_a_clear_message()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var session = await CreateSessionAsync(user.Client, "quota");
        var create = new HttpRequestMessage(HttpMethod.Post, $"/api/workspace/sessions/{session}/uploads");
        create.Headers.Add("Tus-Resumable", "1.0.0");
        create.Headers.Add("Upload-Length", (WorkspaceFactory.QuotaBytes + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        create.Headers.Add("Upload-Metadata", "filename " + Convert.ToBase64String(Encoding.UTF8.GetBytes("huge.zip")));

        var response = await user.Client.SendAsync(create);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Deleting_a_session_removes_its_files()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var session = await ConvertedSessionAsync(user.Client);
        var folder = Path.Combine(factory.RuntimeRoot, "storage", "workspace", Guid.Parse(session).ToString("N"));
        Assert.True(Directory.Exists(folder));

        Assert.Equal(HttpStatusCode.NoContent, (await user.Client.DeleteAsync($"/api/workspace/sessions/{session}")).StatusCode);

        Assert.False(Directory.Exists(folder));
        Assert.Equal(HttpStatusCode.NotFound, (await user.Client.GetAsync($"/api/workspace/sessions/{session}")).StatusCode);
    }

    [Fact]
    public async Task Retention_deletes_sessions_past_their_expiry_and_keeps_active_ones()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var old = await ConvertedSessionAsync(user.Client);
        var fresh = await CreateSessionAsync(user.Client, "fresh");
        using (var scope = factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<RetDbContext>();
            var id = Guid.Parse(old);
            await db.Set<Ret.Server.Domain.WorkspaceSession>().Where(s => s.Id == id)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.ExpiresAt, DateTime.UtcNow.AddMinutes(-1)));
            var removed = await scope.ServiceProvider.GetRequiredService<Ret.Server.Features.Workspace.WorkspaceRetentionJob>().RunAsync(CancellationToken.None);
            Assert.Equal(1, removed);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await user.Client.GetAsync($"/api/workspace/sessions/{old}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync($"/api/workspace/sessions/{fresh}")).StatusCode);
        Assert.False(Directory.Exists(Path.Combine(factory.RuntimeRoot, "storage", "workspace", Guid.Parse(old).ToString("N"))));
    }

    [Fact]
    public async Task A_finished_job_keeps_its_final_progress_once_the_progress_pump_is_stopped()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var session = Guid.Parse(await ConvertedSessionAsync(user.Client));
        var scopes = factory.Services.GetRequiredService<IServiceScopeFactory>();
        Guid jobId;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<RetDbContext>();
            var job = await db.Set<JobRecord>().Where(j => j.SessionId == session && j.Kind == JobKind.Convert).SingleAsync();
            jobId = job.Id;
            Assert.Equal(JobState.Succeeded, job.State);
            var final = JobProgress.FromJson(job.ProgressJson);
            Assert.Equal(100, final.Percent);
            Assert.Equal("done", final.Phase);
        }

        // A pump still holding an "indexing" snapshot must not write it once stopped: the runner stops it before the
        // final state is written (the race left a finished job at 90 %).
        var pump = new JobProgressPump(scopes, jobId, CancellationToken.None);
        pump.Report(new JobProgress { Phase = "indexing", Percent = 90 });
        await pump.StopAsync();
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<RetDbContext>();
            await db.Set<JobRecord>().Where(j => j.Id == jobId)
                .ExecuteUpdateAsync(x => x.SetProperty(j => j.ProgressJson, "{\"phase\":\"final\",\"percent\":100}"));
        }

        pump.Report(new JobProgress { Phase = "late", Percent = 95 });
        await Task.Delay(1200); // more than two ticks of the pump
        await pump.DisposeAsync();
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<RetDbContext>();
            var stored = await db.Set<JobRecord>().Where(j => j.Id == jobId).Select(j => j.ProgressJson).SingleAsync();
            Assert.Contains("final", stored, StringComparison.Ordinal);
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    internal static async Task<string> ConvertedSessionAsync(HttpClient http)
    {
        var session = await CreateSessionAsync(http, "converted");
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync($"/api/workspace/sessions/{session}/files/export.zip", Bytes(NestedExport()))).StatusCode);
        await WaitForStateAsync(http, session, "scanned");
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync($"/api/workspace/sessions/{session}/conversions", new { })).StatusCode);
        await WaitForStateAsync(http, session, "converted");
        await WaitForTablesReadyAsync(http, session);
        return session;
    }

    /// <summary>The preview/edit store is filled after the conversion reports done (ADR 0502).</summary>
    internal static async Task WaitForTablesReadyAsync(HttpClient http, string session)
    {
        for (var i = 0; i < 600; i++)
        {
            using var doc = await JsonAsync(http, $"/api/workspace/sessions/{session}");
            Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("tablesError").ValueKind);
            if (doc.RootElement.GetProperty("tablesReady").GetBoolean())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("the preview store was never ready");
    }

    internal static async Task<string> CreateSessionAsync(HttpClient http, string name)
    {
        var response = await http.PostAsJsonAsync("/api/workspace/sessions", new { name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    internal static async Task WaitForStateAsync(HttpClient http, string session, string state)
    {
        string? last = null;
        for (var i = 0; i < 1200; i++)
        {
            using var doc = await JsonAsync(http, $"/api/workspace/sessions/{session}");
            last = doc.RootElement.GetProperty("state").GetString();
            if (last == state && doc.RootElement.GetProperty("activeJob").ValueKind == JsonValueKind.Null)
            {
                return;
            }

            Assert.NotEqual("failed", last);
            await Task.Delay(100);
        }

        Assert.Fail($"session stayed {last}, expected {state}");
    }

    internal static async Task<JsonDocument> JsonAsync(HttpClient http, string path)
    {
        var response = await http.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    private static async Task<string> ReadEventsUntilEndAsync(HttpClient http, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        string? line, last = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while ((line = await reader.ReadLineAsync(timeout.Token)) is not null)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                last = line;
            }
        }

        return last ?? "";
    }

    internal static async Task<string> DownloadByTicketAsync(HttpClient http, string session, object request)
    {
        var ticket = await http.PostAsJsonAsync($"/api/workspace/sessions/{session}/downloads", request);
        Assert.Equal(HttpStatusCode.Created, ticket.StatusCode);
        var url = (await ticket.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString()!;
        var response = await http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("attachment", response.Content.Headers.ContentDisposition?.ToString() ?? "", StringComparison.Ordinal);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>tus creation: a new upload of <paramref name="length"/> bytes named <paramref name="fileName"/>; its URL.</summary>
    internal static async Task<string> CreateUploadAsync(HttpClient http, string session, long length, string fileName)
    {
        var create = new HttpRequestMessage(HttpMethod.Post, $"/api/workspace/sessions/{session}/uploads");
        create.Headers.Add("Tus-Resumable", "1.0.0");
        create.Headers.Add("Upload-Length", length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        create.Headers.Add("Upload-Metadata", "filename " + Convert.ToBase64String(Encoding.UTF8.GetBytes(fileName)));
        var created = await http.SendAsync(create);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return created.Headers.Location!.ToString();
    }

    /// <summary>tus HEAD: where the server says the upload stands.</summary>
    internal static async Task<long> UploadOffsetAsync(HttpClient http, string location)
    {
        var head = new HttpRequestMessage(HttpMethod.Head, location);
        head.Headers.Add("Tus-Resumable", "1.0.0");
        return long.Parse((await http.SendAsync(head)).Headers.GetValues("Upload-Offset").Single(), System.Globalization.CultureInfo.InvariantCulture);
    }

    internal static Task<HttpResponseMessage> PatchAsync(HttpClient http, string location, long offset, byte[] bytes)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new ByteArrayContent(bytes) };
        request.Headers.Add("Tus-Resumable", "1.0.0");
        request.Headers.Add("Upload-Offset", offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
        return http.SendAsync(request);
    }

    private static ByteArrayContent Bytes(byte[] data) => new(data);

    /// <summary>An ERP-style export: AR_PAYMENT_TERM.zip → 1_BATCH.zip → two XML files (3 records), plus a note.</summary>
    internal static byte[] NestedExport()
    {
        var batch = ZipOf(
            ("PaymentTerm_1.xml", "<Export><PaymentTerm><Code>N30</Code><Days>30</Days></PaymentTerm><PaymentTerm><Code>007</Code><Days>7</Days></PaymentTerm></Export>"),
            ("PaymentTerm_2.xml", "<Export><PaymentTerm><Code>N60</Code><Days>60</Days></PaymentTerm></Export>"));
        var module = ZipOf(("1_BATCH.zip", batch), ("readme.txt", Encoding.UTF8.GetBytes("not xml")));
        return ZipOf(("AR_PAYMENT_TERM.zip", module));
    }

    /// <summary>A ZIP of the given entries (text or bytes), built in memory.</summary>
    internal static byte[] ZipOf(params (string Name, object Content)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var stream = zip.CreateEntry(name).Open();
                var bytes = content as byte[] ?? Encoding.UTF8.GetBytes((string)content);
                stream.Write(bytes);
            }
        }

        return buffer.ToArray();
    }
}

/// <summary>Small caps so limit tests stay fast; generous sign-in limits for the many test accounts.</summary>
public sealed class WorkspaceFactory : RetApiFactory
{
    public const long MaxFileBytes = 256 * 1024;
    public const long QuotaBytes = 2 * 1024 * 1024;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Workspace:MaxFileBytes", MaxFileBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("Workspace:QuotaBytesPerUser", QuotaBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("RateLimits:LoginPerIp:PermitLimit", "100000"),
        new("RateLimits:LoginPerAccount:PermitLimit", "100000"),
        new("RateLimits:HeavyPerUser:PermitLimit", "100000"),
    ];
}
