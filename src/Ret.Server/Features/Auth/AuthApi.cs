using Microsoft.Extensions.Options;
using Ret.Server.Infrastructure.Hosting;
using Ret.Server.Infrastructure.RateLimiting;
using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Features.Auth;

public static class AuthApi
{
    /// <summary>Account services: sign-in, sessions, password reset, settings.</summary>
    public static WebApplicationBuilder AddAccounts(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<RefreshTokenOptions>(RefreshTokenOptions.Section);
        services.AddValidatedOptions<LockoutOptions>(LockoutOptions.Section);
        services.AddValidatedOptions<ResetOptions>(ResetOptions.Section);
        services.AddValidatedOptions<AppOptions>(AppOptions.Section);
        services.AddScoped<SignInService>();
        services.AddScoped<RefreshTokenService>();
        services.AddScoped<SessionIssuer>();
        services.AddScoped<AccountSecurity>();
        services.AddScoped<PasswordResetService>();
        services.AddScoped<PasswordResetRequestJob>();
        services.AddSingleton<CookieEndpointFilter>();
        return builder;
    }

    /// <summary>/api/auth/* and /api/config/public.</summary>
    public static WebApplication MapAuthApi(this WebApplication app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Auth");

        // Anonymous credential endpoints: rate limited per client IP and per account.
        auth.MapPost("/login", SessionEndpoints.Login)
            .AllowAnonymous().WithMetadata(new AuthRateLimitAttribute(AuthLimitKind.Login, "username"));
        auth.MapPost("/request-reset", PasswordEndpoints.RequestReset)
            .AllowAnonymous().WithMetadata(new AuthRateLimitAttribute(AuthLimitKind.Reset, "username"));
        auth.MapPost("/reset", PasswordEndpoints.Reset)
            .AllowAnonymous().WithMetadata(new AuthRateLimitAttribute(AuthLimitKind.Reset, "token"));

        // Cookie endpoints: custom header + same origin, never API keys.
        auth.MapPost("/refresh", SessionEndpoints.Refresh).AllowAnonymous().AddEndpointFilter<CookieEndpointFilter>();
        auth.MapPost("/logout", SessionEndpoints.Logout).AllowAnonymous().AddEndpointFilter<CookieEndpointFilter>();

        // Signed in; allowed while a password change is pending.
        auth.MapGet("/me", SessionEndpoints.Me)
            .RequireAuthorization(Policies.User).WithMetadata(new AllowDuringPasswordChangeAttribute());
        auth.MapPost("/logout-all", SessionEndpoints.LogoutAll)
            .RequireAuthorization(Policies.Interactive).WithMetadata(new AllowDuringPasswordChangeAttribute());
        auth.MapPost("/change-password", PasswordEndpoints.ChangePassword)
            .RequireAuthorization(Policies.Interactive).WithMetadata(new AllowDuringPasswordChangeAttribute());

        // Managing credentials needs an interactive session (an API key cannot mint or revoke keys).
        var keys = auth.MapGroup("/api-keys").RequireAuthorization(Policies.Interactive);
        keys.MapGet("", ApiKeyEndpoints.List);
        keys.MapPost("", ApiKeyEndpoints.Create);
        keys.MapDelete("/{id:guid}", ApiKeyEndpoints.Revoke);

        auth.MapPost("/console-session", SessionEndpoints.StartConsoleSession)
            .RequireAuthorization(Policies.Interactive, Policies.Admin);

        app.MapGet("/api/config/public", PublicConfig).AllowAnonymous().WithTags("Config");
        return app;
    }

    private static PublicConfigDto PublicConfig(IOptions<AppOptions> app, PasswordPolicy policy)
    {
        var a = app.Value;
        var p = policy.Options;
        return new PublicConfigDto(
            a.DemoMode,
            a.DemoMode ? a.DemoUsername : null,
            a.DemoMode ? a.DemoPassword : null,
            new PasswordPolicyDto(p.MinLength, p.MaxLength, p.RecommendedLength));
    }
}
