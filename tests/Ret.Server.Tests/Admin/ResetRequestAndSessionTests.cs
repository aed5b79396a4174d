using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Admin;

public sealed class ResetRequestAndSessionTests(AuthApiFactory factory) : IClassFixture<AuthApiFactory>
{
    [Fact]
    public async Task Pending_request_is_listed_and_approving_issues_a_working_token_once()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var user = await TestAuth.CreateUserAsync(factory, "forgetful-" + Guid.NewGuid().ToString("N")[..6]);
        await TestAuth.CreateClient(factory).PostAsJsonAsync("/api/auth/request-reset", new { username = user.UserName });

        var request = await admin.WaitForItemAsync($"/api/admin/reset-requests?status=pending&search={user.UserName}",
            r => r.GetProperty("username").GetString() == user.UserName);
        var id = request.GetProperty("id").GetString();

        var approved = await admin.PostJsonAsync($"/api/admin/reset-requests/{id}/approve");
        Assert.Equal(HttpStatusCode.Created, approved.StatusCode);
        var token = (await approved.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostJsonAsync($"/api/admin/reset-requests/{id}/approve")).StatusCode);

        var reset = await TestAuth.CreateClient(factory).PostAsJsonAsync("/api/auth/reset", new { token, newPassword = "a brand new passphrase 9" });
        Assert.True(reset.IsSuccessStatusCode, await reset.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await TestAuth.PostLoginAsync(TestAuth.CreateClient(factory), user.UserName, "a brand new passphrase 9")).StatusCode);

        var decided = await admin.GetJsonAsync($"/api/admin/reset-requests?search={user.UserName}");
        var row = Assert.Single(decided.Items());
        Assert.NotEqual("pending", row.GetProperty("status").GetString());
        Assert.Equal(TestAuth.AdminUserName, row.GetProperty("decidedBy").GetString());
        Assert.True(await factory.WithDbAsync(db => db.AuditLog.AnyAsync(a => a.Action == "reset_token_issued" && a.TargetId == user.UserId.ToString()
                                                                               && a.Details!.Contains(id!))));
    }

    [Fact]
    public async Task Rejecting_needs_a_reason_and_is_audited()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var user = await TestAuth.CreateUserAsync(factory, "rejected-" + Guid.NewGuid().ToString("N")[..6]);
        await TestAuth.CreateClient(factory).PostAsJsonAsync("/api/auth/request-reset", new { username = user.UserName });
        var request = await admin.WaitForItemAsync($"/api/admin/reset-requests?status=pending&search={user.UserName}", _ => true);
        var id = request.GetProperty("id").GetString();

        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostJsonAsync($"/api/admin/reset-requests/{id}/reject", new { reason = "" })).StatusCode);
        var rejected = await admin.PostJsonAsync($"/api/admin/reset-requests/{id}/reject", new { reason = "not requested by the owner" });
        Assert.Equal(HttpStatusCode.OK, rejected.StatusCode);
        Assert.Equal("rejected", (await rejected.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostJsonAsync($"/api/admin/reset-requests/{id}/approve")).StatusCode);
        Assert.Single((await admin.GetJsonAsync($"/api/admin/reset-requests?status=rejected&search={user.UserName}")).Items());
        Assert.Empty((await admin.GetJsonAsync($"/api/admin/reset-requests?status=pending&search={user.UserName}")).Items());
        Assert.True(await factory.WithDbAsync(db => db.AuditLog.AnyAsync(a => a.Action == "reset_request_rejected"
                                                                               && a.Details!.Contains("not requested by the owner"))));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostJsonAsync($"/api/admin/reset-requests/{Guid.NewGuid()}/approve")).StatusCode);
    }

    [Fact]
    public async Task Sessions_are_listed_with_device_facts_and_revoking_one_ends_it()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var user = await TestAuth.CreateUserAsync(factory);
        var other = await TestAuth.LoginAsync(factory, user.UserName, user.Password);

        var page = await admin.GetJsonAsync($"/api/admin/sessions?search={user.UserName}&state=active");
        Assert.Equal(2, page.GetProperty("total").GetInt32());
        var first = page.Items().First();
        Assert.Equal(user.UserName, first.GetProperty("username").GetString());
        Assert.Equal(user.UserId.ToString(), first.GetProperty("userId").GetString());
        foreach (var field in new[] { "createdAt", "lastUsedAt", "expiresAt", "ipAddress", "userAgent" })
        {
            Assert.True(first.TryGetProperty(field, out _), field);
        }

        Assert.DoesNotContain("tokenHash", page.ToString(), StringComparison.OrdinalIgnoreCase);

        // Revoke the session of the second sign-in (the newest one is listed first).
        var familyId = await factory.WithDbAsync(db => db.RefreshTokens.Where(t => t.UserId == user.UserId && t.ReplacedById == null)
            .OrderByDescending(t => t.CreatedAt).Select(t => t.FamilyId).FirstAsync());
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.DeleteAsync($"/api/admin/sessions/{familyId}")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await other.RefreshAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await user.RefreshAsync()).StatusCode); // the other device keeps its session
        var revoked = await admin.GetJsonAsync($"/api/admin/sessions?search={user.UserName}&state=revoked");
        Assert.Equal(familyId.ToString(), Assert.Single(revoked.Items()).GetProperty("id").GetString());
        Assert.True(await factory.WithDbAsync(db => db.AuditLog.AnyAsync(a => a.Action == "session_revoked" && a.TargetId == familyId.ToString())));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.Client.DeleteAsync($"/api/admin/sessions/{Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task Cleanup_removes_only_sessions_that_ended_long_enough_ago()
    {
        await using var fresh = new AuthApiFactory();
        var admin = await TestAuth.LoginAdminAsync(fresh);
        var gone = await TestAuth.CreateUserAsync(fresh);
        await gone.Client.PostAsync("/api/auth/logout", null);
        var before = await fresh.WithDbAsync(db => db.RefreshTokens.CountAsync(t => t.UserId == gone.UserId));
        Assert.True(before > 0);

        // Not yet: a just-revoked family is kept so that a replayed token meets it and is refused.
        var early = await admin.PostJsonAsync("/api/admin/sessions/cleanup");
        Assert.Equal(0, (await early.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("deleted").GetInt32());

        fresh.Clock.Advance(TimeSpan.FromHours(25));
        admin = await TestAuth.LoginAdminAsync(fresh);
        var late = await admin.PostJsonAsync("/api/admin/sessions/cleanup");
        Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        Assert.True((await late.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("deleted").GetInt32() >= before);
        Assert.Equal(0, await fresh.WithDbAsync(db => db.RefreshTokens.CountAsync(t => t.UserId == gone.UserId)));
        // The admin's current session survives.
        Assert.Equal(HttpStatusCode.OK, (await admin.RefreshAsync()).StatusCode);
        Assert.True(await fresh.WithDbAsync(db => db.AuditLog.AnyAsync(a => a.Action == "sessions_cleaned_up")));
    }
}
