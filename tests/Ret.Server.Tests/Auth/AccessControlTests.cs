using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Auth;

/// <summary>SECURITY-CHECKLIST 10, 11, 12 and 24, the forced password change, and username matching.</summary>
public sealed class AccessControlTests(AuthApiFactory factory) : IClassFixture<AuthApiFactory>
{
    [Fact]
    public async Task Every_admin_route_is_403_for_a_normal_user()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var user = await TestAuth.CreateUserAsync(factory);
        var anonymous = TestAuth.CreateClient(factory);

        var document = await admin.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var routes = new List<(HttpMethod Method, string Path)>();
        foreach (var path in document.GetProperty("paths").EnumerateObject().Where(p => p.Name.StartsWith("/api/admin", StringComparison.Ordinal)))
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "put" or "patch" or "delete"))
            {
                routes.Add((new HttpMethod(operation.Name.ToUpperInvariant()), path.Name.Replace("{id}", Guid.NewGuid().ToString(), StringComparison.Ordinal)));
            }
        }

        Assert.True(routes.Count >= 24, "admin routes found in the OpenAPI document: " + routes.Count);
        routes.AddRange(new[] { "/jobs", "/docs", "/openapi/v1.json", "/health" }.Select(p => (HttpMethod.Get, p)));
        foreach (var (method, path) in routes)
        {
            var asUser = await user.Client.SendAsync(new HttpRequestMessage(method, path) { Content = JsonContent.Create(new { }) });
            Assert.True(asUser.StatusCode == HttpStatusCode.Forbidden, $"{method} {path} as a user: {(int)asUser.StatusCode}");
            var asNobody = await anonymous.SendAsync(new HttpRequestMessage(method, path) { Content = JsonContent.Create(new { }) });
            Assert.True(asNobody.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} anonymous: {(int)asNobody.StatusCode}");
        }
    }

    [Fact]
    public async Task User_cannot_change_own_role_active_or_locked_through_any_body()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var escalate = new
        {
            role = "admin", isActive = true, isLocked = false, mustChangePassword = false, id = Guid.NewGuid(),
            securityStamp = "x", passwordHash = "x", username = "admin",
        };

        // Extra fields on the user's own endpoints are ignored…
        var changed = await user.Client.PostAsJsonAsync("/api/auth/change-password", new
        {
            currentPassword = user.Password, newPassword = "ignored fields passphrase", escalate.role, escalate.isActive, escalate.isLocked, escalate.username,
        });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        user = await TestAuth.LoginAsync(factory, user.UserName, "ignored fields passphrase");
        await user.Client.PostAsJsonAsync("/api/auth/api-keys", new { name = "k", escalate.role, userId = Guid.NewGuid() });

        // …and the admin endpoints are closed to them.
        Assert.Equal(HttpStatusCode.Forbidden, (await user.Client.PatchAsJsonAsync($"/api/admin/users/{user.UserId}", escalate)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await user.Client.PostAsJsonAsync("/api/auth/logout-all", escalate)).StatusCode);

        var row = await factory.WithDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Id == user.UserId));
        Assert.Equal("user", row.Role);
        Assert.True(row.IsActive);
        Assert.False(row.IsLocked);
        Assert.Equal(user.UserName, row.UserName);
        var me = await (await TestAuth.LoginAsync(factory, user.UserName, "ignored fields passphrase")).Client.GetFromJsonAsync<JsonElement>("/api/auth/me");
        Assert.Equal("user", me.GetProperty("role").GetString());
    }

    [Fact]
    public async Task Ownership_user_cannot_see_or_revoke_another_users_api_key()
    {
        var alice = await TestAuth.CreateUserAsync(factory);
        var bob = await TestAuth.CreateUserAsync(factory);
        var created = await alice.Client.PostAsJsonAsync("/api/auth/api-keys", new { name = "alice's script" });
        var keyId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        Assert.Equal(HttpStatusCode.NotFound, (await bob.Client.DeleteAsync($"/api/auth/api-keys/{keyId}")).StatusCode);
        Assert.DoesNotContain(keyId.ToString(), await bob.Client.GetStringAsync("/api/auth/api-keys"), StringComparison.Ordinal);
        Assert.Contains(keyId.ToString(), await alice.Client.GetStringAsync("/api/auth/api-keys"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Must_change_password_blocks_every_other_route_until_changed()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var name = "forced-" + Guid.NewGuid().ToString("N")[..6];
        await admin.Client.PostAsJsonAsync("/api/admin/users", new { username = name, password = "initial passphrase 1", role = "admin" });
        var session = await TestAuth.LoginAsync(factory, name, "initial passphrase 1");
        Assert.True(session.MustChangePassword);

        foreach (var (method, path) in new[]
                 {
                     (HttpMethod.Get, "/api/admin/users"), (HttpMethod.Get, "/api/auth/api-keys"), (HttpMethod.Post, "/api/auth/api-keys"),
                     (HttpMethod.Post, "/api/auth/console-session"), (HttpMethod.Get, "/openapi/v1.json"),
                 })
        {
            var blocked = await session.Client.SendAsync(new HttpRequestMessage(method, path) { Content = JsonContent.Create(new { name = "x" }) });
            Assert.True(blocked.StatusCode == HttpStatusCode.Forbidden, $"{method} {path}: {(int)blocked.StatusCode}");
            var problem = await blocked.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("urn:ret:must-change-password", problem.GetProperty("type").GetString());
        }

        Assert.Equal(HttpStatusCode.OK, (await session.Client.GetAsync("/api/auth/me")).StatusCode);
        await session.ChangePasswordAsync("my own new passphrase");
        Assert.False(session.MustChangePassword);
        Assert.Equal(HttpStatusCode.OK, (await session.Client.GetAsync("/api/admin/users")).StatusCode);
    }

    [Fact]
    public async Task First_admin_must_change_the_bootstrap_password()
    {
        await using var fresh = new AuthApiFactory();
        var session = await TestAuth.LoginAsync(fresh, "ADMIN", RetApiFactory.AdminPassword);

        Assert.True(session.MustChangePassword);
        Assert.Equal(HttpStatusCode.Forbidden, (await session.Client.GetAsync("/api/admin/users")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await session.Client.PostAsync("/api/auth/logout", null)).StatusCode switch
        {
            HttpStatusCode.NoContent => HttpStatusCode.OK,
            var other => other,
        });
    }

    [Fact]
    public async Task Username_matching_is_case_insensitive_everywhere()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var user = await TestAuth.CreateUserAsync(factory, "Mixed.Case-" + Guid.NewGuid().ToString("N")[..6]);

        await TestAuth.LoginAsync(factory, user.UserName.ToUpperInvariant(), user.Password);
        await TestAuth.LoginAsync(factory, user.UserName.ToLowerInvariant(), user.Password);
        var duplicate = await admin.Client.PostAsJsonAsync("/api/admin/users", new { username = user.UserName.ToLowerInvariant(), role = "user" });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        var search = await admin.Client.GetFromJsonAsync<JsonElement>("/api/admin/users?search=" + Uri.EscapeDataString(user.UserName.ToLowerInvariant()));
        Assert.Equal(user.UserName, Assert.Single(search.GetProperty("items").EnumerateArray()).GetProperty("username").GetString());
        // The name keeps the case it was created with.
        var me = await (await TestAuth.LoginAsync(factory, user.UserName.ToUpperInvariant(), user.Password)).Client.GetFromJsonAsync<JsonElement>("/api/auth/me");
        Assert.Equal(user.UserName, me.GetProperty("username").GetString());
    }

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("a\"b")]
    [InlineData("ab")]
    [InlineData("name with spaces")]
    [InlineData("ünïcode")]
    public async Task Usernames_that_could_carry_markup_are_refused(string bad)
    {
        var admin = await TestAuth.LoginAdminAsync(factory);

        var response = await admin.Client.PostAsJsonAsync("/api/admin/users", new { username = bad, role = "user" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(body.GetProperty("errors").TryGetProperty("username", out _));
    }

    [Fact]
    public async Task Data_is_returned_as_json_text_never_html()
    {
        var client = TestAuth.CreateClient(factory);
        var attempt = await client.PostAsync("/api/auth/login",
            new StringContent("""{"username":"<img src=x onerror=alert(1)>","password":"<script>"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, attempt.StatusCode);
        Assert.Equal("application/problem+json", attempt.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("<img", await attempt.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(attempt.Headers.GetValues("X-Content-Type-Options")));
        var user = await TestAuth.CreateUserAsync(factory);
        var me = await user.Client.GetAsync("/api/auth/me");
        Assert.Equal("application/json", me.Content.Headers.ContentType?.MediaType);
    }
}
