using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Admin;

public sealed class SettingsAndStatsTests
{
    [Fact]
    public async Task Settings_show_the_effective_values_and_reject_bad_ones_field_by_field()
    {
        await using var factory = new AuthApiFactory();
        var admin = await TestAuth.LoginAdminAsync(factory);
        var settings = await admin.GetJsonAsync("/api/admin/settings");
        Assert.Equal(200, settings.GetProperty("uploads").GetProperty("maxFileMb").GetInt64());
        Assert.Equal(5, settings.GetProperty("lockout").GetProperty("maxFailures").GetInt32());
        Assert.Equal("csv", settings.GetProperty("conversionDefaults").GetProperty("format").GetString());

        var bad = JsonNode.Parse(settings.GetRawText())!;
        bad["uploads"]!["maxFileMb"] = 0;
        bad["retention"]!["auditDays"] = 5;
        bad["conversionDefaults"]!["format"] = "pdf";
        var response = await admin.Client.PutAsJsonAsync("/api/admin/settings", bad);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("uploads.maxFileMb", out _));
        Assert.True(errors.TryGetProperty("retention.auditDays", out _));
        Assert.True(errors.TryGetProperty("conversionDefaults.format", out _));
        Assert.Equal(200, (await admin.GetJsonAsync("/api/admin/settings")).GetProperty("uploads").GetProperty("maxFileMb").GetInt64());
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.Client.PutAsJsonAsync("/api/admin/settings", new { uploads = new { maxFileMb = 5, userQuotaMb = 10 } })).StatusCode);
    }

    [Fact]
    public async Task Changed_settings_apply_without_a_restart_and_are_audited_old_to_new()
    {
        await using var factory = new AuthApiFactory();
        var admin = await TestAuth.LoginAdminAsync(factory);
        var user = await TestAuth.CreateUserAsync(factory);
        var next = JsonNode.Parse((await admin.GetJsonAsync("/api/admin/settings")).GetRawText())!;
        next["uploads"]!["maxFileMb"] = 1;
        next["lockout"]!["maxFailures"] = 3;
        next["conversionDefaults"]!["format"] = "xlsx";
        next["conversionDefaults"]!["bom"] = true;

        var saved = await admin.Client.PutAsJsonAsync("/api/admin/settings", next);
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var body = await saved.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, body.GetProperty("uploads").GetProperty("maxFileMb").GetInt64());

        // Upload cap: a 2 MB file is now refused at creation.
        var session = await Workspace.WorkspaceApiTests.CreateSessionAsync(user.Client, "capped");
        var create = new HttpRequestMessage(HttpMethod.Post, $"/api/workspace/sessions/{session}/uploads");
        create.Headers.Add("Tus-Resumable", "1.0.0");
        create.Headers.Add("Upload-Length", (2 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));
        create.Headers.Add("Upload-Metadata", "filename " + Convert.ToBase64String(Encoding.UTF8.GetBytes("two-mb.zip")));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await user.Client.SendAsync(create)).StatusCode);
        var quota = await user.Client.GetFromJsonAsync<JsonElement>("/api/workspace/quota");
        Assert.Equal(1024 * 1024, quota.GetProperty("maxFileBytes").GetInt64());

        // Lockout policy: three wrong passwords now lock the account.
        var anonymous = TestAuth.CreateClient(factory);
        for (var i = 0; i < 3; i++)
        {
            await TestAuth.PostLoginAsync(anonymous, user.UserName, "wrong " + i);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await TestAuth.PostLoginAsync(anonymous, user.UserName, user.Password)).StatusCode);
        Assert.True(await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Id == user.UserId && u.LockoutEnd != null)));

        // Conversion defaults: what the form preselects and what a request without options gets.
        var defaults = await admin.Client.GetFromJsonAsync<JsonElement>("/api/workspace/conversion-defaults");
        Assert.Equal("xlsx", defaults.GetProperty("format").GetString());
        Assert.True(defaults.GetProperty("bom").GetBoolean());

        var entry = await factory.WithDbAsync(db => db.AuditLog.SingleAsync(a => a.Action == "settings_changed"));
        Assert.Equal(admin.UserId, entry.ActorId);
        var changes = JsonDocument.Parse(entry.Details!).RootElement.GetProperty("changes");
        Assert.Equal("209715200", changes.GetProperty("uploads.maxFileMb").GetProperty("from").GetString());
        Assert.Equal("1048576", changes.GetProperty("uploads.maxFileMb").GetProperty("to").GetString());
        Assert.Equal("5", changes.GetProperty("lockout.maxFailures").GetProperty("from").GetString());
        Assert.False(changes.TryGetProperty("retention.workspaceHours", out _));
    }

    [Fact]
    public async Task A_value_stored_by_another_node_is_picked_up_by_the_loader_used_at_start_and_by_the_refresher()
    {
        await using var factory = new AuthApiFactory();
        var admin = await TestAuth.LoginAdminAsync(factory);
        await factory.WithDbAsync(async db =>
        {
            db.Set<Ret.Server.Domain.SettingEntry>().Add(new Ret.Server.Domain.SettingEntry
            {
                Key = "Workspace:RetentionHours", Value = "48", UpdatedAt = DateTime.UtcNow,
            });
            await db.SaveChangesAsync();
        });
        Assert.Equal(24, (await admin.GetJsonAsync("/api/admin/settings")).GetProperty("retention").GetProperty("workspaceHours").GetInt32());

        await factory.Services.GetRequiredService<Ret.Server.Infrastructure.Settings.DatabaseSettings>().LoadAsync(CancellationToken.None);

        Assert.Equal(48, (await admin.GetJsonAsync("/api/admin/settings")).GetProperty("retention").GetProperty("workspaceHours").GetInt32());
    }

    [Fact]
    public async Task Stats_count_users_sessions_and_conversions_and_chart_30_days()
    {
        await using var factory = new AuthApiFactory();
        var admin = await TestAuth.LoginAdminAsync(factory);
        var user = await TestAuth.CreateUserAsync(factory);
        await admin.Client.PostAsJsonAsync("/api/admin/users", new { username = "pending-" + Guid.NewGuid().ToString("N")[..6], role = "user" });
        await TestAuth.PostLoginAsync(TestAuth.CreateClient(factory), user.UserName, "wrong password");
        await Workspace.WorkspaceApiTests.ConvertedSessionAsync(user.Client);

        var stats = await admin.GetJsonAsync("/api/admin/stats");

        var users = stats.GetProperty("users");
        Assert.Equal(3, users.GetProperty("total").GetInt32());
        Assert.Equal(1, users.GetProperty("admins").GetInt32());
        Assert.Equal(1, users.GetProperty("pendingSetup").GetInt32());
        Assert.True(stats.GetProperty("signInSessions").GetProperty("active").GetInt32() >= 2);
        Assert.Equal(1, stats.GetProperty("workspace").GetProperty("sessions").GetInt32());
        Assert.True(stats.GetProperty("workspace").GetProperty("storageBytes").GetInt64() > 0);
        Assert.Equal(1, stats.GetProperty("conversions").GetProperty("last24h").GetInt64());
        Assert.Equal(0, stats.GetProperty("conversions").GetProperty("failed24h").GetInt64());
        Assert.True(stats.GetProperty("jobs").GetProperty("succeeded24h").GetInt32() >= 2); // scan + convert

        var series = stats.GetProperty("series");
        var conversions = series.GetProperty("conversionsPerDay").EnumerateArray().ToList();
        Assert.Equal(30, conversions.Count);
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(today, conversions[^1].GetProperty("day").GetString());
        Assert.Equal(1, conversions[^1].GetProperty("count").GetInt64());
        Assert.All(conversions.Take(29), p => Assert.Equal(0, p.GetProperty("count").GetInt64()));
        var rows = series.GetProperty("rowsConvertedPerDay").EnumerateArray().Last().GetProperty("rows").GetInt64();
        var tableRows = await factory.WithDbAsync(db => db.Set<Ret.Server.Domain.ResultTable>().SumAsync(t => t.Rows));
        Assert.Equal(tableRows, rows);
        var signIns = series.GetProperty("signInsPerDay").EnumerateArray().Last();
        Assert.True(signIns.GetProperty("succeeded").GetInt32() >= 2);
        Assert.Equal(1, signIns.GetProperty("failed").GetInt32());
    }
}
