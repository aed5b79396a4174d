using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Workspace;

/// <summary>SECURITY-CHECKLIST 20: SIGKILL during a conversion — after a restart the job re-runs and the result is
/// byte-identical to a clean run; no partial output is ever served.</summary>
public sealed class ConversionCrashTests : IDisposable
{
    private const string Initial = "crash-test-initial-pass";
    private const string Changed = "crash-test-changed-passphrase";
    private readonly TestRuntimeFolder _folder = new("crash");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Killed_conversion_reruns_after_restart_with_identical_output()
    {
        var environment = new Dictionary<string, string>
        {
            ["RET_RUNTIME_ROOT"] = _folder.Path,
            ["RET_ADMIN_PASSWORD"] = Initial,
            ["Workspace__ConversionThreads"] = "1",
        };
        var export = LargeExport();

        await using var first = ServerProcess.Start(environment);
        Assert.True(await first.WaitUntilLiveAsync(TimeSpan.FromSeconds(60)), first.Output);
        using var http1 = await SignInAsync(first.BaseAddress, Initial, change: true);
        var reference = await UploadAndScanAsync(http1, export, "reference");
        var crashed = await UploadAndScanAsync(http1, export, "crashed");

        // A clean conversion to compare with.
        await ConvertAsync(http1, reference);
        await WaitForStateAsync(http1, reference, "converted");
        var expected = await DownloadTableAsync(http1, reference);

        // Start the second one and kill the server the moment its job runs. The engine is fast enough to finish
        // between two polls on a quick machine, so convert again (up to five times) until the kill lands mid-job.
        var caught = false;
        for (var attempt = 0; attempt < 5 && !caught; attempt++)
        {
            var job = await ConvertAsync(http1, crashed);
            caught = await KillWhileRunningAsync(http1, job, first);
        }

        Assert.True(caught, "the conversion always finished before the kill");

        await using var second = ServerProcess.Start(environment);
        Assert.True(await second.WaitUntilLiveAsync(TimeSpan.FromSeconds(60)), second.Output);
        using var http2 = await SignInAsync(second.BaseAddress, Changed, change: false);
        await WaitForStateAsync(http2, crashed, "converted");

        Assert.Contains("left running by a previous process", second.Output, StringComparison.Ordinal); // it really was mid-job
        // … and the dead run's claim on the job was released at start, so the job resumed at once (ADR 0406). (Another
        // conversion may still have held its claim too, filling its preview store when the server died.)
        Assert.Matches(@"Released [1-9]\d* job claim\(s\) left by a previous process", second.Output);
        var actual = await DownloadTableAsync(http2, crashed);
        Assert.Equal(expected, actual);
        var runs = Directory.GetDirectories(Path.Combine(_folder.Path, "storage", "workspace", Guid.Parse(crashed).ToString("N"), "runs"));
        Assert.DoesNotContain(runs, r => r.EndsWith(".partial", StringComparison.Ordinal));
    }

