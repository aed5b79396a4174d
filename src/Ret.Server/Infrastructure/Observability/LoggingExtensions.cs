using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Ret.Server.Infrastructure.Observability;

public static class LoggingExtensions
{
    /// <summary>Serilog: readable console lines in Development, compact JSON otherwise. Levels and sinks can be
    /// overridden under the <c>Serilog</c> configuration section.</summary>
    public static WebApplicationBuilder AddRetLogging(this WebApplicationBuilder builder)
    {
        var json = !builder.Environment.IsDevelopment() && builder.Configuration.GetValue("Logging:Console:Json", true);
        // preserveStaticLogger: each host (several in one test process) keeps its own logger; nothing global is replaced.
        builder.Services.AddSerilog(preserveStaticLogger: true, configureLogger: (services, config) =>
        {
            config
                .ReadFrom.Configuration(builder.Configuration)
                .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.EntityFrameworkCore", LogEventLevel.Warning)
                .MinimumLevel.Override("Hangfire", LogEventLevel.Warning)
                .Enrich.FromLogContext()
                .Enrich.WithProperty("Application", "ret");
            if (json)
            {
                config.WriteTo.Console(new RenderedCompactJsonFormatter());
            }
            else
            {
                config.WriteTo.Console(outputTemplate:
                    "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj} {RequestId}{NewLine}{Exception}");
            }
        });
        return builder;
    }

    /// <summary>One line per request: method, path (never the query string, which may carry tokens), status, duration.</summary>
    public static WebApplication UseRetRequestLogging(this WebApplication app)
    {
        app.UseSerilogRequestLogging(o =>
        {
            o.Logger = app.Services.GetRequiredService<Serilog.ILogger>(); // this host's logger, not the static one
            o.MessageTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms";
            o.GetLevel = (ctx, _, ex) => ex is not null || ctx.Response.StatusCode >= 500
                ? LogEventLevel.Error
                : ctx.Request.Path.StartsWithSegments("/health") ? LogEventLevel.Verbose : LogEventLevel.Information;
        });
        return app;
    }
}
