using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Audit;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Security;
using Ret.Server.Infrastructure.Http;

namespace Ret.Server.Features.Admin;

public sealed record ResetRequestDto(
    Guid Id,
    Guid UserId,
    string? Username,
    DateTime RequestedAt,
    string Status,
    DateTime? DecidedAt,
    string? DecidedBy,
    string? Reason,
    string? RequestedFromIp);

public sealed record ResetRequestQuery(int? Page, int? PageSize, string? Status, string? Search);

public sealed record RejectResetRequest(string? Reason);

/// <summary>"Forgot password" requests that wait for an administrator (no mail configured for the user): approve issues
/// a single-use reset token shown once, reject records the reason.</summary>
public sealed class ResetRequests(RetDbContext db, UserAdministration users, IAuditLog audit, TimeProvider clock)
{
    public async Task<PageOf<ResetRequestDto>> ListAsync(ResetRequestQuery q, CancellationToken ct)
    {
        var window = PageWindow.From(q.Page, q.PageSize);
        var query = db.PasswordResetRequests.AsNoTracking();
        if (q.Status is PasswordResetStatus.Pending or PasswordResetStatus.Approved or PasswordResetStatus.Rejected or PasswordResetStatus.Completed)
        {
            query = query.Where(r => r.Status == q.Status);
        }

        if (AdminText.Needle(q.Search, 64) is { } needle)
        {
            var normalized = User.Normalize(needle);
            query = query.Where(r => db.Users.Any(u => u.Id == r.UserId && u.NormalizedUserName.Contains(normalized)));
        }

        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(r => r.CreatedAt).ThenBy(r => r.Id)
            .Skip(window.Skip).Take(window.Size)
            .Select(r => new ResetRequestDto(
                r.Id,
                r.UserId,
                db.Users.Where(u => u.Id == r.UserId).Select(u => u.UserName).FirstOrDefault(),
                r.CreatedAt,
                r.Status,
                r.DecidedAt,
                r.DecidedById == null ? null : db.Users.Where(u => u.Id == r.DecidedById).Select(u => u.UserName).FirstOrDefault(),
                r.Reason,
                r.RequestedFromIp))
            .ToListAsync(ct);
        return new PageOf<ResetRequestDto>(rows, total, window.Page, window.Size);
    }

    public async Task<AdminResult<IssuedTokenResponse>> ApproveAsync(Guid id, Guid actorId, CancellationToken ct)
    {
        var request = await db.PasswordResetRequests.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct);
        if (request is null)
        {
            return AdminResult<IssuedTokenResponse>.NotFound();
        }

        if (request.Status != PasswordResetStatus.Pending)
        {
            return AdminResult<IssuedTokenResponse>.Conflict($"This request is already {request.Status}.");
        }

        // Issues the token, revokes older ones and marks the user's pending requests approved by this administrator.
        return await users.IssueResetTokenAsync(request.UserId, actorId, ct, request.Id);
    }

    public async Task<AdminResult<ResetRequestDto>> RejectAsync(Guid id, string? reason, Guid actorId, CancellationToken ct)
    {
        var text = reason?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > 500)
        {
            return AdminResult<ResetRequestDto>.Invalid(new() { ["reason"] = ["Give a reason of 1 to 500 characters; the user may ask."] });
        }

        var request = await db.PasswordResetRequests.FirstOrDefaultAsync(r => r.Id == id, ct);
        if (request is null)
        {
            return AdminResult<ResetRequestDto>.NotFound();
        }

        if (request.Status != PasswordResetStatus.Pending)
        {
            return AdminResult<ResetRequestDto>.Conflict($"This request is already {request.Status}.");
        }

        request.Status = PasswordResetStatus.Rejected;
        request.Reason = text;
        request.DecidedById = actorId;
        request.DecidedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        await audit.WriteAsync(new AuditEvent(AuditActions.ResetRequestRejected)
        {
            TargetType = "user",
            TargetId = request.UserId.ToString(),
            Details = new { resetRequestId = request.Id, reason = text },
        }, ct);
        var username = await db.Users.Where(u => u.Id == request.UserId).Select(u => u.UserName).FirstOrDefaultAsync(ct);
        var decidedBy = await db.Users.Where(u => u.Id == actorId).Select(u => u.UserName).FirstOrDefaultAsync(ct);
        return AdminResult<ResetRequestDto>.Ok(new ResetRequestDto(request.Id, request.UserId, username, request.CreatedAt, request.Status,
            request.DecidedAt, decidedBy, request.Reason, request.RequestedFromIp));
    }
}

internal static class ResetRequestEndpoints
{
    public static async Task<Ok<PageOf<ResetRequestDto>>> List([AsParameters] ResetRequestQuery query, ResetRequests requests,
        CancellationToken ct) => TypedResults.Ok(await requests.ListAsync(query, ct));

    public static async Task<Results<Created<IssuedTokenResponse>, NotFound, ProblemHttpResult>> Approve(Guid id, ClaimsPrincipal principal,
        ResetRequests requests, CancellationToken ct)
    {
        var result = await requests.ApproveAsync(id, principal.RequiredUserId(), ct);
        return result switch
        {
            { IsNotFound: true } => TypedResults.NotFound(),
            { ConflictTitle: { } title } => AdminProblems.Conflict(title),
            _ => TypedResults.Created((string?)null, result.Value!),
        };
    }

    public static async Task<Results<Ok<ResetRequestDto>, NotFound, ValidationProblem, ProblemHttpResult>> Reject(Guid id,
        RejectResetRequest body, ClaimsPrincipal principal, ResetRequests requests, CancellationToken ct)
    {
        var result = await requests.RejectAsync(id, body.Reason, principal.RequiredUserId(), ct);
        return result switch
        {
            { IsNotFound: true } => TypedResults.NotFound(),
            { Errors: { } errors } => TypedResults.ValidationProblem(errors),
            { ConflictTitle: { } title } => AdminProblems.Conflict(title),
            _ => TypedResults.Ok(result.Value!),
        };
    }
}

internal static class AdminProblems
{
    public static ProblemHttpResult Conflict(string title) => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: title);
}
