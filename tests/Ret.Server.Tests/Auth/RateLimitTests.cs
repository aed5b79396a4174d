using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Auth;

/// <summary>SECURITY-CHECKLIST 19 with small limits: 3 sign-ins per account, 5 per IP, 2 resets per IP per window.</summary>
public sealed class RateLimitTests(RateLimitTests.Factory factory) : IClassFixture<RateLimitTests.Factory>
{
    public sealed class Factory : AuthApiFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
        [
            new("RateLimits:LoginPerAccount:PermitLimit", "3"),
            new("RateLimits:LoginPerAccount:WindowSeconds", "600"),
            new("RateLimits:LoginPerIp:PermitLimit", "5"),
            new("RateLimits:LoginPerIp:WindowSeconds", "600"),
            new("RateLimits:ResetPerIp:PermitLimit", "2"),
            new("RateLimits:ResetPerIp:WindowSeconds", "600"),
            new("Auth:Lockout:MaxFailedAttempts", "1000"),
        ];
    }

    [Fact]
    public async Task Rate_limit_login_per_account_and_per_ip_returns_429_with_retry_after()
    {
        // Per account: the same name from three different IPs, then a fourth is refused.
        var account = "victim-" + Guid.NewGuid().ToString("N")[..6];
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await LoginFromAsync($"10.1.0.{i + 1}", account)).StatusCode);
        }

        var limited = await LoginFromAsync("10.1.0.9", account.ToUpperInvariant()); // normalised: same account
        await AssertTooManyAsync(limited);

        // Per IP: five different names from one IP, then a sixth is refused.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await LoginFromAsync("10.2.0.1", "spray-" + i)).StatusCode);
        }

        await AssertTooManyAsync(await LoginFromAsync("10.2.0.1", "spray-5"));
        // Another IP is unaffected.
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginFromAsync("10.2.0.2", "spray-6")).StatusCode);
    }

    [Fact]
    public async Task Rate_limit_reset_endpoints_per_ip()
    {
        var client = TestAuth.CreateClient(factory);
        client.DefaultRequestHeaders.Add(AuthApiFactory.RemoteIpHeader, "10.3.0.1");

        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/auth/request-reset", new { username = "a" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/auth/reset", new { token = "x", newPassword = "y" })).StatusCode);
        await AssertTooManyAsync(await client.PostAsJsonAsync("/api/auth/request-reset", new { username = "b" }));
    }

    [Fact]
    public async Task X_Forwarded_For_is_ignored_from_untrusted_proxies()
    {
        // 10.4.0.1 is not a trusted proxy: its X-Forwarded-For is not believed, so rotating it does not escape the limit.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await LoginFromAsync("10.4.0.1", "xff-" + i, forwardedFor: $"203.0.113.{i}")).StatusCode);
        }

        var ips = await factory.WithDbAsync(db => db.AuditLog.Where(a => a.ActorName!.StartsWith("xff-")).Select(a => a.ClientIp).Distinct().ToListAsync());
        Assert.Equal("10.4.0.1", Assert.Single(ips));
        await AssertTooManyAsync(await LoginFromAsync("10.4.0.1", "xff-9", forwardedFor: "203.0.113.99"));
    }

    private async Task<HttpResponseMessage> LoginFromAsync(string ip, string userName, string? forwardedFor = null)
    {
        var client = TestAuth.CreateClient(factory);
        client.DefaultRequestHeaders.Add(AuthApiFactory.RemoteIpHeader, ip);
        if (forwardedFor is not null)
        {
            client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        }

        return await TestAuth.PostLoginAsync(client, userName, "whatever-password");
    }

    internal static async Task AssertTooManyAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.TooManyRequests, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var retryAfter = int.Parse(Assert.Single(response.Headers.GetValues("Retry-After")));
        Assert.InRange(retryAfter, 1, 600);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(429, body.GetProperty("status").GetInt32());
    }
}

/// <summary>With a configured trusted proxy, its X-Forwarded-For names the client.</summary>
public sealed class TrustedProxyTests(TrustedProxyTests.Factory factory) : IClassFixture<TrustedProxyTests.Factory>
{
    public sealed class Factory : AuthApiFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
        [
            new("Server:TrustedProxies:0", "10.9.0.1"),
            new("RateLimits:LoginPerIp:PermitLimit", "3"),
            new("RateLimits:LoginPerIp:WindowSeconds", "600"),
        ];
    }

    [Fact]
    public async Task X_Forwarded_For_is_honoured_from_a_configured_proxy()
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await LoginViaProxyAsync("198.51.100.7", "proxied-" + i)).StatusCode);
        }

        // The limit is per real client: this one is out, another client behind the same proxy is not.
        await RateLimitTests.AssertTooManyAsync(await LoginViaProxyAsync("198.51.100.7", "proxied-3"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginViaProxyAsync("198.51.100.8", "proxied-4")).StatusCode);
        var ips = await factory.WithDbAsync(db => db.AuditLog.Where(a => a.ActorName!.StartsWith("proxied-")).Select(a => a.ClientIp).Distinct().ToListAsync());
        Assert.Equal(new string?[] { "198.51.100.7", "198.51.100.8" }, ips.Order().ToList());
    }

    private Task<HttpResponseMessage> LoginViaProxyAsync(string client, string userName)
    {
        var http = TestAuth.CreateClient(factory);
        http.DefaultRequestHeaders.Add(AuthApiFactory.RemoteIpHeader, "10.9.0.1");
        http.DefaultRequestHeaders.Add("X-Forwarded-For", client);
        return TestAuth.PostLoginAsync(http, userName, "whatever-password");
    }
}
