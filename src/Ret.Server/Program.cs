using Microsoft.Extensions.Options;
using Ret.Server.Features.Admin;
using Ret.Server.Features.Auth;
using Ret.Server.Infrastructure.Audit;
using Ret.Server.Features.Workspace;
using Ret.Server.Infrastructure.Docs;
using Ret.Server.Infrastructure.Email;
using Ret.Server.Infrastructure.Health;
using Ret.Server.Infrastructure.Hosting;
using Ret.Server.Infrastructure.Jobs;
using Ret.Server.Infrastructure.Operations;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.RateLimiting;
using Ret.Server.Infrastructure.Security;
using Ret.Server.Infrastructure.Settings;
using Ret.Server.Infrastructure.Spa;
using Ret.Server.Infrastructure.Storage;

// Program.cs is the table of contents: each AddX / MapX lives in its own folder.
try
{
    var builder = WebApplication.CreateBuilder(args);

    builder.AddRetDefaults(args);    // options, logging, errors, request ids, headers, compression, CORS
    builder.AddDatabaseSettings();   // settings administrators change at run time (stored in the database, override files)
    builder.AddPersistence();        // EF Core on SQLite (default) or PostgreSQL
    builder.AddStorage();            // runtime folders for uploads, outputs and temp files
    builder.AddRetAuth();            // JWT bearer + API keys + console cookie, policies, password hashing, first admin
    builder.AddRetRateLimiting();    // per-IP / per-account limits on credential endpoints, per-user heavy policy
    builder.AddAudit();              // append-only audit log
    builder.AddOperationsLog();      // what the system reports about itself: job failures, rejections, health, start/stop
    builder.AddEmail();              // SMTP (MailKit) or .eml files in runtime/outbox
    builder.AddAccounts();           // sign-in, sessions, password reset, API keys
    builder.AddAdmin();              // admin console: overview, users, resets, sessions, audit and ops logs, settings
    builder.AddWorkspace();          // upload → scan → convert → preview/edit → download
    builder.AddJobs();               // Hangfire: durable queue, workers, recurring housekeeping
    builder.AddRetHealthChecks();    // liveness, readiness
    builder.AddApiDocs();            // OpenAPI document + Scalar reference

    var app = builder.Build();

    app.ValidateSettings();             // a bad setting stops here with one line naming it
    app.UseRetDefaults();
    app.UseRetRateLimiting();
    await app.PrepareDatabaseAsync();   // migrations, then the first admin account
    app.MapHealthApi();
    app.MapAuthApi();
    app.MapAdminApi();
    app.MapWorkspaceApi();              // also /api/jobs and /api/downloads
    app.MapApiDocs();
    app.MapJobsDashboard();
    app.MapSpa();                       // static SPA + history fallback (never for /api)

    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException ex)
{
    // A bad setting stops the server with one line that names it.
    await Console.Error.WriteLineAsync(RetHost.DescribeConfigurationError(ex));
    return 2;
}
catch (StartupFailedException ex)
{
    await Console.Error.WriteLineAsync("Cannot start: " + ex.Message);
    return 2;
}

/// <summary>Entry point type, public for <c>WebApplicationFactory&lt;Program&gt;</c>.</summary>
public partial class Program;
