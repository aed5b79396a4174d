using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Ret.Server.Infrastructure.Security;
using Ret.Server.Infrastructure.Http;

namespace Ret.Server.Features.Admin;

public static class AdminUserEndpoints
{
    public static async Task<Ok<PageOf<AdminUserDto>>> List([AsParameters] UserQuery query, UserAdministration users, CancellationToken cancellationToken)
        => TypedResults.Ok(await users.ListAsync(query, cancellationToken));

    public static async Task<Results<Created<CreatedUserResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreateUserRequest body, ClaimsPrincipal principal, UserAdministration users, CancellationToken cancellationToken)
    {
        var result = await users.CreateAsync(body, principal.RequiredUserId(), cancellationToken);
        return result switch
        {
            { Errors: { } errors } => TypedResults.ValidationProblem(errors),
            { ConflictTitle: { } title } => AdminProblems.Conflict(title),
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
            { ConflictTitle: { } title } => AdminProblems.Conflict(title),
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

    public static async Task<Results<Ok<AdminUserDetail>, NotFound>> Get(Guid id, UserAdministration users, SignInSessions signIns,
        CancellationToken cancellationToken)
        => await users.GetAsync(id, signIns, cancellationToken) is { } detail ? TypedResults.Ok(detail) : TypedResults.NotFound();

    public static Task<Results<Ok<AdminUserDto>, ValidationProblem, ProblemHttpResult, NotFound>> SetRole(
        Guid id, SetRoleRequest body, ClaimsPrincipal principal, UserAdministration users, CancellationToken cancellationToken)
        => string.IsNullOrWhiteSpace(body.Role)
            ? Task.FromResult<Results<Ok<AdminUserDto>, ValidationProblem, ProblemHttpResult, NotFound>>(
                TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["role"] = ["Give a role."] }))
            : Update(id, new UpdateUserRequest(body.Role, null, null, null), principal, users, cancellationToken);

    public static Task<Results<Ok<AdminUserDto>, ValidationProblem, ProblemHttpResult, NotFound>> Lock(
        Guid id, LockUserRequest body, ClaimsPrincipal principal, UserAdministration users, CancellationToken cancellationToken)
        => string.IsNullOrWhiteSpace(body.Reason)
            ? Task.FromResult<Results<Ok<AdminUserDto>, ValidationProblem, ProblemHttpResult, NotFound>>(
                TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = ["Say why the account is locked; it is shown to administrators and kept in the audit log."] }))
            : Update(id, new UpdateUserRequest(null, null, true, body.Reason), principal, users, cancellationToken);

    /// <summary>Lifts an administrator's lock and an automatic lockout after wrong passwords alike.</summary>
    public static Task<Results<Ok<AdminUserDto>, ValidationProblem, ProblemHttpResult, NotFound>> Unlock(
        Guid id, ClaimsPrincipal principal, UserAdministration users, CancellationToken cancellationToken)
        => Update(id, new UpdateUserRequest(null, null, false, null), principal, users, cancellationToken);

    public static async Task<Results<NoContent, NotFound>> SignOutEverywhere(Guid id, UserAdministration users, CancellationToken cancellationToken)
        => await users.SignOutEverywhereAsync(id, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();

    public static async Task<Results<NoContent, ProblemHttpResult, NotFound>> Delete(
        Guid id, ClaimsPrincipal principal, UserAdministration users, CancellationToken cancellationToken)
    {
        var result = await users.DeleteAsync(id, principal.RequiredUserId(), cancellationToken);
        return result switch
        {
            { IsNotFound: true } => TypedResults.NotFound(),
            { ConflictTitle: { } title } => AdminProblems.Conflict(title),
            _ => TypedResults.NoContent(),
        };
    }
}
