using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Ret.Server.Infrastructure.Hosting;

namespace Ret.Server.Infrastructure.Security;

public static class AuthExtensions
{
    /// <summary>Paths where the console-session cookie is accepted (and nowhere else).</summary>
    private static readonly PathString[] ConsolePaths = ["/jobs", "/docs", "/openapi", "/health"];

    /// <summary>Authentication (JWT bearer HS256 with a security-stamp check, API keys, the admin console cookie),
    /// role policies that also enforce a pending password change, password hashing and first-admin bootstrap.</summary>
    public static WebApplicationBuilder AddRetAuth(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<JwtOptions>(JwtOptions.Section);
        services.AddValidatedOptions<BootstrapOptions>(BootstrapOptions.Section);
        services.AddValidatedOptions<PasswordPolicyOptions>(PasswordPolicyOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.AddMemoryCache();
        services.AddSingleton<SigningKeyProvider>();
        services.AddSingleton(new PasswordHasher());
        services.AddSingleton<PasswordPolicy>();
        services.AddSingleton<AccessTokenService>();
        services.AddSingleton<UserStateCache>();
        services.AddScoped<FirstAdminSeeder>();

        services.AddAuthentication(AuthSchemes.Default)
            .AddPolicyScheme(AuthSchemes.Default, "Bearer token or API key", o => o.ForwardDefaultSelector =
                ctx => ApiKeyAuthenticationHandler.IsApiKeyRequest(ctx.Request) ? AuthSchemes.ApiKey : AuthSchemes.Bearer)
            .AddJwtBearer(AuthSchemes.Bearer)
            .AddJwtBearer(AuthSchemes.Console)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(AuthSchemes.ApiKey, null);

        services.AddOptions<JwtBearerOptions>(AuthSchemes.Bearer)
            .Configure<IOptions<JwtOptions>, SigningKeyProvider, TimeProvider>((bearer, jwt, keys, clock) =>
            {
                Configure(bearer, jwt.Value, keys, clock, jwt.Value.Audience);
                bearer.Events = new JwtBearerEvents { OnTokenValidated = SessionValidation.OnTokenValidated };
            });
        services.AddOptions<JwtBearerOptions>(AuthSchemes.Console)
            .Configure<IOptions<JwtOptions>, SigningKeyProvider, TimeProvider>((bearer, jwt, keys, clock) =>
            {
                Configure(bearer, jwt.Value, keys, clock, JwtOptions.ConsoleAudience);
                bearer.Events = new JwtBearerEvents
                {
                    // Only the cookie, only on the admin tool paths: never an Authorization header, never /api.
                    OnMessageReceived = ctx =>
                    {
                        var path = ctx.Request.Path;
                        var cookie = ctx.Request.Cookies[ConsoleSessionCookie.Name];
                        if (string.IsNullOrEmpty(cookie) || !ConsolePaths.Any(p => path.StartsWithSegments(p)))
                        {
                            ctx.NoResult();
                        }
                        else
                        {
                            ctx.Token = cookie;
                        }

                        return Task.CompletedTask;
                    },
                    OnTokenValidated = SessionValidation.OnTokenValidated,
                };
            });

        var passwordChange = new PasswordChangeNotRequiredRequirement();
        services.AddSingleton<IAuthorizationHandler, PasswordChangeRequiredHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, RetAuthorizationResultHandler>();
        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().AddRequirements(passwordChange).Build())
            .AddPolicy(Policies.User, p => p.RequireAuthenticatedUser().AddRequirements(passwordChange))
            .AddPolicy(Policies.Admin, p => p.RequireAuthenticatedUser().RequireRole(Roles.Admin).AddRequirements(passwordChange))
            .AddPolicy(Policies.Interactive, p => p.AddAuthenticationSchemes(AuthSchemes.Bearer)
                .RequireAuthenticatedUser().AddRequirements(passwordChange))
            .AddPolicy(Policies.AdminTools, p => p.AddAuthenticationSchemes(AuthSchemes.Default, AuthSchemes.Console)
                .RequireAuthenticatedUser().RequireRole(Roles.Admin).AddRequirements(passwordChange));
        return builder;
    }

    internal static bool IsWithinLifetime(DateTime? notBefore, DateTime? expires, TimeProvider clock, TimeSpan skew)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return expires is { } exp && exp.ToUniversalTime() > now - skew
            && (notBefore is not { } nbf || nbf.ToUniversalTime() <= now + skew);
    }

    /// <summary>HS256 only; issuer, audience and lifetime checked; 30 s clock skew; no error details in challenges.</summary>
    private static void Configure(JwtBearerOptions bearer, JwtOptions jwt, SigningKeyProvider keys, TimeProvider clock, string audience)
    {
        bearer.MapInboundClaims = false;
        bearer.IncludeErrorDetails = false;
        bearer.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = jwt.Issuer,
            ValidAudience = audience,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            IssuerSigningKey = keys.Key,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            ValidateIssuerSigningKey = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            NameClaimType = RetClaims.Name,
            RoleClaimType = RetClaims.Role,
            // Lifetime checked against the same clock that issues tokens (TimeProvider; tests move it).
            LifetimeValidator = (notBefore, expires, _, parameters) => IsWithinLifetime(notBefore, expires, clock, parameters.ClockSkew),
        };
    }
}
