using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;

namespace Ret.Server.Tests.Infrastructure;

/// <summary>Signs in for real over HTTP and hands back a ready client — for every team's tests.
/// <code>
/// var admin = await TestAuth.LoginAdminAsync(factory);          // handles the first admin's forced password change
/// var alice = await TestAuth.CreateUserAsync(factory, "alice"); // created by the admin, signed in, no forced change
/// var response = await alice.Client.GetAsync("/api/...");
/// </code>
/// Clients talk to https://localhost (so the Secure refresh cookie is kept), send <c>X-RET-CSRF: 1</c> and the bearer
/// token, and keep cookies in <see cref="AuthSession.Cookies"/>.</summary>
public static class TestAuth
{
    public const string AdminUserName = "admin";

    /// <summary>What the first admin's password becomes after the forced change.</summary>
    public const string AdminChangedPassword = "admin-changed-Pa55word!x";

    public static readonly Uri BaseAddress = new("https://localhost");

    private static readonly ConditionalWeakTable<object, AdminState> Admins = new();

    /// <summary>A client with its own cookie jar and the CSRF header, not signed in.</summary>
    public static HttpClient CreateClient(WebApplicationFactory<Program> factory, CookieContainer? cookies = null)
    {
        var client = factory.CreateDefaultClient(BaseAddress, new CookieContainerHandler(cookies ?? new CookieContainer()));
        client.DefaultRequestHeaders.Add("X-RET-CSRF", "1");
        return client;
    }

    public static Task<HttpResponseMessage> PostLoginAsync(HttpClient client, string userName, string password)
        => client.PostAsJsonAsync("/api/auth/login", new { username = userName, password });

    /// <summary>Signs in and returns the session; fails the test on anything but 200.</summary>
    public static async Task<AuthSession> LoginAsync(WebApplicationFactory<Program> factory, string userName, string password)
    {
        var cookies = new CookieContainer();
        var client = CreateClient(factory, cookies);
        var response = await PostLoginAsync(client, userName, password);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"Sign-in of {userName} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        return await AuthSession.FromLoginAsync(client, cookies, response, password);
    }

    /// <summary>The first administrator, signed in with the forced password change done (once per factory).</summary>
    public static async Task<AuthSession> LoginAdminAsync(WebApplicationFactory<Program> factory)
    {
        var state = Admins.GetValue(factory, _ => new AdminState());
        await state.Gate.WaitAsync();
        try
        {
            if (state.Password is not null)
            {
                return await LoginAsync(factory, AdminUserName, state.Password);
            }

            var session = await LoginAsync(factory, AdminUserName, RetApiFactory.AdminPassword);
            if (session.MustChangePassword)
            {
                await session.ChangePasswordAsync(AdminChangedPassword);
                state.Password = AdminChangedPassword;
            }
            else
            {
                state.Password = RetApiFactory.AdminPassword;
            }

            return session;
        }
        finally
        {
            state.Gate.Release();
        }
    }

    /// <summary>Has the admin create an account (no forced password change) and signs it in.</summary>
    public static async Task<AuthSession> CreateUserAsync(WebApplicationFactory<Program> factory, string? userName = null,
        string role = "user", string? password = null)
    {
        userName ??= "user-" + Guid.NewGuid().ToString("N")[..10];
        password ??= "pw-" + Guid.NewGuid().ToString("N");
        var admin = await LoginAdminAsync(factory);
        var created = await admin.Client.PostAsJsonAsync("/api/admin/users",
            new { username = userName, password, role, mustChangePassword = false });
        if (created.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Creating {userName} failed: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        }

        return await LoginAsync(factory, userName, password);
    }

    private sealed class AdminState
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public string? Password { get; set; }
    }
}

/// <summary>A signed-in user: the client carries the bearer token and the session cookies.</summary>
public sealed class AuthSession
{
    private AuthSession(HttpClient client, CookieContainer cookies, JsonElement login, string password)
    {
        Client = client;
        Cookies = cookies;
        Password = password;
        Apply(login);
    }

    public HttpClient Client { get; }

    public CookieContainer Cookies { get; }

    public string AccessToken { get; private set; } = "";

    public Guid UserId { get; private set; }

    public string UserName { get; private set; } = "";

    public string Role { get; private set; } = "";

    public bool MustChangePassword { get; private set; }

    public string Password { get; private set; }

    /// <summary>The current refresh token (from the cookie jar), or null.</summary>
    public string? RefreshToken => Cookies.GetCookies(TestAuth.BaseAddress)["__Host-ret_refresh"]?.Value;

    internal static async Task<AuthSession> FromLoginAsync(HttpClient client, CookieContainer cookies, HttpResponseMessage response, string password)
    {
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return new AuthSession(client, cookies, body.RootElement.Clone(), password);
    }

    /// <summary>POST /api/auth/refresh with the cookie; on success the client uses the new access token.</summary>
    public async Task<HttpResponseMessage> RefreshAsync()
    {
        var response = await Client.PostAsync("/api/auth/refresh", null);
        if (response.IsSuccessStatusCode)
        {
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Apply(body.RootElement);
        }

        return response;
    }

    /// <summary>Changes the password (fails the test unless 200) and switches to the new tokens.</summary>
    public async Task ChangePasswordAsync(string newPassword)
    {
        var response = await Client.PostAsJsonAsync("/api/auth/change-password", new { currentPassword = Password, newPassword });
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"Change password failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Apply(body.RootElement);
        Password = newPassword;
    }

    private void Apply(JsonElement login)
    {
        AccessToken = login.GetProperty("accessToken").GetString()!;
        var user = login.GetProperty("user");
        UserId = user.GetProperty("id").GetGuid();
        UserName = user.GetProperty("username").GetString()!;
        Role = user.GetProperty("role").GetString()!;
        MustChangePassword = user.GetProperty("mustChangePassword").GetBoolean();
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AccessToken);
    }
}
