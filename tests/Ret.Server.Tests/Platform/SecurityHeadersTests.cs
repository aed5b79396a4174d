using System.Net;
using Microsoft.AspNetCore.Hosting;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Platform;

/// <summary>SECURITY-CHECKLIST 23: headers on API responses, error responses and the SPA shell.</summary>
public sealed class SecurityHeadersTests(SpaFactory factory) : IClassFixture<SpaFactory>
{
    [Theory]
    [InlineData("/health/live", HttpStatusCode.OK)]          // API response
    [InlineData("/api/missing", HttpStatusCode.NotFound)]    // error response
    [InlineData("/", HttpStatusCode.OK)]                     // SPA shell
    [InlineData("/app/some/deep/link", HttpStatusCode.OK)]   // SPA history fallback
    public async Task Every_response_carries_the_security_headers(string path, HttpStatusCode expected)
    {
        var response = await factory.CreateClient().GetAsync(path);

        Assert.Equal(expected, response.StatusCode);
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("object-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("base-uri 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline' 'unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.False(response.Headers.Contains("Server"));
        Assert.False(response.Headers.Contains("X-Powered-By"));
    }

    [Fact]
    public async Task Spa_shell_is_served_for_page_routes_and_never_cached()
    {
        var response = await factory.CreateClient().GetAsync("/admin");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<div id=\"app\">", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task Api_responses_are_not_stored_by_caches()
    {
        var response = await factory.CreateClient().GetAsync("/api/missing");

        Assert.True(response.Headers.CacheControl?.NoStore);
    }
}

/// <summary>A factory whose web root holds a minimal built SPA, so the shell can be tested without a front-end build.</summary>
public sealed class SpaFactory : RetApiFactory
{
    private readonly string _webRoot;

    public SpaFactory()
    {
        _webRoot = Path.Combine(RuntimeRoot, "wwwroot");
        Directory.CreateDirectory(Path.Combine(_webRoot, "assets"));
        File.WriteAllText(Path.Combine(_webRoot, "index.html"),
            "<!doctype html><html><head><script type=\"module\" src=\"/assets/app.js\"></script></head><body><div id=\"app\"></div></body></html>");
        File.WriteAllText(Path.Combine(_webRoot, "assets", "app.js"), "console.log('ret');");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseWebRoot(_webRoot);
    }
}
