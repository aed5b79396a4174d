using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Ret.Server.Infrastructure.Hosting;

namespace Ret.Server.Infrastructure.Security;

public static class AuthExtensions
{
    /// <summary>JWT bearer authentication (HS256 only, issuer/audience/lifetime checked, 30 s clock skew),
    /// role policies, password hashing and first-admin bootstrap.</summary>
    public static WebApplicationBuilder AddRetAuth(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<JwtOptions>(JwtOptions.Section);
        services.AddValidatedOptions<BootstrapOptions>(BootstrapOptions.Section);
        services.AddSingleton<SigningKeyProvider>();
        services.AddSingleton(new PasswordHasher());
        services.AddScoped<FirstAdminSeeder>();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<JwtOptions>, SigningKeyProvider>((bearer, jwt, keys) =>
            {
                bearer.MapInboundClaims = false;
                bearer.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = jwt.Value.Issuer,
                    ValidAudience = jwt.Value.Audience,
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    IssuerSigningKey = keys.Key,
                    ValidateIssuer = true,
                    ValidateAudience = true,
                    ValidateLifetime = true,
                    ValidateIssuerSigningKey = true,
                    RequireExpirationTime = true,
                    RequireSignedTokens = true,
                    ClockSkew = TimeSpan.FromSeconds(30),
                    NameClaimType = "name",
                    RoleClaimType = "role",
                };
            });

        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.User, p => p.RequireAuthenticatedUser())
            .AddPolicy(Policies.Admin, p => p.RequireAuthenticatedUser().RequireRole(Roles.Admin));
        return builder;
    }
}
