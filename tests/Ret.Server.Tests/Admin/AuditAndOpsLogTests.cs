using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Operations;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Admin;

public sealed class AuditAndOpsLogTests(AuthApiFactory factory) : IClassFixture<AuthApiFactory>
{
    [Fact]
    public async Task Audit_log_filters_by_actor_action_target_outcome_time_and_text()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var user = await TestAuth.CreateUserAsync(factory);
        await admin.PostJsonAsync($"/api/admin/users/{user.UserId}/lock", new { reason = "filter-needle-7781" });
        await TestAuth.PostLoginAsync(TestAuth.CreateClient(factory), user.UserName, "not the password");

        var byAction = await admin.GetJsonAsync($"/api/admin/audit-logs?action=account_locked&target={user.UserId}");
        var entry = Assert.Single(byAction.Items());
        Assert.Equal(TestAuth.AdminUserName, entry.GetProperty("actorName").GetString());
        Assert.Equal(user.UserName, entry.GetProperty("targetName").GetString());
        Assert.Contains("filter-needle-7781", entry.GetProperty("details").GetString(), StringComparison.Ordinal);

        var byText = await admin.GetJsonAsync("/api/admin/audit-logs?q=FILTER-NEEDLE-7781");
        Assert.All(byText.Items(), e => Assert.Contains("filter-needle-7781", e.GetProperty("details").GetString(), StringComparison.Ordinal));
        Assert.NotEmpty(byText.Items());

        var failures = await admin.GetJsonAsync($"/api/admin/audit-logs?outcome=failure&actor={user.UserName}");
        Assert.Contains(failures.Items(), e => e.GetProperty("action").GetString() == "login_failed");
        Assert.All(failures.Items(), e => Assert.Equal("failure", e.GetProperty("outcome").GetString()));

        var byActorId = await admin.GetJsonAsync($"/api/admin/audit-logs?actor={admin.UserId}&pageSize=200");
        Assert.All(byActorId.Items(), e => Assert.Equal(admin.UserId.ToString(), e.GetProperty("actorId").GetString()));

        var future = Uri.EscapeDataString(DateTime.UtcNow.AddDays(1).ToString("O"));
        Assert.Equal(0, (await admin.GetJsonAsync($"/api/admin/audit-logs?from={future}")).GetProperty("total").GetInt32());
        var past = Uri.EscapeDataString(DateTime.UtcNow.AddDays(-1).ToString("O"));
        Assert.Equal(0, (await admin.GetJsonAsync($"/api/admin/audit-logs?to={past}")).GetProperty("total").GetInt32());

