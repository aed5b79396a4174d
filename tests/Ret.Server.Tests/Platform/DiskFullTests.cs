using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ret.Server.Domain;
using Ret.Server.Features.Jobs;
using Ret.Server.Infrastructure.Errors;
using Ret.Server.Infrastructure.Storage;
using Ret.Server.Tests.Admin;
using Ret.Server.Tests.Infrastructure;
using Ret.Server.Tests.Workspace;

namespace Ret.Server.Tests.Platform;

/// <summary>The storage filling up, on a real file system: the storage root is a small tmpfs, filled to the last bytes
/// with a filler file. Every request or job that runs out of space says so (507 / a job error naming the cause), keeps
/// nothing half-written, loses nothing that was there before, tells the operators, and works again once space is freed.</summary>
public sealed class DiskFullTests(DiskFullTests.FullDiskFactory factory) : IClassFixture<DiskFullTests.FullDiskFactory>
{
    [Fact]
    public void A_real_out_of_space_error_is_recognised_wherever_it_is_wrapped()
    {
        // /dev/full answers every write with ENOSPC, the error a full file system gives.
        var full = Assert.ThrowsAny<IOException>(() => File.WriteAllBytes("/dev/full", new byte[4096]));
        Assert.True(DiskSpace.IsFull(full), $"{full.GetType().Name} {full.HResult}: {full.Message}");
        Assert.True(DiskSpace.IsFull(new AggregateException(new InvalidOperationException("other"), full)));
        Assert.True(DiskSpace.IsFull(new InvalidOperationException("wrapped", full)));
        Assert.Equal(507, GlobalExceptionHandler.Classify(full).Status);

        var missing = Assert.ThrowsAny<IOException>(() => File.ReadAllBytes(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"))));
        Assert.False(DiskSpace.IsFull(missing));
        Assert.False(DiskSpace.IsFull(new AggregateException(new IOException("Sharing violation", 11))));
        // Only storage and database errors are read for the words: a parse error quoting a document is not a full disk.
        Assert.False(DiskSpace.IsFull(new System.Xml.XmlException("'No space left on device' is an unexpected token.")));
        Assert.Equal(500, GlobalExceptionHandler.Classify(missing).Status);
    }

    [TmpfsFact]
    public async Task A_resumable_upload_stopped_by_a_full_disk_keeps_what_was_written_and_resumes()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var http = user.Client;
        var session = await WorkspaceApiTests.CreateSessionAsync(http, "full-tus");
        var data = UploadData.Zip(3 * 1024 * 1024, seed: 7);
        var location = await WorkspaceApiTests.CreateUploadAsync(http, session, data.Length, "FULL_EXPORT.zip");
        var id = location[(location.LastIndexOf('/') + 1)..];

        long kept;
        try
        {
            factory.Disk.Fill(leaveBytes: 1024 * 1024 + 100 * 1024);
            var patch = await WorkspaceApiTests.PatchAsync(http, location, 0, data);
            Assert.Equal(HttpStatusCode.InsufficientStorage, patch.StatusCode);
            var problem = await patch.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains("storage is full", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
            Assert.Contains("resume", problem.GetProperty("title").GetString(), StringComparison.Ordinal);

            kept = await WorkspaceApiTests.UploadOffsetAsync(http, location);
            Assert.InRange(kept, 1, data.Length - 1);
            Assert.Equal(0, kept % (256 * 1024)); // whole buffers: the part of the failed write that fit was cut off
            Assert.Equal(kept, new FileInfo(Path.Combine(factory.StorageRoot, "uploads", Guid.Parse(id).ToString("N") + ".part")).Length);
        }
        finally
        {
            factory.Disk.Free();
        }

        Assert.Equal(HttpStatusCode.NoContent, (await WorkspaceApiTests.PatchAsync(http, location, kept, data[(int)kept..])).StatusCode);
        var input = Path.Combine(factory.StorageRoot, "workspace", Guid.Parse(session).ToString("N"), "input", "FULL_EXPORT.zip");
        Assert.True(File.ReadAllBytes(input).AsSpan().SequenceEqual(data), "the resumed upload differs from the file sent");

        var admin = await TestAuth.LoginAdminAsync(factory);
        await admin.WaitForItemAsync("/api/admin/ops-logs?category=upload&level=error",
            e => e.GetProperty("message").GetString() == "Upload stopped: the storage is full"
                 && e.GetProperty("details").GetString()!.Contains(user.UserName, StringComparison.Ordinal));
    }

    [TmpfsFact]
    public async Task A_simple_upload_on_a_full_disk_gets_507_and_leaves_nothing_behind()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var http = user.Client;
        var session = await WorkspaceApiTests.CreateSessionAsync(http, "full-put");
        var data = UploadData.Zip(1024 * 1024, seed: 3);
        var uploads = Path.Combine(factory.StorageRoot, "uploads");
        try
        {
            factory.Disk.Fill(leaveBytes: 200 * 1024);
            var put = await http.PutAsync($"/api/workspace/sessions/{session}/files/PUT_EXPORT.zip", new ByteArrayContent(data));
            Assert.Equal(HttpStatusCode.InsufficientStorage, put.StatusCode);
            var title = (await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString();
            Assert.Contains("storage is full", title, StringComparison.Ordinal);
            Assert.Contains("Nothing of this file was kept", title, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFiles(uploads, "put-*"));
            using var detail = await WorkspaceApiTests.JsonAsync(http, $"/api/workspace/sessions/{session}");
            Assert.Empty(detail.RootElement.GetProperty("files").EnumerateArray());
        }
        finally
        {
            factory.Disk.Free();
        }

        var again = await http.PutAsync($"/api/workspace/sessions/{session}/files/PUT_EXPORT.zip", new ByteArrayContent(data));
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
    }

    [TmpfsFact]
    public async Task A_conversion_on_a_full_disk_fails_with_the_cause_keeps_the_earlier_tables_and_retries()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var http = user.Client;
        var session = await WorkspaceApiTests.ConvertedSessionAsync(http);
        string firstJob;
        using (var detail = await WorkspaceApiTests.JsonAsync(http, $"/api/workspace/sessions/{session}"))
        {
            firstJob = detail.RootElement.GetProperty("lastJob").GetProperty("id").GetString()!;
        }

        var before = await WorkspaceApiTests.DownloadByTicketAsync(http, session, new { kind = "table", table = "AR_PAYMENT_TERM", format = "csv" });
        Assert.Contains("N30", before, StringComparison.Ordinal);

        var runs = Path.Combine(factory.StorageRoot, "workspace", Guid.Parse(session).ToString("N"), "runs");
        JsonElement failed;
        try
        {
            factory.Disk.Fill(leaveBytes: 0);
            failed = await ConvertAsync(http, session, "relational");
        }
        finally
        {
            factory.Disk.Free();
        }

        Assert.Equal("failed", failed.GetProperty("state").GetString());
        Assert.Equal(WorkspaceJobRunner.StorageFullMessage(JobKind.Convert), failed.GetProperty("error").GetString());
        // Nothing half-written: only the first conversion's folder, and the tables and downloads are the first ones.
        var folder = Assert.Single(Directory.EnumerateDirectories(runs));
        Assert.Equal(Guid.Parse(firstJob).ToString("N"), Path.GetFileName(folder));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(factory.StorageRoot, "tmp"), "convert-*"));
        Assert.Equal(before, await WorkspaceApiTests.DownloadByTicketAsync(http, session, new { kind = "table", table = "AR_PAYMENT_TERM", format = "csv" }));
        using (var page = await WorkspaceApiTests.JsonAsync(http, $"/api/workspace/sessions/{session}/tables/AR_PAYMENT_TERM/rows?offset=0&limit=10"))
        {
            Assert.Equal(3, page.RootElement.GetProperty("rows").GetArrayLength());
        }

