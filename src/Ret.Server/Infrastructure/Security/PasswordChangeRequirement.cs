using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Ret.Server.Infrastructure.Security;

/// <summary>Marks the few endpoints a user may call while they must change their password
/// (/api/auth/me, change-password, logout, logout-all).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class AllowDuringPasswordChangeAttribute : Attribute;

/// <summary>Part of every policy: the user has no pending forced password change (or the endpoint allows it).</summary>
public sealed class PasswordChangeNotRequiredRequirement : IAuthorizationRequirement;

public sealed class PasswordChangeRequiredHandler : AuthorizationHandler<PasswordChangeNotRequiredRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PasswordChangeNotRequiredRequirement requirement)
    {
        if (!context.User.HasClaim(RetClaims.MustChangePassword, "true"))
        {
            context.Succeed(requirement);
            return Task.CompletedTask;
        }

        var endpoint = context.Resource switch
        {
            HttpContext http => http.GetEndpoint(),
            Endpoint e => e,
            _ => null,
        };
        if (endpoint?.Metadata.GetMetadata<AllowDuringPasswordChangeAttribute>() is not null)
        {
            context.Succeed(requirement);
        }
        else
        {
            context.Fail(new AuthorizationFailureReason(this, "The user must change their password first."));
        }

        return Task.CompletedTask;
    }
}

/// <summary>Turns a refusal caused by a pending password change into a 403 problem of type
/// <c>urn:ret:must-change-password</c> (so the SPA can route to the change-password page); everything else
/// takes the framework's path (401 challenge / 403 forbid → problem details through status-code pages).</summary>
public sealed class RetAuthorizationResultHandler(IProblemDetailsService problemDetails) : IAuthorizationMiddlewareResultHandler
{
    public const string MustChangePasswordType = "urn:ret:must-change-password";

    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden
            && authorizeResult.AuthorizationFailure?.FailureReasons.Any(r => r.Handler is PasswordChangeRequiredHandler) == true)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await problemDetails.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status403Forbidden,
                    Type = MustChangePasswordType,
                    Title = "You must change your password before continuing.",
                },
            });
            return;
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