    /// <summary>ADR 0502: the conversion reports done before its preview store is filled. SIGKILL in that window: after
    /// the restart Hangfire hands the job back, the runner sees a finished conversion and fills the store.</summary>
    [Fact]
    public async Task Killed_while_the_preview_store_fills_it_is_filled_after_restart()
    {
        var environment = new Dictionary<string, string>
        {
            ["RET_RUNTIME_ROOT"] = _folder.Path,
            ["RET_ADMIN_PASSWORD"] = Initial,
        };

        await using var first = ServerProcess.Start(environment);
        Assert.True(await first.WaitUntilLiveAsync(TimeSpan.FromSeconds(60)), first.Output);
        using var http1 = await SignInAsync(first.BaseAddress, Initial, change: true);
        var session = await UploadAndScanAsync(http1, LargeExport(), "preparing");

        // Watch closely for "converted, store not ready" and kill there; a fast machine may fill the store before the
        // watcher sees the window, so convert again (up to five times) until it does.
        var caught = false;
        for (var attempt = 0; attempt < 5 && !caught; attempt++)
        {
            await ConvertAsync(http1, session);
            for (var i = 0; i < 3000; i++)
            {
                var doc = await http1.GetFromJsonAsync<JsonElement>($"/api/workspace/sessions/{session}");
                var converted = doc.GetProperty("state").GetString() == "converted" && doc.GetProperty("activeJob").ValueKind == JsonValueKind.Null;
                if (converted && !doc.GetProperty("tablesReady").GetBoolean())
                {
                    await first.KillAsync();
                    caught = true;
                    break;
                }

                if (converted)
                {
                    break; // missed it: the store was already full
                }

                await Task.Delay(5);
            }
        }

        Assert.True(caught, "never saw a finished conversion whose preview store was still filling");
        await using var second = ServerProcess.Start(environment);
        Assert.True(await second.WaitUntilLiveAsync(TimeSpan.FromSeconds(60)), second.Output);
        using var http2 = await SignInAsync(second.BaseAddress, Changed, change: false);
        for (var i = 0; i < 600; i++)
        {
            var doc = await http2.GetFromJsonAsync<JsonElement>($"/api/workspace/sessions/{session}");
            Assert.Equal(JsonValueKind.Null, doc.GetProperty("tablesError").ValueKind);
            if (doc.GetProperty("tablesReady").GetBoolean())
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Contains("left running by a previous process", second.Output, StringComparison.Ordinal);
        Assert.Contains("preview store ready", second.Output, StringComparison.Ordinal); // filled by the restarted server
        var page = await http2.GetFromJsonAsync<JsonElement>($"/api/workspace/sessions/{session}/tables/AR_INVOICE/rows?offset=319990&limit=100");
        Assert.Equal(320_000, page.GetProperty("total").GetInt64());
        Assert.Equal(10, page.GetProperty("rows").GetArrayLength());
    }

    private static async Task<HttpClient> SignInAsync(Uri baseAddress, string password, bool change)
    {
        var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Add("X-RET-CSRF", "1");
        var login = await http.PostAsJsonAsync("/api/auth/login", new { username = "admin", password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (change)
        {
            var changed = await http.PostAsJsonAsync("/api/auth/change-password", new { currentPassword = password, newPassword = Changed });
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
            token = (await changed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }

    private static async Task<string> UploadAndScanAsync(HttpClient http, byte[] export, string name)
    {
        var created = await http.PostAsJsonAsync("/api/workspace/sessions", new { name });
        var session = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync($"/api/workspace/sessions/{session}/files/AR_INVOICE.zip", new ByteArrayContent(export))).StatusCode);
        await WaitForStateAsync(http, session, "scanned");
        return session;
    }

    private static async Task<string> ConvertAsync(HttpClient http, string session)
    {
        var response = await http.PostAsJsonAsync($"/api/workspace/sessions/{session}/conversions", new { });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static async Task<byte[]> DownloadTableAsync(HttpClient http, string session)
    {
        var response = await http.GetAsync($"/api/workspace/sessions/{session}/tables/AR_INVOICE/download?format=csv");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static async Task WaitForStateAsync(HttpClient http, string session, string state)
    {
        for (var i = 0; i < 1200; i++)
        {
            var doc = await http.GetFromJsonAsync<JsonElement>($"/api/workspace/sessions/{session}");
            if (doc.GetProperty("state").GetString() == state && doc.GetProperty("activeJob").ValueKind == JsonValueKind.Null)
            {
                return;
            }

            Assert.NotEqual("failed", doc.GetProperty("state").GetString());
            await Task.Delay(100);
        }

        Assert.Fail($"session {session} never reached {state}");
    }

    /// <summary>Polls the job closely; kills the server as soon as it is running (true), or returns false when the job
    /// finished before a poll saw it run.</summary>
    private static async Task<bool> KillWhileRunningAsync(HttpClient http, string job, ServerProcess server)
    {
        for (var i = 0; i < 6000; i++)
        {
            var doc = await http.GetFromJsonAsync<JsonElement>($"/api/jobs/{job}");
            var state = doc.GetProperty("state").GetString();
            if (state == "running")
            {
                await server.KillAsync();
                return true;
            }

            if (state is "succeeded" or "failed" or "cancelled")
            {
                Assert.Equal("succeeded", state);
                return false;
            }

            await Task.Delay(5);
        }

        Assert.Fail($"job {job} never ran");
        return false;
    }

    /// <summary>AR_INVOICE.zip with 8 XML files of 40,000 invoices each: enough work to be killed mid-way.</summary>
    private static byte[] LargeExport()
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            for (var file = 0; file < 8; file++)
            {
                using var writer = new StreamWriter(zip.CreateEntry($"invoices_{file}.xml", CompressionLevel.Fastest).Open(), Encoding.UTF8);
                writer.Write("<Export>");
                for (var i = 0; i < 40_000; i++)
                {
                    var n = (file * 40_000) + i;
                    writer.Write($"<Invoice id=\"{n}\"><Number>INV-{n:D7}</Number><Amount>{n % 997}.{n % 100:D2}</Amount><Customer><Name>Customer {n % 311}</Name><City>City {n % 17}</City></Customer></Invoice>");
                }

                writer.Write("</Export>");
            }
        }

        return buffer.ToArray();
    }
}
