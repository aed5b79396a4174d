using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Ret.Server.Infrastructure.Persistence;

namespace Ret.Server.Tests.Infrastructure;

/// <summary>A <see cref="RetApiFactory"/> for account tests: a controllable <see cref="Clock"/>, generous rate limits
/// (tests that check limits derive and lower them), and a test-only header <c>X-Test-Remote-Ip</c> that sets the
/// connection's remote address (the in-memory test server has none) so forwarded-header handling can be tested.</summary>
public class AuthApiFactory : RetApiFactory
{
    public const string RemoteIpHeader = "X-Test-Remote-Ip";

    public TestClock Clock { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("RateLimits:LoginPerIp:PermitLimit", "100000"),
        new("RateLimits:LoginPerAccount:PermitLimit", "100000"),
        new("RateLimits:ResetPerIp:PermitLimit", "100000"),
        new("RateLimits:ResetPerAccount:PermitLimit", "100000"),
        .. ExtraSettings,
    ];

    /// <summary>Settings of a derived factory, applied after the defaults above.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> ExtraSettings => [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
            services.AddSingleton<IStartupFilter, TestRemoteIpStartupFilter>();
        });
    }

    /// <summary>A scope with the application's database context, for arranging or inspecting rows directly.</summary>
    public async Task<T> WithDbAsync<T>(Func<RetDbContext, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<RetDbContext>());
    }

    public async Task WithDbAsync(Func<RetDbContext, Task> action)
    {
        await using var scope = Services.CreateAsyncScope();
        await action(scope.ServiceProvider.GetRequiredService<RetDbContext>());
    }

    private sealed class TestRemoteIpStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Headers.TryGetValue(RemoteIpHeader, out var value) && IPAddress.TryParse(value, out var ip))
                {
                    context.Connection.RemoteIpAddress = ip;
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
