using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Features.Admin;

/// <summary>/api/admin: the admin console (docs/api/admin.md). Every route needs the admin policy; every change is audited.</summary>
public static class AdminApi
{
    public static WebApplicationBuilder AddAdmin(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddScoped<UserAdministration>();
        services.AddScoped<SignInSessions>();
        services.AddScoped<ResetRequests>();
        services.AddScoped<AuditLogQueries>();
        services.AddScoped<OpsLogQueries>();
        services.AddScoped<AdminStats>();
        services.AddScoped<AdminSettingsService>();
        return builder;
    }

    public static WebApplication MapAdminApi(this WebApplication app)
    {
        var admin = app.MapGroup("/api/admin").RequireAuthorization(Policies.Admin);

        admin.MapGet("/stats", AdminStatsEndpoints.Get).WithTags("Admin: overview");

        var users = admin.MapGroup("/users").WithTags("Admin: users");
        users.MapGet("", AdminUserEndpoints.List);
        users.MapPost("", AdminUserEndpoints.Create);
        users.MapGet("/{id:guid}", AdminUserEndpoints.Get);
        users.MapPatch("/{id:guid}", AdminUserEndpoints.Update);
        users.MapDelete("/{id:guid}", AdminUserEndpoints.Delete);
        users.MapPut("/{id:guid}/role", AdminUserEndpoints.SetRole);
        users.MapPost("/{id:guid}/lock", AdminUserEndpoints.Lock);
        users.MapPost("/{id:guid}/unlock", AdminUserEndpoints.Unlock);
        users.MapPost("/{id:guid}/reset-token", AdminUserEndpoints.IssueResetToken);
        users.MapPost("/{id:guid}/sign-out-everywhere", AdminUserEndpoints.SignOutEverywhere);

        var resets = admin.MapGroup("/reset-requests").WithTags("Admin: reset requests");
        resets.MapGet("", ResetRequestEndpoints.List);
        resets.MapPost("/{id:guid}/approve", ResetRequestEndpoints.Approve);
        resets.MapPost("/{id:guid}/reject", ResetRequestEndpoints.Reject);

        var sessions = admin.MapGroup("/sessions").WithTags("Admin: sign-in sessions");
        sessions.MapGet("", SignInSessionEndpoints.List);
        sessions.MapDelete("/{id:guid}", SignInSessionEndpoints.Revoke);
        sessions.MapPost("/cleanup", SignInSessionEndpoints.Cleanup);

        var audit = admin.MapGroup("/audit-logs").WithTags("Admin: audit log");
        audit.MapGet("", AuditLogEndpoints.List);
        audit.MapGet("/actions", AuditLogEndpoints.Actions);
        audit.MapGet("/export", AuditLogEndpoints.Export).Produces(StatusCodes.Status200OK, contentType: "text/csv");

        var ops = admin.MapGroup("/ops-logs").WithTags("Admin: operations log");
        ops.MapGet("", OpsLogEndpoints.List);
        ops.MapGet("/export", OpsLogEndpoints.Export).Produces(StatusCodes.Status200OK, contentType: "text/csv");

        var settings = admin.MapGroup("/settings").WithTags("Admin: settings");
        settings.MapGet("", AdminSettingsEndpoints.Get);
        settings.MapPut("", AdminSettingsEndpoints.Put);
        return app;
    }
}
