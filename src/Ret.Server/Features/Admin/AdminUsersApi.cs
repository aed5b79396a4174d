using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Features.Admin;

/// <summary>/api/admin/users: the minimal user management needed now; the admin console (issue 6) grows here.</summary>
public static class AdminUsersApi
{
    public static WebApplicationBuilder AddAdminUsers(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<UserAdministration>();
        return builder;
    }

    public static WebApplication MapAdminUsersApi(this WebApplication app)
    {
        var users = app.MapGroup("/api/admin/users").WithTags("Admin: users").RequireAuthorization(Policies.Admin);
        users.MapGet("", AdminUserEndpoints.List);
        users.MapPost("", AdminUserEndpoints.Create);
        users.MapPatch("/{id:guid}", AdminUserEndpoints.Update);
        users.MapPost("/{id:guid}/reset-token", AdminUserEndpoints.IssueResetToken);
        return app;
    }
}
