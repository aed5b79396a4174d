using System.Net;
using System.Net.Http.Json;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Auth;

/// <summary>The admin console cookie opens the browser tools and nothing else.</summary>
public sealed class ConsoleSessionTests(AuthApiFactory factory) : IClassFixture<AuthApiFactory>
{
    [Fact]
    public async Task Console_cookie_opens_jobs_docs_openapi_and_health_only()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var start = await admin.Client.PostAsync("/api/auth/console-session", null);
        Assert.Equal(HttpStatusCode.OK, start.StatusCode);
        var setCookie = Assert.Single(start.Headers.GetValues("Set-Cookie"), c => c.StartsWith("__Host-ret_console=", StringComparison.Ordinal));
        var attributes = setCookie.ToLowerInvariant();
        Assert.Contains("secure", attributes, StringComparison.Ordinal);
        Assert.Contains("httponly", attributes, StringComparison.Ordinal);
        Assert.Contains("samesite=strict", attributes, StringComparison.Ordinal);
        Assert.Contains("path=/", attributes, StringComparison.Ordinal);
        var cookie = setCookie.Split(';')[0];

        // A browser: only the cookie, no bearer token.
        var browser = factory.CreateDefaultClient(TestAuth.BaseAddress);
        browser.DefaultRequestHeaders.Add("Cookie", cookie);
        foreach (var path in new[] { "/jobs", "/docs/", "/openapi/v1.json", "/health" })
        {
            var response = await browser.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}");
        }

        // The API itself does not accept it.
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/admin/users")).StatusCode);
        // Nor as a bearer token.
        var token = cookie["__Host-ret_console=".Length..];
        var asBearer = factory.CreateDefaultClient(TestAuth.BaseAddress);
        asBearer.DefaultRequestHeaders.Authorization = new("Bearer", token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await asBearer.GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await asBearer.GetAsync("/jobs")).StatusCode);

        // It expires after 30 minutes.
        factory.Clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task Console_session_is_for_interactive_admins_only()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        Assert.Equal(HttpStatusCode.Forbidden, (await user.Client.PostAsync("/api/auth/console-session", null)).StatusCode);

        var admin = await TestAuth.CreateUserAsync(factory, role: "admin");
        var created = await admin.Client.PostAsJsonAsync("/api/auth/api-keys", new { name = "k" });
        var key = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("key").GetString();
        var keyClient = factory.CreateDefaultClient(TestAuth.BaseAddress);
        keyClient.DefaultRequestHeaders.Authorization = new("ApiKey", key);
        Assert.Equal(HttpStatusCode.Unauthorized, (await keyClient.PostAsync("/api/auth/console-session", null)).StatusCode);
    }

    [Fact]
    public async Task Demoted_admins_console_cookie_stops_working()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var other = await TestAuth.CreateUserAsync(factory, role: "admin");
        var start = await other.Client.PostAsync("/api/auth/console-session", null);
        var cookie = Assert.Single(start.Headers.GetValues("Set-Cookie")).Split(';')[0];
        var browser = factory.CreateDefaultClient(TestAuth.BaseAddress);
        browser.DefaultRequestHeaders.Add("Cookie", cookie);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/health")).StatusCode);

        await admin.Client.PatchAsJsonAsync($"/api/admin/users/{other.UserId}", new { role = "user" });

        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/health")).StatusCode);
    }
}
