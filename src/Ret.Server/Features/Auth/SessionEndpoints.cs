using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Ret.Server.Infrastructure.Audit;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Features.Auth;

/// <summary>Sign in, refresh, sign out, who am I, and the admin console session.</summary>
public static class SessionEndpoints
{
    public const string InvalidCredentialsTitle = "Invalid username or password.";
    public const string SessionEndedTitle = "Your session has ended. Please sign in again.";

    public static async Task<Results<Ok<LoginResponse>, ProblemHttpResult>> Login(
        LoginRequest body, SignInService signIn, SessionIssuer sessions, HttpContext http, CancellationToken cancellationToken)
    {
        var user = await signIn.SignInAsync(body.Username, body.Password, cancellationToken);
        if (user is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: InvalidCredentialsTitle);
        }

        return TypedResults.Ok(await sessions.StartAsync(user, http, cancellationToken));
    }

    public static async Task<Results<Ok<LoginResponse>, ProblemHttpResult>> Refresh(
        RefreshTokenService refreshTokens, SessionIssuer sessions, HttpContext http, CancellationToken cancellationToken)
    {
        var rotation = await refreshTokens.RotateAsync(RefreshCookie.Read(http.Request), http, cancellationToken);
        if (!rotation.Succeeded)
        {
            RefreshCookie.Delete(http.Response);
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: SessionEndedTitle);
        }

        return TypedResults.Ok(sessions.Respond(rotation.User!, rotation.Token!, http));
    }

    /// <summary>Ends this device's session (the refresh cookie's family); other devices stay signed in.</summary>
    public static async Task<NoContent> Logout(
        RefreshTokenService refreshTokens, IAuditLog audit, HttpContext http, CancellationToken cancellationToken)
    {
        var userId = await refreshTokens.RevokeSessionOfAsync(RefreshCookie.Read(http.Request), RefreshTokenService.Reasons.Logout, cancellationToken);
        RefreshCookie.Delete(http.Response);
        ConsoleSessionCookie.Delete(http.Response);
        if (userId is not null)
        {
            await audit.WriteAsync(new AuditEvent(AuditActions.Logout)
            {
                ActorId = userId,
                TargetType = "user",
                TargetId = userId.ToString(),
            }, cancellationToken);
        }

        return TypedResults.NoContent();
    }

    /// <summary>Ends every session of the caller and invalidates all their access tokens.</summary>
    public static async Task<NoContent> LogoutAll(
        ClaimsPrincipal principal, AccountSecurity accountSecurity, IAuditLog audit, HttpContext http, CancellationToken cancellationToken)
    {
        var userId = principal.RequiredUserId();
        await accountSecurity.RevokeAccessAsync(userId, RefreshTokenService.Reasons.LogoutAll, cancellationToken);
        RefreshCookie.Delete(http.Response);
        ConsoleSessionCookie.Delete(http.Response);
        await audit.WriteAsync(new AuditEvent(AuditActions.LogoutAll) { TargetType = "user", TargetId = userId.ToString() }, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<UserDto>, NotFound>> Me(ClaimsPrincipal principal, RetDbContext db, CancellationToken cancellationToken)
    {
        var userId = principal.RequiredUserId();
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId && u.DeletedAt == null, cancellationToken);
        return user is null ? TypedResults.NotFound() : TypedResults.Ok(UserDto.From(user));
    }

    /// <summary>Sets the short-lived <c>__Host-ret_console</c> cookie so an administrator's browser can open the job
    /// dashboard and API reference (plain page loads cannot carry a bearer token).</summary>
    public static async Task<Results<Ok<ConsoleSessionResponse>, NotFound>> StartConsoleSession(
        ClaimsPrincipal principal, RetDbContext db, AccessTokenService tokens, IAuditLog audit, HttpContext http,
        CancellationToken cancellationToken)
    {
        var userId = principal.RequiredUserId();
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId && u.DeletedAt == null, cancellationToken);
        if (user is null)
        {
            return TypedResults.NotFound();
        }

        var token = tokens.IssueConsoleToken(user);
        ConsoleSessionCookie.Append(http.Response, token.Value, token.ExpiresAt);
        await audit.WriteAsync(new AuditEvent(AuditActions.ConsoleSessionStarted)
        {
            TargetType = "user",
            TargetId = user.Id.ToString(),
            Details = new { expiresAt = token.ExpiresAt },
        }, cancellationToken);
        return TypedResults.Ok(new ConsoleSessionResponse(token.ExpiresAt));
    }
}
