using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Auth;

public sealed class ApiKeyTests(AuthApiFactory factory) : IClassFixture<AuthApiFactory>
{
    [Fact]
    public async Task Api_key_authenticates_as_its_owner_with_the_owners_role()
    {
        var admin = await TestAuth.CreateUserAsync(factory, role: "admin");
        var (key, created) = await CreateKeyAsync(admin, "ci script");

        Assert.Matches("^ret_[A-Za-z0-9_-]{43}$", key);
        Assert.Equal(key[..10], created.GetProperty("prefix").GetString());
        var client = KeyClient(key);
        var me = await client.GetFromJsonAsync<JsonElement>("/api/auth/me");
        Assert.Equal(admin.UserId, me.GetProperty("id").GetGuid());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/admin/users")).StatusCode);

        var listed = await admin.Client.GetStringAsync("/api/auth/api-keys");
        Assert.DoesNotContain(key, listed, StringComparison.Ordinal); // shown once, never again
        var stored = await factory.WithDbAsync(db => db.ApiKeys.Select(k => k.KeyHash).ToListAsync());
        Assert.DoesNotContain(key, stored);
        var lastUsed = await factory.WithDbAsync(db => db.ApiKeys.Where(k => k.Name == "ci script").Select(k => k.LastUsedAt).SingleAsync());
        Assert.NotNull(lastUsed);
    }

    [Fact]
    public async Task Normal_users_key_is_refused_on_admin_routes()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var (key, _) = await CreateKeyAsync(user, "mine");

        Assert.Equal(HttpStatusCode.Forbidden, (await KeyClient(key).GetAsync("/api/admin/users")).StatusCode);
    }

    [Fact]
    public async Task Api_key_is_refused_after_revocation_and_after_expiry()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var (revokedKey, revoked) = await CreateKeyAsync(user, "to revoke");
        var (expiringKey, _) = await CreateKeyAsync(user, "short-lived", DateTimeOffset.UtcNow + factory.Clock.Offset + TimeSpan.FromHours(1));
        Assert.Equal(HttpStatusCode.OK, (await KeyClient(revokedKey).GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await KeyClient(expiringKey).GetAsync("/api/auth/me")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await user.Client.DeleteAsync($"/api/auth/api-keys/{revoked.GetProperty("id").GetGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await KeyClient(revokedKey).GetAsync("/api/auth/me")).StatusCode);

        factory.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(HttpStatusCode.Unauthorized, (await KeyClient(expiringKey).GetAsync("/api/auth/me")).StatusCode);
        Assert.True(await factory.WithDbAsync(db => db.AuditLog.AnyAsync(a => a.Action == "api_key_revoked" && a.ActorId == user.UserId)));
        Assert.True(await factory.WithDbAsync(db => db.AuditLog.AnyAsync(a => a.Action == "api_key_created" && a.ActorId == user.UserId)));
    }

    [Fact]
    public async Task Api_key_of_a_disabled_user_stops_working()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var user = await TestAuth.CreateUserAsync(factory);
        var (key, _) = await CreateKeyAsync(user, "k");

        await admin.Client.PatchAsJsonAsync($"/api/admin/users/{user.UserId}", new { isActive = false });

        Assert.Equal(HttpStatusCode.Unauthorized, (await KeyClient(key).GetAsync("/api/auth/me")).StatusCode);
    }

    [Fact]
    public async Task Api_key_cannot_call_refresh_logout_or_manage_credentials()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var (key, _) = await CreateKeyAsync(user, "k");
        var client = KeyClient(key);
        client.DefaultRequestHeaders.Add("X-RET-CSRF", "1");
        var withCookie = new HttpRequestMessage(HttpMethod.Post, "/api/auth/refresh");
        withCookie.Headers.Add("Cookie", "__Host-ret_refresh=" + user.RefreshToken);

        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(withCookie)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/api/auth/logout", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync("/api/auth/logout-all", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/auth/api-keys", new { name = "minted by a key" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await client.PostAsJsonAsync("/api/auth/change-password", new { currentPassword = user.Password, newPassword = "via key passphrase" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await user.RefreshAsync()).StatusCode); // the session was not touched
    }

    [Theory]
    [InlineData("ret_short")]
    [InlineData("not-a-key")]
    [InlineData("ret_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Malformed_or_unknown_keys_are_401(string key)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await KeyClient(key).GetAsync("/api/auth/me")).StatusCode);
        await Task.CompletedTask;
    }

    private HttpClient KeyClient(string key)
    {
        var client = factory.CreateDefaultClient(TestAuth.BaseAddress);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", key);
        return client;
    }

    private static async Task<(string Key, JsonElement Body)> CreateKeyAsync(AuthSession owner, string name, DateTimeOffset? expiresAt = null)
    {
        var response = await owner.Client.PostAsJsonAsync("/api/auth/api-keys", new { name, expiresAt });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("key").GetString()!, body);
    }
}