        var admin = await TestAuth.LoginAdminAsync(factory);
        await admin.WaitForItemAsync("/api/admin/ops-logs?category=job&level=error",
            e => e.GetProperty("message").GetString() == "Convert job stopped: the storage is full"
                 && e.GetProperty("details").GetString()!.Contains(failed.GetProperty("id").GetString()!, StringComparison.Ordinal));

        // Space freed: the same job, retried, converts.
        var retry = await http.PostAsync($"/api/jobs/{failed.GetProperty("id").GetString()}/retry", null);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        var retried = await WaitForJobAsync(http, (await retry.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        Assert.Equal("succeeded", retried.GetProperty("state").GetString());
    }

    [TmpfsFact]
    public async Task An_edit_on_a_full_disk_is_refused_whole_and_the_table_and_patch_log_stay_as_they_were()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var http = user.Client;
        var session = await WorkspaceApiTests.ConvertedSessionAsync(http);
        var edits = $"/api/workspace/sessions/{session}/tables/AR_PAYMENT_TERM/edits";
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync(edits,
            new { ops = new object[] { new { op = "set", rowId = 0, column = "Code", value = "BEFORE" } } })).StatusCode);
        var codes = await CodesAsync(http, session);
        var patches = await PatchCountAsync(http, session);

        HttpResponseMessage refused;
        try
        {
            factory.Disk.Fill(leaveBytes: 0);
            refused = await http.PostAsJsonAsync(edits, new
            {
                ops = new object[]
                {
                    // values larger than the slack in the last page of DuckDB's log (a small edit still fits there)
                    new { op = "set", rowId = 1, column = "Code", value = "FULL-1 " + new string('x', 256 * 1024) },
                    new { op = "set", rowId = 2, column = "Code", value = "FULL-2 " + new string('y', 256 * 1024) },
                    new { op = "deleteRow", rowId = 0 },
                },
            });
        }
        finally
        {
            factory.Disk.Free();
        }

        Assert.Equal(HttpStatusCode.InsufficientStorage, refused.StatusCode);
        Assert.Contains("storage is full", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.Equal(codes, await CodesAsync(http, session)); // none of the three operations applied
        Assert.Equal(patches, await PatchCountAsync(http, session));

        // Space freed: the same edit applies, and undo takes it back whole.
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync(edits,
            new { ops = new object[] { new { op = "set", rowId = 1, column = "Code", value = "AFTER" } } })).StatusCode);
        Assert.Contains("AFTER", await CodesAsync(http, session));
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"/api/workspace/sessions/{session}/undo", null)).StatusCode);
        Assert.Equal(codes, await CodesAsync(http, session));
    }

    private static async Task<List<string?>> CodesAsync(HttpClient http, string session)
    {
        using var page = await WorkspaceApiTests.JsonAsync(http, $"/api/workspace/sessions/{session}/tables/AR_PAYMENT_TERM/rows?offset=0&limit=10");
        var code = page.RootElement.GetProperty("columns").EnumerateArray().Select(c => c.GetString()).ToList().IndexOf("Code");
        return page.RootElement.GetProperty("rows").EnumerateArray().Select(r => r[code].GetString()).ToList();
    }

    private static async Task<int> PatchCountAsync(HttpClient http, string session)
    {
        using var log = await WorkspaceApiTests.JsonAsync(http, $"/api/workspace/sessions/{session}/patches");
        return log.RootElement.ValueKind == JsonValueKind.Array ? log.RootElement.GetArrayLength() : log.RootElement.GetProperty("items").GetArrayLength();
    }

    [TmpfsFact]
    public async Task Readiness_warns_when_space_runs_low_and_fails_when_the_disk_is_full()
    {
        var client = factory.CreateClient();
        Assert.Equal("Healthy", await StorageCheckAsync(client));
        try
        {
            factory.Disk.Fill(leaveBytes: 4 * 1024 * 1024); // below this factory's Storage:LowSpaceBytes (16 MB)
            Assert.Equal("Degraded", await StorageCheckAsync(client));
            factory.Disk.Fill(leaveBytes: 0);
            Assert.Equal("Unhealthy", await StorageCheckAsync(client));
        }
        finally
        {
            factory.Disk.Free();
        }

        Assert.Equal("Healthy", await StorageCheckAsync(client));
    }

    private static async Task<string?> StorageCheckAsync(HttpClient client)
    {
        var response = await client.GetAsync("/health/ready");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("checks").GetProperty("storage").GetString();
    }

    private static async Task<JsonElement> ConvertAsync(HttpClient http, string session, string mode)
    {
        var start = await http.PostAsJsonAsync($"/api/workspace/sessions/{session}/conversions", new { format = "csv", mode });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        return await WaitForJobAsync(http, (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
    }

    private static async Task<JsonElement> WaitForJobAsync(HttpClient http, string job)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            var state = await http.GetFromJsonAsync<JsonElement>($"/api/jobs/{job}");
            if (state.GetProperty("state").GetString() is "succeeded" or "failed" or "cancelled")
            {
                return state;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"job {job} did not finish");
    }

    /// <summary>The server with its storage root on a 48 MB tmpfs (the database stays on the normal disk).</summary>
    public sealed class FullDiskFactory : RetApiFactory
    {
        public Tmpfs Disk { get; } = Tmpfs.MountOrNull(48L * 1024 * 1024) ?? Tmpfs.Unavailable;

        public string StorageRoot => Path.Combine(Disk.Path, "store");

        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [
            new("Storage:Root", StorageRoot),
            new("Storage:LowSpaceBytes", (16 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("Workspace:MaxFileBytes", (8 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("Workspace:QuotaBytesPerUser", (32 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("RateLimits:LoginPerIp:PermitLimit", "100000"),
            new("RateLimits:LoginPerAccount:PermitLimit", "100000"),
            new("RateLimits:HeavyPerUser:PermitLimit", "100000"),
        ];

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            Disk.Dispose();
        }
    }
}

/// <summary>The whole runtime folder on a small tmpfs, so the SQLite database (and the job store) fill up with the files:
/// the default single-machine layout. Writes that find no room answer 507; once space is freed everything works again.</summary>
public sealed class FullDatabaseDiskTests(FullDatabaseDiskTests.RuntimeOnTmpfsFactory factory) : IClassFixture<FullDatabaseDiskTests.RuntimeOnTmpfsFactory>
{
    [TmpfsFact(SqliteOnly = true)]
    public async Task The_database_on_a_full_disk_answers_507_and_works_again_once_space_is_freed()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var session = await WorkspaceApiTests.CreateSessionAsync(user.Client, "before");
        var rename = $"/api/workspace/sessions/{session}";
        var statuses = new List<HttpStatusCode>();
        string? title = null;
        try
        {
            factory.Disk.Fill(leaveBytes: 0);
            // SQLite reuses the part of its log that a checkpoint has emptied, so the first writes can still fit: write
            // until one needs a new page of the disk.
            for (var i = 0; i < 3000 && title is null; i++)
            {
                var response = await user.Client.PatchAsJsonAsync(rename, new { name = $"full-{i}-" + new string('n', 80) });
                statuses.Add(response.StatusCode);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    title = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString();
                }
            }
        }
        finally
        {
            factory.Disk.Free();
        }

        Assert.Equal(HttpStatusCode.InsufficientStorage, statuses[^1]);
        Assert.Contains("storage is full", title, StringComparison.Ordinal);
        Assert.All(statuses[..^1], s => Assert.Equal(HttpStatusCode.OK, s));

        // Space freed: the same database takes writes again, and what it had acknowledged is there.
        var again = await user.Client.PatchAsJsonAsync(rename, new { name = "after" });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        using var detail = await WorkspaceApiTests.JsonAsync(user.Client, rename);
        Assert.Equal("after", detail.RootElement.GetProperty("name").GetString());
        var fresh = await TestAuth.LoginAsync(factory, user.UserName, user.Password);
        Assert.Equal(HttpStatusCode.OK, (await fresh.Client.GetAsync("/api/workspace/sessions")).StatusCode);
        // … and the job store on the same disk runs jobs again: an upload is scanned.
        Assert.Equal(HttpStatusCode.Created,
            (await fresh.Client.PutAsync($"{rename}/files/export.zip", new ByteArrayContent(WorkspaceApiTests.NestedExport()))).StatusCode);
        await WorkspaceApiTests.WaitForStateAsync(fresh.Client, session, "scanned");
    }

    public sealed class RuntimeOnTmpfsFactory : RetApiFactory
    {
        public Tmpfs Disk { get; } = Tmpfs.MountOrNull(48L * 1024 * 1024) ?? Tmpfs.Unavailable;

        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [
            new("Runtime:Root", Path.Combine(Disk.Path, "runtime")),
            new("RateLimits:LoginPerIp:PermitLimit", "100000"),
            new("RateLimits:LoginPerAccount:PermitLimit", "100000"),
        ];

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            Disk.Dispose();
        }
    }
}

/// <summary>A test that needs to mount a tmpfs (Linux, root): skipped, with the reason, where that is impossible.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (!Tmpfs.CanMount)
        {
            Skip = "mounting a tmpfs needs Linux and root (CAP_SYS_ADMIN); skipped.";
        }
    }

    /// <summary>Also skipped when the suite runs on PostgreSQL: the database is then not a file on the full disk.</summary>
    public bool SqliteOnly
    {
        get => _sqliteOnly;
        init
        {
            _sqliteOnly = value;
            if (value && TestDatabase.UsePostgres)
            {
                Skip ??= "the database is PostgreSQL here, not a file on the full disk; skipped.";
            }
        }
    }

    private readonly bool _sqliteOnly;
}

