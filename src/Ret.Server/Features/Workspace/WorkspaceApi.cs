using Ret.Server.Features.Jobs;
using Ret.Server.Infrastructure.Hosting;
using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Features.Workspace;

/// <summary>The workspace area: sessions, uploads, scan, conversion, tables, edits and downloads
/// (docs/api/workspace.md). Every route is owner-scoped: someone else's session is a 404.</summary>
public static class WorkspaceApi
{
    public static WebApplicationBuilder AddWorkspace(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<WorkspaceOptions>(WorkspaceOptions.Section);
        services.AddSingleton<WorkspaceStorage>();
        services.AddScoped<WorkspaceSessions>();
        services.AddScoped<WorkspaceRemover>();
        services.AddScoped<WorkspaceRetentionJob>();
        services.AddScoped<SessionTables>();
        services.AddScoped<UploadCompletion>();
        services.AddValidatedOptions<Tables.TableStoreOptions>("Workspace:Tables");
        services.AddSingleton<Tables.SessionTableStoreFactory>();
        services.AddSingleton(sp =>
        {
            var monitor = sp.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<WorkspaceOptions>>();
            var options = monitor.CurrentValue;
            var storage = sp.GetRequiredService<WorkspaceStorage>();
            var limits = new Uploads.UploadLimits
            {
                MaxFileBytes = options.MaxFileBytes,
                Expiration = TimeSpan.FromHours(options.UploadExpiryHours),
            };
            // The per-file cap is an administrator setting that applies without a restart.
            monitor.OnChange((o, _) => limits.MaxFileBytes = o.MaxFileBytes);
            return new Uploads.TusUploadStore(storage.UploadsRoot, limits, sp.GetRequiredService<TimeProvider>());
        });
        services.AddValidatedOptions<ConversionDefaultsOptions>(ConversionDefaultsOptions.Section);
        services.AddScoped<JobScheduler>();
        services.AddSingleton<JobChangeSignal>();
        services.AddScoped<WorkspaceJobRunner>();
        services.AddScoped<ScanStep>();
        services.AddSingleton<ScanExtractions>();
        services.AddSingleton<Tables.DownloadPrecompressor>();
        services.AddSingleton<RequestPathWarmUp>();
        services.AddHostedService(sp => sp.GetRequiredService<RequestPathWarmUp>());
        if (builder.Configuration.GetValidated<ServerOptions>(ServerOptions.Section).RunsJobs)
        {
            services.AddSingleton<EngineWarmUp>();
            services.AddHostedService(sp => sp.GetRequiredService<EngineWarmUp>());
        }
        services.AddScoped<ConvertStep>();
        return builder;
    }

    public static WebApplication MapWorkspaceApi(this WebApplication app)
    {
        var group = app.MapGroup("/api/workspace").WithTags("Workspace").RequireAuthorization(Policies.User);

        group.MapPost("/sessions", SessionEndpoints.CreateAsync);
        group.MapGet("/sessions", SessionEndpoints.ListAsync);
        group.MapGet("/sessions/{id:guid}", SessionEndpoints.GetAsync);
        group.MapPatch("/sessions/{id:guid}", SessionEndpoints.RenameAsync);
        group.MapDelete("/sessions/{id:guid}", SessionEndpoints.DeleteAsync);
        group.MapGet("/quota", SessionEndpoints.QuotaAsync);

        group.MapGet("/sessions/{id:guid}/scan", ScanEndpoints.GetAsync);
        group.MapPost("/sessions/{id:guid}/scan", ScanEndpoints.RescanAsync);
        group.MapGet("/sessions/{id:guid}/scan/entries", ScanEndpoints.EntriesAsync);

        group.MapGet("/conversion-defaults", ConversionEndpoints.Defaults);
        group.MapPost("/sessions/{id:guid}/conversions", ConversionEndpoints.StartAsync)
            .RequireRateLimiting(Infrastructure.RateLimiting.RateLimitingExtensions.PerUserHeavy);

        // Uploads: tus 1.0.0 and the simple one-request PUT.
        group.MapMethods("/sessions/{id:guid}/uploads", ["OPTIONS"], UploadEndpoints.Options).AllowAnonymous();
        group.MapPost("/sessions/{id:guid}/uploads", UploadEndpoints.CreateAsync);
        group.MapMethods("/uploads/{uploadId:guid}", ["HEAD"], UploadEndpoints.Head);
        group.MapPatch("/uploads/{uploadId:guid}", UploadEndpoints.PatchAsync);
        group.MapDelete("/uploads/{uploadId:guid}", UploadEndpoints.DeleteAsync);
        group.MapPut("/sessions/{id:guid}/files/{fileName}", UploadEndpoints.PutAsync);

        // Results, preview, edits.
        group.MapGet("/sessions/{id:guid}/tables", TableEndpoints.ListAsync);
        group.MapPost("/sessions/{id:guid}/tables", TableEndpoints.AddTableAsync);
        group.MapGet("/sessions/{id:guid}/tables/{table}/rows", TableEndpoints.RowsAsync);
        group.MapPost("/sessions/{id:guid}/tables/{table}/edits", TableEndpoints.EditAsync);
        group.MapDelete("/sessions/{id:guid}/tables/{table}", TableEndpoints.DeleteTableAsync);
        group.MapPost("/sessions/{id:guid}/undo", TableEndpoints.UndoAsync);
        group.MapGet("/sessions/{id:guid}/patches", TableEndpoints.PatchesAsync);

        // Downloads: tickets for browsers, direct for API clients.
        group.MapPost("/sessions/{id:guid}/downloads", DownloadEndpoints.CreateTicketAsync);
        group.MapGet("/sessions/{id:guid}/tables/{table}/download", DownloadEndpoints.DirectTableAsync);
        group.MapGet("/sessions/{id:guid}/groups/{group}/download", DownloadEndpoints.DirectGroupAsync);
        group.MapGet("/sessions/{id:guid}/download", DownloadEndpoints.DirectAllAsync);
        app.MapGet("/api/downloads/{ticket}", DownloadEndpoints.RedeemAsync).AllowAnonymous().WithTags("Workspace");

        app.MapJobsApi();
        return app;
    }
}
