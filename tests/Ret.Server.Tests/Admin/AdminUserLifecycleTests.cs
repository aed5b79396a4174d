using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Admin;

/// <summary>The user routes added for the admin console: detail, role, lock/unlock, sign out everywhere, delete.</summary>
public sealed class AdminUserLifecycleTests(AuthApiFactory factory) : IClassFixture<AuthApiFactory>
{
    [Fact]
    public async Task Lock_needs_a_reason_ends_access_and_unlock_restores_sign_in()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var user = await TestAuth.CreateUserAsync(factory);

        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostJsonAsync($"/api/admin/users/{user.UserId}/lock", new { reason = " " })).StatusCode);
        var locked = await admin.PostJsonAsync($"/api/admin/users/{user.UserId}/lock", new { reason = "suspicious downloads" });
        Assert.Equal(HttpStatusCode.OK, locked.StatusCode);
        var body = await locked.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.True(body.GetProperty("isLocked").GetBoolean());
        Assert.Equal("suspicious downloads", body.GetProperty("lockReason").GetString());

        // The access token and the refresh token die at once; a new sign-in is refused.
        Assert.Equal(HttpStatusCode.Unauthorized, (await user.Client.GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await user.RefreshAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await TestAuth.PostLoginAsync(TestAuth.CreateClient(factory), user.UserName, user.Password)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await admin.PostJsonAsync($"/api/admin/users/{user.UserId}/unlock")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await TestAuth.PostLoginAsync(TestAuth.CreateClient(factory), user.UserName, user.Password)).StatusCode);

        var actions = await factory.WithDbAsync(db => db.AuditLog.Where(a => a.TargetId == user.UserId.ToString()).Select(a => a.Action).ToListAsync());
        Assert.Contains("account_locked", actions);
        Assert.Contains("account_unlocked", actions);
    }

    [Fact]
    public async Task Unlock_also_lifts_an_automatic_lockout()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var user = await TestAuth.CreateUserAsync(factory);
        var anonymous = TestAuth.CreateClient(factory);
        for (var i = 0; i < 5; i++)
        {
            await TestAuth.PostLoginAsync(anonymous, user.UserName, "wrong password " + i);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await TestAuth.PostLoginAsync(anonymous, user.UserName, user.Password)).StatusCode);
        var listed = await admin.GetJsonAsync($"/api/admin/users?state=locked&search={user.UserName}");
        Assert.Single(listed.Items());

        Assert.Equal(HttpStatusCode.OK, (await admin.PostJsonAsync($"/api/admin/users/{user.UserId}/unlock")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await TestAuth.PostLoginAsync(anonymous, user.UserName, user.Password)).StatusCode);
    }

    [Fact]
    public async Task Role_route_changes_the_role_and_refuses_self_demotion()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var user = await TestAuth.CreateUserAsync(factory);

        var promoted = await admin.Client.PutAsJsonAsync($"/api/admin/users/{user.UserId}/role", new { role = "admin" });
        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await TestAuth.LoginAsync(factory, user.UserName, user.Password).ContinueWith(t => t.Result.Client.GetAsync("/api/admin/users")).Unwrap()).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.Client.PutAsJsonAsync($"/api/admin/users/{user.UserId}/role", new { role = "root" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.Client.PutAsJsonAsync($"/api/admin/users/{admin.UserId}/role", new { role = "user" })).StatusCode);
    }

    [Fact]
    public async Task Sign_out_everywhere_ends_every_session_but_keeps_the_account()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var user = await TestAuth.CreateUserAsync(factory);
        var second = await TestAuth.LoginAsync(factory, user.UserName, user.Password);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostJsonAsync($"/api/admin/users/{user.UserId}/sign-out-everywhere")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await user.RefreshAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await second.RefreshAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await second.Client.GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await TestAuth.PostLoginAsync(TestAuth.CreateClient(factory), user.UserName, user.Password)).StatusCode);
        Assert.True(await factory.WithDbAsync(db => db.AuditLog.AnyAsync(a => a.Action == "user_signed_out_everywhere" && a.TargetId == user.UserId.ToString())));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostJsonAsync($"/api/admin/users/{Guid.NewGuid()}/sign-out-everywhere")).StatusCode);
    }

    [Fact]
    public async Task Detail_shows_storage_workspace_and_sign_in_sessions()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var user = await TestAuth.CreateUserAsync(factory);
        var sessionId = await Workspace.WorkspaceApiTests.CreateSessionAsync(user.Client, "detail");
        var xml = System.Text.Encoding.UTF8.GetBytes("<Export>" + string.Concat(Enumerable.Repeat("<Row><Code>N30</Code></Row>", 200)) + "</Export>");
        Assert.Equal(HttpStatusCode.Created,
            (await user.Client.PutAsync($"/api/workspace/sessions/{sessionId}/files/detail.xml", new ByteArrayContent(xml))).StatusCode);

        var detail = await admin.GetJsonAsync($"/api/admin/users/{user.UserId}");

        Assert.Equal(user.UserName, detail.GetProperty("user").GetProperty("username").GetString());
        Assert.Equal(1, detail.GetProperty("workspaceSessions").GetInt32());
        Assert.True(detail.GetProperty("storageBytes").GetInt64() >= xml.Length, $"storage {detail.GetProperty("storageBytes")} < uploaded {xml.Length}");
        var session = Assert.Single(detail.GetProperty("signInSessions").EnumerateArray());
        Assert.Equal("active", session.GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.Client.GetAsync($"/api/admin/users/{Guid.NewGuid()}")).StatusCode);
        // Seeing another user's data through an admin route is audited.
        Assert.True(await factory.WithDbAsync(db => db.AuditLog.AnyAsync(a => a.Action == "user_viewed" && a.ActorId == admin.UserId
                                                                               && a.TargetId == user.UserId.ToString())));
    }

    [Fact]
    public async Task Delete_is_soft_blocks_sign_in_at_once_and_keeps_the_name_reserved()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var user = await TestAuth.CreateUserAsync(factory);
        var key = await user.Client.PostAsJsonAsync("/api/auth/api-keys", new { name = "script" });
        Assert.Equal(HttpStatusCode.Created, key.StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.DeleteAsync($"/api/admin/users/{user.UserId}")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await user.Client.GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await user.RefreshAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await TestAuth.PostLoginAsync(TestAuth.CreateClient(factory), user.UserName, user.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.Client.GetAsync($"/api/admin/users/{user.UserId}")).StatusCode);
        Assert.Empty((await admin.GetJsonAsync($"/api/admin/users?search={user.UserName}")).Items());
        Assert.Equal(HttpStatusCode.Conflict,
            (await admin.Client.PostAsJsonAsync("/api/admin/users", new { username = user.UserName, role = "user" })).StatusCode);
        var row = await factory.WithDbAsync(db => db.Users.SingleAsync(u => u.Id == user.UserId));
        Assert.NotNull(row.DeletedAt);
        Assert.True(await factory.WithDbAsync(db => db.ApiKeys.Where(k => k.UserId == user.UserId).AllAsync(k => k.RevokedAt != null)));
        Assert.True(await factory.WithDbAsync(db => db.AuditLog.AnyAsync(a => a.Action == "user_deleted" && a.TargetId == user.UserId.ToString() && a.ActorId == admin.UserId)));
    }

    [Fact]
    public async Task Nobody_deletes_themself_or_the_last_admin()
    {
        await using var fresh = new AuthApiFactory();
        var admin = await TestAuth.LoginAdminAsync(fresh);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.Client.DeleteAsync($"/api/admin/users/{admin.UserId}")).StatusCode);

        var other = await TestAuth.CreateUserAsync(fresh, role: "admin");
        // Two admins: one may delete the other …
        Assert.Equal(HttpStatusCode.NoContent, (await other.Client.DeleteAsync($"/api/admin/users/{admin.UserId}")).StatusCode);
        // … and the survivor, now the last admin, still cannot delete themself.
        Assert.Equal(HttpStatusCode.Conflict, (await other.Client.DeleteAsync($"/api/admin/users/{other.UserId}")).StatusCode);
        var title = (await (await other.Client.DeleteAsync($"/api/admin/users/{other.UserId}")).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>())
            .GetProperty("title").GetString();
        Assert.Contains("own account", title, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleted_users_workspace_is_removed_by_retention()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var user = await TestAuth.CreateUserAsync(factory);
        var session = Guid.Parse(await Workspace.WorkspaceApiTests.CreateSessionAsync(user.Client, "to-remove"));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.DeleteAsync($"/api/admin/users/{user.UserId}")).StatusCode);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<Ret.Server.Features.Workspace.WorkspaceRetentionJob>().RunAsync(CancellationToken.None);
        }

        Assert.False(await factory.WithDbAsync(db => db.Set<Ret.Server.Domain.WorkspaceSession>().AnyAsync(s => s.Id == session)));
    }
}