        var actions = await admin.GetJsonAsync("/api/admin/audit-logs/actions");
        Assert.Contains(actions.EnumerateArray(), a => a.GetString() == "account_locked");
    }

    [Fact]
    public async Task Audit_log_pages_newest_first()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        for (var i = 0; i < 3; i++)
        {
            await TestAuth.CreateUserAsync(factory);
        }

        var first = await admin.GetJsonAsync("/api/admin/audit-logs?page=1&pageSize=2");
        var second = await admin.GetJsonAsync("/api/admin/audit-logs?page=2&pageSize=2");
        Assert.Equal(2, first.Items().Count());
        Assert.Equal(first.GetProperty("total").GetInt32(), second.GetProperty("total").GetInt32());
        var ids = first.Items().Concat(second.Items()).Select(e => e.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(ids.OrderByDescending(i => i), ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(200, (await admin.GetJsonAsync("/api/admin/audit-logs?pageSize=100000")).GetProperty("pageSize").GetInt32());
    }

    [Fact]
    public async Task Audit_export_streams_csv_with_the_filters_and_neutralised_formulas()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        // A failed sign-in records the attempted name as the actor: an attacker controls that text.
        await TestAuth.PostLoginAsync(TestAuth.CreateClient(factory), "=HYPERLINK(\"http://evil\")", "whatever");

        var response = await admin.Client.GetAsync("/api/admin/audit-logs/export?action=login_failed");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("attachment", response.Content.Headers.ContentDisposition?.ToString() ?? response.Headers.ToString(), StringComparison.Ordinal);
        var csv = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync()).TrimStart('\uFEFF');
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("id,at,actor_id,actor,action,target_type,target_id,outcome,details,client_ip,request_id", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.Contains(",login_failed,", l, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("\"'=HYPERLINK(\"\"http://evil\"\")\"", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(",=HYPERLINK", StringComparison.Ordinal));
        Assert.True(await factory.WithDbAsync(db => db.AuditLog.AnyAsync(a => a.Action == "audit_exported")));
    }

    [Fact]
    public async Task Audit_log_has_no_route_that_changes_it_and_the_database_refuses_changes()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var newest = (await admin.GetJsonAsync("/api/admin/audit-logs?pageSize=1")).Items().Single().GetProperty("id").GetInt64();

        Assert.True((await admin.Client.DeleteAsync($"/api/admin/audit-logs/{newest}")).StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed);
        Assert.True((await admin.Client.PutAsJsonAsync($"/api/admin/audit-logs/{newest}", new { action = "x" })).StatusCode
            is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed);
        Assert.True((await admin.Client.DeleteAsync("/api/admin/audit-logs")).StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed);
        await Assert.ThrowsAnyAsync<Exception>(() => factory.WithDbAsync(db => db.AuditLog.Where(a => a.Id == newest).ExecuteDeleteAsync()));
        await Assert.ThrowsAnyAsync<Exception>(() =>
            factory.WithDbAsync(db => db.AuditLog.Where(a => a.Id == newest).ExecuteUpdateAsync(s => s.SetProperty(a => a.Action, "forged"))));
    }

    [Fact]
    public async Task Retention_removes_only_old_entries_and_the_guard_stays()
    {
        await using var fresh = new AuthApiFactory();
        var admin = await TestAuth.LoginAdminAsync(fresh);
        var oldCount = await fresh.WithDbAsync(db => db.AuditLog.CountAsync());
        fresh.Clock.Advance(TimeSpan.FromDays(400)); // past the default 365 days
        await TestAuth.LoginAdminAsync(fresh);        // a new entry that must survive
        await fresh.WithDbAsync(async db =>
        {
            // The job's "now" is 400 days ahead: one entry a day old, one 400 days old (ops retention: 30 days).
            db.Set<OpsLogEntry>().Add(new OpsLogEntry { At = DateTime.UtcNow.AddDays(399), Level = "info", Category = "lifecycle", Message = "kept" });
            db.Set<OpsLogEntry>().Add(new OpsLogEntry { At = DateTime.UtcNow, Level = "info", Category = "lifecycle", Message = "old" });
            await db.SaveChangesAsync();
        });

        await using (var scope = fresh.Services.CreateAsyncScope())
        {
            var (audit, ops) = await scope.ServiceProvider.GetRequiredService<LogRetentionJob>().RunAsync(CancellationToken.None);
            Assert.Equal(oldCount, audit);
            Assert.True(ops >= 1);
        }

        var left = await fresh.WithDbAsync(db => db.AuditLog.ToListAsync());
        Assert.NotEmpty(left);
        Assert.All(left, a => Assert.True(a.At > DateTime.UtcNow.AddDays(300)));
        Assert.False(await fresh.WithDbAsync(db => db.Set<OpsLogEntry>().AnyAsync(o => o.Message == "old")));
        Assert.True(await fresh.WithDbAsync(db => db.Set<OpsLogEntry>().AnyAsync(o => o.Message == "kept")));
        // The guard is back: an ordinary delete is still refused.
        await Assert.ThrowsAnyAsync<Exception>(() => fresh.WithDbAsync(db => db.AuditLog.ExecuteDeleteAsync()));
    }

    [Fact]
    public async Task Ops_log_records_start_rejected_uploads_and_rate_limits_and_filters_and_exports()
    {
        await using var limited = new LimitedFactory();
        var admin = await TestAuth.LoginAdminAsync(limited);
        await admin.WaitForItemAsync("/api/admin/ops-logs?category=lifecycle", e => e.GetProperty("message").GetString() == "Server started");

        var user = await TestAuth.CreateUserAsync(limited);
        var session = await Workspace.WorkspaceApiTests.CreateSessionAsync(user.Client, "too-big");
        var create = new HttpRequestMessage(HttpMethod.Post, $"/api/workspace/sessions/{session}/uploads");
        create.Headers.Add("Tus-Resumable", "1.0.0");
        create.Headers.Add("Upload-Length", (10L * 1024 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));
        create.Headers.Add("Upload-Metadata", "filename " + Convert.ToBase64String(Encoding.UTF8.GetBytes("huge.zip")));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await user.Client.SendAsync(create)).StatusCode);
        var upload = await admin.WaitForItemAsync("/api/admin/ops-logs?category=upload&level=warning",
            e => e.GetProperty("details").GetString()!.Contains(user.UserName, StringComparison.Ordinal));
        Assert.False(string.IsNullOrEmpty(upload.GetProperty("requestId").GetString()));
        Assert.False(string.IsNullOrEmpty(upload.GetProperty("node").GetString()));

        var anonymous = TestAuth.CreateClient(limited);
        HttpStatusCode last = HttpStatusCode.OK;
        for (var i = 0; i < 5 && last != HttpStatusCode.TooManyRequests; i++)
        {
            last = (await anonymous.PostAsJsonAsync("/api/auth/request-reset", new { username = "nobody-" + i })).StatusCode;
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, last);
        await admin.WaitForItemAsync("/api/admin/ops-logs?category=rate-limit",
            e => e.GetProperty("message").GetString()!.Contains("/api/auth/request-reset", StringComparison.Ordinal));
        // A flood is folded into one entry a minute per client and path.
        for (var i = 0; i < 5; i++)
        {
            await anonymous.PostAsJsonAsync("/api/auth/request-reset", new { username = "nobody" });
        }

        await Task.Delay(600);
        Assert.Equal(1, (await admin.GetJsonAsync("/api/admin/ops-logs?category=rate-limit")).GetProperty("total").GetInt32());

        var text = await admin.GetJsonAsync("/api/admin/ops-logs?q=upload%20rejected");
        Assert.All(text.Items(), e => Assert.Equal("upload", e.GetProperty("category").GetString()));
        Assert.Equal(0, (await admin.GetJsonAsync("/api/admin/ops-logs?level=error&category=upload")).GetProperty("total").GetInt32());

        var csv = await admin.Client.GetStringAsync("/api/admin/ops-logs/export?category=upload");
        var lines = csv.TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("id,at,level,category,message,details,request_id,node", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.Contains(",upload,", l, StringComparison.Ordinal));
        Assert.True(lines.Length >= 2);
    }

    [Fact]
    public void Ops_log_write_never_blocks_and_throttles_per_key()
    {
        var log = new OpsLog(TimeProvider.System, new Microsoft.AspNetCore.Http.HttpContextAccessor());
        for (var i = 0; i < 20_000; i++)
        {
            log.Write(new OpsEvent("info", "job", "flood " + i));
        }

        Assert.True(log.Dropped >= 10_000 - 1);
        var throttled = new OpsLog(TimeProvider.System, new Microsoft.AspNetCore.Http.HttpContextAccessor());
        for (var i = 0; i < 100; i++)
        {
            throttled.WriteThrottled("same-key", new OpsEvent("warning", "rate-limit", "hit"));
        }

        throttled.WriteThrottled("other-key", new OpsEvent("warning", "rate-limit", "hit"));
        var count = 0;
        while (throttled.Reader.TryRead(out _))
        {
            count++;
        }

        Assert.Equal(2, count);
    }

    private sealed class LimitedFactory : AuthApiFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
        [
            new("RateLimits:ResetPerIp:PermitLimit", "2"),
        ];
    }
}