/// <summary>A small real file system to fill up: a tmpfs mounted in a private folder, unmounted on dispose.</summary>
public sealed class Tmpfs : IDisposable
{
    private Tmpfs(string path) => Path = path;

    public static Tmpfs Unavailable { get; } = new(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ret-tests", "no-tmpfs"));

    public string Path { get; }

    private string Filler => System.IO.Path.Combine(Path, "filler");

    public static bool CanMount { get; } = Probe();

    private static bool Probe()
    {
        using var probe = MountOrNull(1024 * 1024);
        return probe is not null;
    }

    public static Tmpfs? MountOrNull(long bytes)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ret-tests", "tmpfs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        if (Run("mount", "-t", "tmpfs", "-o", $"size={bytes},mode=0755", "ret-test-tmpfs", path))
        {
            return new Tmpfs(path);
        }

        Directory.Delete(path);
        return null;
    }

    /// <summary>Writes a filler file until only about <paramref name="leaveBytes"/> are free (0: until the disk is full).</summary>
    public void Fill(long leaveBytes)
    {
        var chunk = new byte[64 * 1024];
        using var filler = new FileStream(Filler, FileMode.Create, FileAccess.Write, FileShare.None, 0);
        try
        {
            while (true)
            {
                var free = DiskSpace.FreeBytes(Path) ?? 0;
                var room = free - leaveBytes;
                if (room <= 0 && leaveBytes > 0)
                {
                    break;
                }

                filler.Write(chunk, 0, (int)Math.Clamp(room, 4096, chunk.Length));
            }
        }
        catch (IOException ex) when (DiskSpace.IsFull(ex))
        {
            // full to the last page
        }
    }

    public void Free() => File.Delete(Filler);

    public void Dispose()
    {
        if (ReferenceEquals(this, Unavailable))
        {
            return;
        }

        Run("umount", "-l", Path);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static bool Run(string file, params string[] args)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true });
            if (process is null)
            {
                return false;
            }

            process.WaitForExit(10_000);
            return process.HasExited && process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
