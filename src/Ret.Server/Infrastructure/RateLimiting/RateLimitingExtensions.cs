using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Hosting;
using Ret.Server.Infrastructure.Operations;
using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Infrastructure.RateLimiting;

public static class RateLimitingExtensions
{
    /// <summary>Named policy for expensive endpoints (convert, chat): a fixed window per signed-in user.
    /// Use <c>.RequireRateLimiting(RateLimitingExtensions.PerUserHeavy)</c>.</summary>
    public const string PerUserHeavy = "per-user-heavy";

    /// <summary>Credential endpoints (marked <see cref="AuthRateLimitAttribute"/>) are limited per client IP and per
    /// account at once (a chained limiter); the client IP is the connection's, or X-Forwarded-For's only when the
    /// connection comes from a configured trusted proxy (see ForwardedHeaders in HostingExtensions).</summary>
    public static WebApplicationBuilder AddRetRateLimiting(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<RateLimitOptions>(RateLimitOptions.Section);

        builder.Services.AddRateLimiter(_ => { });
        // Limits are read per request from the monitor (administrators change them at run time); the limit is part of
        // the partition key, so a new limit starts a new window at once instead of waiting for old partitions to expire.
        builder.Services.AddOptions<RateLimiterOptions>().Configure<IOptionsMonitor<RateLimitOptions>>((limiter, monitor) =>
        {
            var o = monitor.CurrentValue;
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = OnRejectedAsync;
            if (!o.Enabled)
            {
                limiter.AddPolicy(PerUserHeavy, _ => RateLimitPartition.GetNoLimiter("off"));
                return;
            }

            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(ctx => Meta(ctx) switch
                {
                    { Kind: AuthLimitKind.Login } => Window("login-ip:" + ClientKey(ctx), monitor.CurrentValue.LoginPerIp),
                    { Kind: AuthLimitKind.Reset } => Window("reset-ip:" + ClientKey(ctx), monitor.CurrentValue.ResetPerIp),
                    _ => RateLimitPartition.GetNoLimiter(string.Empty),
                }),
                PartitionedRateLimiter.Create<HttpContext, string>(ctx => Meta(ctx) switch
                {
                    { Kind: AuthLimitKind.Login } => Window("login-acct:" + AccountKey(ctx), monitor.CurrentValue.LoginPerAccount),
                    { Kind: AuthLimitKind.Reset } => Window("reset-acct:" + AccountKey(ctx), monitor.CurrentValue.ResetPerAccount),
                    _ => RateLimitPartition.GetNoLimiter(string.Empty),
                }));

            limiter.AddPolicy(PerUserHeavy, ctx =>
                Window("heavy:" + (ctx.User.UserId()?.ToString() ?? "anon:" + ClientKey(ctx)), monitor.CurrentValue.HeavyPerUser));
        });
        return builder;
    }

    /// <summary>After authentication (the per-user policy needs the user): reads the account key, then limits.</summary>
    public static WebApplication UseRetRateLimiting(this WebApplication app)
    {
        app.UseMiddleware<AccountKeyMiddleware>();
        app.UseRateLimiter();
        return app;
    }

    private static AuthRateLimitAttribute? Meta(HttpContext context)
        => HttpMethods.IsPost(context.Request.Method) ? context.GetEndpoint()?.Metadata.GetMetadata<AuthRateLimitAttribute>() : null;

    private static RateLimitPartition<string> Window(string key, WindowLimit limit)
        => RateLimitPartition.GetFixedWindowLimiter($"{key}|{limit.PermitLimit}/{limit.WindowSeconds}", _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = limit.PermitLimit,
            Window = TimeSpan.FromSeconds(limit.WindowSeconds),
            QueueLimit = 0,
            AutoReplenishment = true,
        });

    private static string AccountKey(HttpContext context)
        => context.Items.TryGetValue(AccountKeyMiddleware.ItemKey, out var key) && key is string s ? s : "(none)";

    /// <summary>The client address after forwarded-header processing; IPv6 clients are grouped by their /64.</summary>
    internal static string ClientKey(HttpContext context)
    {
        var ip = context.Connection.RemoteIpAddress;
        if (ip is null)
        {
            return "unknown";
        }

        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }

        if (ip.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = ip.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            return new IPAddress(bytes) + "/64";
        }

        return ip.ToString();
    }

    private static async ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 60;
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var client = ClientKey(http);
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Ret.RateLimiting")
            .LogWarning("Rate limit hit on {Method} {Path} from {ClientIp}", http.Request.Method, http.Request.Path, client);
        http.RequestServices.GetRequiredService<IOpsLog>().WriteThrottled($"rate-limit:{http.Request.Path}:{client}",
            new OpsEvent(OpsLevel.Warning, OpsCategory.RateLimit, $"Rate limit hit on {http.Request.Method} {http.Request.Path}")
            {
                Details = new { clientIp = client, retryAfterSeconds = seconds, userId = http.User.UserId() },
            });
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many attempts.",
                Detail = $"Please wait {seconds} seconds and try again.",
            },
        });
    }
}
