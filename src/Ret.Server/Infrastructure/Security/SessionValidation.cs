using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Ret.Server.Infrastructure.Persistence;

namespace Ret.Server.Infrastructure.Security;

/// <summary>The stamp check run after a JWT's signature and lifetime are valid: the user must still exist, be active
/// and unlocked, and carry the same security stamp as the token. Disabling, locking, demoting or a password
/// change renews the stamp, so the token stops working at once on this node and within
/// <see cref="JwtOptions.StampCheckSeconds"/> on others.</summary>
public static class SessionValidation
{
    public static async Task OnTokenValidated(TokenValidatedContext context)
    {
        var principal = context.Principal;
        var identity = principal?.Identity as ClaimsIdentity;
        var userId = principal?.UserId();
        var stamp = principal?.FindFirst(RetClaims.SecurityStamp)?.Value;
        if (identity is null || userId is null || string.IsNullOrEmpty(stamp))
        {
            context.Fail("The token is not a RET session token.");
            return;
        }

        var services = context.HttpContext.RequestServices;
        var state = await services.GetRequiredService<UserStateCache>()
            .GetAsync(services.GetRequiredService<RetDbContext>(), userId.Value, context.HttpContext.RequestAborted);
        if (state is null || !state.CanHoldSession || !string.Equals(state.SecurityStamp, stamp, StringComparison.Ordinal))
        {
            context.Fail("The session is no longer valid.");
            return;
        }

        StripServerClaims(identity);
        if (state.MustChangePassword)
        {
            identity.AddClaim(new Claim(RetClaims.MustChangePassword, "true"));
        }
    }

    /// <summary>Claims only the server adds after authentication never come from a token.</summary>
    private static void StripServerClaims(ClaimsIdentity identity)
    {
        foreach (var claim in identity.FindAll(c => c.Type is RetClaims.MustChangePassword or RetClaims.ApiKeyId).ToList())
        {
            identity.RemoveClaim(claim);
        }
    }
}
