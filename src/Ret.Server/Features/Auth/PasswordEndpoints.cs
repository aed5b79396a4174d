using System.Security.Claims;
using Hangfire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Audit;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Features.Auth;

/// <summary>Change password (signed in), request a reset (anonymous), reset with a token (anonymous).</summary>
public static class PasswordEndpoints
{
    public const string ResetRequestedMessage =
        "If an account with that username exists, a reset link has been sent to its email address or an administrator has been asked to help.";

    public static async Task<Results<Ok<LoginResponse>, ValidationProblem, NotFound>> ChangePassword(
        ChangePasswordRequest body, ClaimsPrincipal principal, RetDbContext db, SignInService signIn, PasswordPolicy policy,
        AccountSecurity accountSecurity, SessionIssuer sessions, IAuditLog audit, HttpContext http, CancellationToken cancellationToken)
    {
        var userId = principal.RequiredUserId();
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId && u.DeletedAt == null, cancellationToken);
        if (user is null)
        {
            return TypedResults.NotFound();
        }

        if (!await signIn.VerifyCurrentPasswordAsync(user, body.CurrentPassword, cancellationToken))
        {
            await audit.WriteAsync(AuditEvent.ForUser(AuditActions.PasswordChanged, user, AuditOutcome.Failure) with
            {
                Details = new { reason = "wrong_current_password" },
            }, cancellationToken);
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["currentPassword"] = ["The current password is not correct."] });
        }

        var errors = policy.Validate(body.NewPassword, user.UserName).ToList();
        if (errors.Count == 0 && body.NewPassword == body.CurrentPassword)
        {
            errors.Add("Choose a password different from your current one.");
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["newPassword"] = [.. errors] });
        }

        await accountSecurity.SetPasswordAsync(user, body.NewPassword!, RefreshTokenService.Reasons.PasswordChanged, cancellationToken);
        await audit.WriteAsync(AuditEvent.ForUser(AuditActions.PasswordChanged, user), cancellationToken);

        // Every other session was revoked; this device continues in a fresh one.
        return TypedResults.Ok(await sessions.StartAsync(user, http, cancellationToken));
    }

    /// <summary>Always the same 202, at once: the lookup, record and mail happen in a background job, so neither the
    /// answer nor its timing says whether the account exists.</summary>
    public static Accepted<RequestResetResponse> RequestReset(
        RequestResetRequest body, IBackgroundJobClient jobs, HttpContext http)
    {
        var userName = body.Username?.Trim() ?? string.Empty;
        if (userName.Length is > 0 and <= 256)
        {
            var ip = http.Connection.RemoteIpAddress?.ToString();
            var requestId = http.TraceIdentifier;
            jobs.Enqueue<PasswordResetRequestJob>(j => j.RunAsync(userName, ip, requestId, CancellationToken.None));
        }

        return TypedResults.Accepted((string?)null, new RequestResetResponse(ResetRequestedMessage));
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> Reset(
        ResetRequest body, PasswordResetService resets, CancellationToken cancellationToken)
    {
        var outcome = await resets.ResetAsync(body.Token, body.NewPassword, cancellationToken);
        if (outcome.Succeeded)
        {
            return TypedResults.NoContent();
        }

        if (outcome.TokenInvalid)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: PasswordResetService.InvalidTokenTitle);
        }

        return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["newPassword"] = [.. outcome.PasswordErrors] });
    }
}
