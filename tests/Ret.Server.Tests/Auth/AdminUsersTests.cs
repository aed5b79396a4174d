using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Auth;

public sealed class AdminUsersTests(AuthApiFactory factory) : IClassFixture<AuthApiFactory>
{
    [Fact]
    public async Task Admin_lists_pages_and_searches_users_without_secrets()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        for (var i = 0; i < 3; i++)
        {
            await TestAuth.CreateUserAsync(factory, $"pager-{i}-{Guid.NewGuid():N}"[..16]);
        }

        var page = await admin.Client.GetFromJsonAsync<JsonElement>("/api/admin/users?page=1&pageSize=2&search=PAGER");

        Assert.Equal(3, page.GetProperty("total").GetInt32());
        Assert.Equal(2, page.GetProperty("items").GetArrayLength());
        var second = await admin.Client.GetFromJsonAsync<JsonElement>("/api/admin/users?page=2&pageSize=2&search=pager&sort=username&dir=desc");
        Assert.Single(second.GetProperty("items").EnumerateArray());
        Assert.Equal(2, second.GetProperty("page").GetInt32());
        var admins = await admin.Client.GetFromJsonAsync<JsonElement>("/api/admin/users?role=admin");
        Assert.All(admins.GetProperty("items").EnumerateArray(), u => Assert.Equal("admin", u.GetProperty("role").GetString()));
        await admin.Client.PostAsJsonAsync("/api/admin/users", new { username = "pending-" + Guid.NewGuid().ToString("N")[..6], role = "user" });
        var pending = await admin.Client.GetFromJsonAsync<JsonElement>("/api/admin/users?state=pending");
        Assert.All(pending.GetProperty("items").EnumerateArray(), u => Assert.True(u.GetProperty("pendingSetup").GetBoolean()));
        Assert.True(pending.GetProperty("total").GetInt32() >= 1);
        var raw = await admin.Client.GetStringAsync("/api/admin/users?pageSize=200");
        Assert.DoesNotContain("pbkdf2", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("securityStamp", raw, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("passwordHash", raw, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Admin_cannot_demote_disable_or_lock_themselves()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        await TestAuth.CreateUserAsync(factory, role: "admin"); // not the last admin, still refused for oneself

        foreach (var change in new object[] { new { role = "user" }, new { isActive = false }, new { isLocked = true } })
        {
            var response = await admin.Client.PatchAsJsonAsync($"/api/admin/users/{admin.UserId}", change);
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task Last_active_admin_cannot_lose_access()
    {
        await using var fresh = new AuthApiFactory();
        var admin = await TestAuth.LoginAdminAsync(fresh);
        var other = await TestAuth.CreateUserAsync(fresh, role: "admin");

        // Other admin disables the first: allowed (one remains) …
        Assert.Equal(HttpStatusCode.OK, (await other.Client.PatchAsJsonAsync($"/api/admin/users/{admin.UserId}", new { isActive = false })).StatusCode);
        // … re-enable, then the first demotes the other: allowed …
        Assert.Equal(HttpStatusCode.OK, (await other.Client.PatchAsJsonAsync($"/api/admin/users/{admin.UserId}", new { isActive = true })).StatusCode);
        admin = await TestAuth.LoginAdminAsync(fresh);
        Assert.Equal(HttpStatusCode.OK, (await admin.Client.PatchAsJsonAsync($"/api/admin/users/{other.UserId}", new { role = "user" })).StatusCode);
        // … and now the first admin is the last one: nobody can take that away (the only one who could is them).
        var self = await admin.Client.PatchAsJsonAsync($"/api/admin/users/{admin.UserId}", new { role = "user" });
        Assert.Equal(HttpStatusCode.Conflict, self.StatusCode);
    }

    [Fact]
    public async Task Every_change_is_audited_with_old_and_new_values()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var user = await TestAuth.CreateUserAsync(factory);

        await admin.Client.PatchAsJsonAsync($"/api/admin/users/{user.UserId}", new { role = "admin" });
        await admin.Client.PatchAsJsonAsync($"/api/admin/users/{user.UserId}", new { isLocked = true, lockReason = "left the company" });

        var rows = await factory.WithDbAsync(db => db.AuditLog.Where(a => a.TargetId == user.UserId.ToString()).OrderBy(a => a.Id).ToListAsync());
        Assert.Contains(rows, r => r.Action == "user_created" && r.ActorId == admin.UserId);
        Assert.Contains(rows, r => r.Action == "user_updated" && r.Details!.Contains("\"from\":\"user\",\"to\":\"admin\"", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Action == "account_locked" && r.ActorId == admin.UserId && r.Details!.Contains("left the company", StringComparison.Ordinal));
        Assert.All(rows, r => Assert.False(string.IsNullOrEmpty(r.RequestId)));
    }

    [Fact]
    public async Task Unknown_user_id_is_404_and_bad_input_is_400()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);

        Assert.Equal(HttpStatusCode.NotFound, (await admin.Client.PatchAsJsonAsync($"/api/admin/users/{Guid.NewGuid()}", new { role = "user" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.Client.PostAsync($"/api/admin/users/{Guid.NewGuid()}/reset-token", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.Client.PostAsJsonAsync("/api/admin/users", new { username = "valid-name", role = "superuser" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.Client.PostAsJsonAsync("/api/admin/users", new { username = "valid-name2", password = "password", role = "user" })).StatusCode);
    }
}
