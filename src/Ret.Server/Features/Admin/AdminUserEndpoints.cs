using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Features.Admin;

public static class AdminUserEndpoints
{
    public static async Task<Ok<UserPage>> List([AsParameters] UserQuery query, UserAdministration users, CancellationToken cancellationToken)
        => TypedResults.Ok(await users.ListAsync(query, cancellationToken));

    public static async Task<Results<Created<CreatedUserResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreateUserRequest body, ClaimsPrincipal principal, UserAdministration users, CancellationToken cancellationToken)
    {
        var result = await users.CreateAsync(body, principal.RequiredUserId(), cancellationToken);
        return result switch
        {
            { Errors: { } errors } => TypedResults.ValidationProblem(errors),
            { ConflictTitle: { } title } => Conflict(title),
            _ => TypedResults.Created($"/api/admin/users/{result.Value!.User.Id}", result.Value),
        };
    }

    public static async Task<Results<Ok<AdminUserDto>, ValidationProblem, ProblemHttpResult, NotFound>> Update(
        Guid id, UpdateUserRequest body, ClaimsPrincipal principal, UserAdministration users, CancellationToken cancellationToken)
    {
        var result = await users.UpdateAsync(id, body, principal.RequiredUserId(), cancellationToken);
        return result switch
        {
            { IsNotFound: true } => TypedResults.NotFound(),
            { Errors: { } errors } => TypedResults.ValidationProblem(errors),
            { ConflictTitle: { } title } => Conflict(title),
            _ => TypedResults.Ok(result.Value!),
        };
    }

    /// <summary>201 with the token (shown once): a setup token for an account still waiting for onboarding.</summary>
    public static async Task<Results<Created<IssuedTokenResponse>, NotFound>> IssueResetToken(
        Guid id, ClaimsPrincipal principal, UserAdministration users, CancellationToken cancellationToken)
    {
        var result = await users.IssueResetTokenAsync(id, principal.RequiredUserId(), cancellationToken);
        return result.IsNotFound ? TypedResults.NotFound() : TypedResults.Created((string?)null, result.Value!);
    }

    private static ProblemHttpResult Conflict(string title) => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: title);
}
