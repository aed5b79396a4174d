using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Ret.Server.Infrastructure.Security;
using Scalar.AspNetCore;

namespace Ret.Server.Infrastructure.Docs;

public static class ApiDocsExtensions
{
    public static WebApplicationBuilder AddApiDocs(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi("v1", o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "RET API",
                    Version = "v1",
                    Description = "Upload XML exports, convert them to tables, compare runs and administer accounts.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["Bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "Access token from POST /api/auth/login",
                };
                document.Components.SecuritySchemes["ApiKey"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = "Authorization",
                    Description = "Personal API key from POST /api/auth/api-keys, sent as `Authorization: ApiKey ret_…`",
                };
                return Task.CompletedTask;
            });
        });
        return builder;
    }

    /// <summary><c>/openapi/v1.json</c> and the Scalar reference at <c>/docs</c>: open in Development,
    /// administrators only elsewhere (bearer, API key or the console-session cookie).</summary>
    public static WebApplication MapApiDocs(this WebApplication app)
    {
        var openApi = app.MapOpenApi("/openapi/{documentName}.json");
        var scalar = app.MapScalarApiReference("/docs", o => o
            .WithTitle("RET API reference")
            .WithOpenApiRoutePattern("/openapi/{documentName}.json"));
        if (!app.Environment.IsDevelopment())
        {
            openApi.RequireAuthorization(Policies.AdminTools);
            scalar.RequireAuthorization(Policies.AdminTools);
        }

        return app;
    }
}
