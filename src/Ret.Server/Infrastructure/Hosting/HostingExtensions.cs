using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.ResponseCompression;
using Ret.Server.Infrastructure.Errors;
using Ret.Server.Infrastructure.Observability;
using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Infrastructure.Hosting;

public static class HostingExtensions
{
    public const string CorsPolicy = "configured-origins";

    /// <summary>Cross-cutting host services: options, logging, ProblemDetails, compression, CORS, forwarded headers.</summary>
    public static WebApplicationBuilder AddRetDefaults(this WebApplicationBuilder builder, string[] args)
    {
        builder.AddRetConfigurationAliases(args);
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);

        builder.Services.AddValidatedOptions<RuntimeOptions>(RuntimeOptions.Section);
        builder.Services.AddValidatedOptions<ServerOptions>(ServerOptions.Section);
        var server = builder.Configuration.GetValidated<ServerOptions>(ServerOptions.Section);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(server.ShutdownTimeoutSeconds));

        builder.AddRetLogging();
        builder.Services.AddRetProblemDetails();

        builder.Services.AddResponseCompression(o =>
        {
            o.EnableForHttps = true;
            o.Providers.Add<BrotliCompressionProvider>();
            o.Providers.Add<GzipCompressionProvider>();
        });

        builder.Services.AddCors(o => o.AddPolicy(CorsPolicy, p =>
        {
            if (server.CorsOrigins.Length > 0)
            {
                p.WithOrigins(server.CorsOrigins).AllowAnyHeader().AllowAnyMethod().AllowCredentials();
            }
        }));

        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            // Only the configured proxies are believed; the framework's loopback default is removed. With both
            // lists empty the middleware would trust EVERY sender, so with no configured proxy it is switched off.
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var proxy in server.TrustedProxies)
            {
                o.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            o.ForwardedHeaders = o.KnownProxies.Count == 0
                ? ForwardedHeaders.None
                : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        });

        return builder;
    }

    /// <summary>The middleware pipeline shared by every endpoint, in order.</summary>
    public static WebApplication UseRetDefaults(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseSecurityHeaders();
        app.UseRetRequestLogging();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<TraceMethodRejectionMiddleware>();
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }

        // Authentication responses carry tokens: never compress them (BREACH); everything else may be.
        app.UseWhen(ctx => !ctx.Request.Path.StartsWithSegments("/api/auth"), b => b.UseResponseCompression());
        app.UseCors(CorsPolicy);
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }
}
