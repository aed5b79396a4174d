using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace Ret.Server.Infrastructure.Spa;

public static class SpaExtensions
{
    /// <summary>Serves the built Vue app from wwwroot: hashed assets cached for a year, index.html never cached,
    /// and history-mode fallback for GET/HEAD page routes only — unknown /api, /health, /openapi paths stay 404.</summary>
    public static WebApplication MapSpa(this WebApplication app)
    {
        app.UseStaticFiles(new StaticFileOptions
        {
            ContentTypeProvider = new FileExtensionContentTypeProvider(),
            OnPrepareResponse = ctx =>
            {
                var immutable = ctx.Context.Request.Path.StartsWithSegments("/assets");
                ctx.Context.Response.Headers[HeaderNames.CacheControl] = immutable
                    ? "public, max-age=31536000, immutable"
                    : "no-cache";
            },
        });

        app.MapMethods("/api/{**rest}", ["GET", "POST", "PUT", "PATCH", "DELETE"], () => TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound, title: "No such API route."))
            .ExcludeFromDescription();

        app.MapFallback(async context =>
        {
            var path = context.Request.Path;
            if (!(HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
                || path.StartsWithSegments("/health") || path.StartsWithSegments("/openapi") || Path.HasExtension(path.Value))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            var index = app.Environment.WebRootFileProvider.GetFileInfo("index.html");
            if (!index.Exists)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                await Results.Problem(statusCode: 503, title: "The web app has not been built.",
                    detail: "Run ./ret run (or npm run build in web/) to build it.").ExecuteAsync(context);
                return;
            }

            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.Headers[HeaderNames.CacheControl] = "no-cache";
            await context.Response.SendFileAsync(index);
        });
        return app;
    }
}
