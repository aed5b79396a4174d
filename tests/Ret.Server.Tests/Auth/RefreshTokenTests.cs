using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Auth;

/// <summary>SECURITY-CHECKLIST 5 and 6: refresh-token rotation, reuse detection, races, lifetimes, the cookie.</summary>
public sealed class RefreshTokenTests(AuthApiFactory factory) : IClassFixture<AuthApiFactory>
{
    [Fact]
    public async Task Refresh_rotates_and_old_token_is_rejected()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var first = user.RefreshToken!;

        var refreshed = await user.RefreshAsync();

        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var second = user.RefreshToken!;
        Assert.NotEqual(first, second);
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync("/api/auth/me")).StatusCode);

        var replay = await PostRefreshWithCookieAsync(first);
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Equal("application/problem+json", replay.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Refresh_with_reused_token_revokes_the_whole_family()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var stolen = user.RefreshToken!;
        Assert.Equal(HttpStatusCode.OK, (await user.RefreshAsync()).StatusCode);
        var legitimate = user.RefreshToken!;

        // The thief replays the old token: refused, and the legitimate successor dies with the family.
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostRefreshWithCookieAsync(stolen)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostRefreshWithCookieAsync(legitimate)).StatusCode);

        var audited = await factory.WithDbAsync(db => db.AuditLog.AnyAsync(a => a.Action == "refresh_token_reuse" && a.ActorId == user.UserId));
        Assert.True(audited);
        var live = await factory.WithDbAsync(db => db.RefreshTokens.CountAsync(t => t.UserId == user.UserId && t.RevokedAt == null));
        Assert.Equal(0, live);
    }

    [Fact]
    public async Task Reuse_detection_leaves_the_users_other_sessions_alone()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var otherDevice = await TestAuth.LoginAsync(factory, user.UserName, user.Password);
        var stolen = user.RefreshToken!;
        await user.RefreshAsync();

        await PostRefreshWithCookieAsync(stolen);

        Assert.Equal(HttpStatusCode.OK, (await otherDevice.RefreshAsync()).StatusCode);
    }

    [Fact]
    public async Task Two_parallel_refreshes_one_succeeds()
    {
        for (var round = 0; round < 5; round++)
        {
            var user = await TestAuth.CreateUserAsync(factory);
            var token = user.RefreshToken!;

            var responses = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => PostRefreshWithCookieAsync(token)));

            Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
            Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized));
            var successors = await factory.WithDbAsync(db => db.RefreshTokens.CountAsync(t => t.UserId == user.UserId));
            Assert.Equal(2, successors); // the original and exactly one successor
        }
    }

    [Fact]
    public async Task Refresh_cookie_attributes_are_host_prefixed_secure_httponly_strict_and_never_in_a_body()
    {
        var client = TestAuth.CreateClient(factory);
        var user = await TestAuth.CreateUserAsync(factory);

        var login = await TestAuth.PostLoginAsync(client, user.UserName, user.Password);

        var setCookie = Assert.Single(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith("__Host-ret_refresh=", StringComparison.Ordinal));
        var attributes = setCookie.Split(';', StringSplitOptions.TrimEntries).Skip(1).Select(a => a.ToLowerInvariant()).ToList();
        Assert.Contains("secure", attributes);
        Assert.Contains("httponly", attributes);
        Assert.Contains("samesite=strict", attributes);
        Assert.Contains("path=/", attributes);
        Assert.DoesNotContain(attributes, a => a.StartsWith("domain", StringComparison.Ordinal));
        var token = setCookie.Split(';')[0]["__Host-ret_refresh=".Length..];
        Assert.Equal(43, token.Length); // 256 bits, base64url

        var body = await login.Content.ReadAsStringAsync();
        Assert.DoesNotContain(token, body, StringComparison.Ordinal);
        Assert.DoesNotContain("refresh", body, StringComparison.OrdinalIgnoreCase);

        var refreshed = await client.PostAsync("/api/auth/refresh", null);
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        Assert.DoesNotContain("refresh", await refreshed.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        var stored = await factory.WithDbAsync(db => db.RefreshTokens.Select(t => t.TokenHash).ToListAsync());
        Assert.DoesNotContain(token, stored);
        Assert.All(stored, h => Assert.Matches("^[0-9a-f]{64}$", h));
    }

    [Theory]
    [InlineData(null, null, "missing header")]
    [InlineData("1", "https://evil.example", "foreign origin")]
    [InlineData("1", "null", "opaque origin")]
    [InlineData("0", null, "wrong header value")]
    public async Task Cross_site_refresh_is_rejected(string? csrfHeader, string? origin, string because)
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/refresh");
        request.Headers.Add("Cookie", "__Host-ret_refresh=" + user.RefreshToken);
        if (csrfHeader is not null)
        {
            request.Headers.Add("X-RET-CSRF", csrfHeader);
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        var response = await factory.CreateDefaultClient(TestAuth.BaseAddress).SendAsync(request);

        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, because);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        // The session was not touched: the real app can still refresh.
        Assert.Equal(HttpStatusCode.OK, (await user.RefreshAsync()).StatusCode);
    }

    [Fact]
    public async Task Same_origin_refresh_with_the_header_is_accepted()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/refresh");
        request.Headers.Add("Cookie", "__Host-ret_refresh=" + user.RefreshToken);
        request.Headers.Add("X-RET-CSRF", "1");
        request.Headers.Add("Origin", "https://localhost");
        request.Headers.Add("Sec-Fetch-Site", "same-origin");

        var response = await factory.CreateDefaultClient(TestAuth.BaseAddress).SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Cross_site_logout_is_rejected_and_same_site_logout_ends_only_this_session()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var laptop = await TestAuth.LoginAsync(factory, user.UserName, user.Password);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/logout");
        request.Headers.Add("Cookie", "__Host-ret_refresh=" + user.RefreshToken);
        request.Headers.Add("Origin", "https://evil.example");
        request.Headers.Add("X-RET-CSRF", "1");
        Assert.Equal(HttpStatusCode.Forbidden, (await factory.CreateDefaultClient(TestAuth.BaseAddress).SendAsync(request)).StatusCode);

        var logout = await user.Client.PostAsync("/api/auth/logout", null);

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Contains(logout.Headers.GetValues("Set-Cookie"), c => c.StartsWith("__Host-ret_refresh=;", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Unauthorized, (await user.RefreshAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await laptop.RefreshAsync()).StatusCode);
    }

    [Fact]
    public async Task Logout_all_ends_every_session_and_access_token()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var laptop = await TestAuth.LoginAsync(factory, user.UserName, user.Password);

        Assert.Equal(HttpStatusCode.NoContent, (await user.Client.PostAsync("/api/auth/logout-all", null)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await laptop.Client.GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await laptop.RefreshAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await user.Client.GetAsync("/api/auth/me")).StatusCode);
    }

    [Fact]
    public async Task Refresh_without_a_cookie_is_401_problem()
    {
        var response = await TestAuth.CreateClient(factory).PostAsync("/api/auth/refresh", null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private Task<HttpResponseMessage> PostRefreshWithCookieAsync(string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/refresh");
        request.Headers.Add("Cookie", "__Host-ret_refresh=" + token);
        request.Headers.Add("X-RET-CSRF", "1");
        return factory.CreateDefaultClient(TestAuth.BaseAddress).SendAsync(request);
    }
}

/// <summary>Lifetimes need the clock moved, so they get a server of their own.</summary>
public sealed class RefreshLifetimeTests(AuthApiFactory factory) : IClassFixture<AuthApiFactory>
{
    [Fact]
    public async Task Idle_and_absolute_refresh_lifetimes()
    {
        // Idle: unused for longer than 24 h → gone.
        var idle = await TestAuth.CreateUserAsync(factory);
        factory.Clock.Advance(TimeSpan.FromHours(23));
        Assert.Equal(HttpStatusCode.OK, (await idle.RefreshAsync()).StatusCode); // each use starts a new idle window
        factory.Clock.Advance(TimeSpan.FromHours(24.5));
        Assert.Equal(HttpStatusCode.Unauthorized, (await idle.RefreshAsync()).StatusCode);

        // Absolute: used every 20 h, it still ends 14 days after sign-in.
        var busy = await TestAuth.CreateUserAsync(factory);
        for (var elapsed = 20; elapsed < 14 * 24; elapsed += 20) // 20 h … 320 h: all within 14 days
        {
            factory.Clock.Advance(TimeSpan.FromHours(20));
            Assert.Equal(HttpStatusCode.OK, (await busy.RefreshAsync()).StatusCode);
        }

        factory.Clock.Advance(TimeSpan.FromHours(20)); // 340 h > 14 days
        Assert.Equal(HttpStatusCode.Unauthorized, (await busy.RefreshAsync()).StatusCode);
    }
}
