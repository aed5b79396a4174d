using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Ret.Server.Domain;
using Ret.Server.Features.Auth;
using Ret.Server.Infrastructure.Audit;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Security;
using Ret.Server.Infrastructure.Http;

namespace Ret.Server.Features.Admin;

/// <summary>A sign-in session is a refresh-token family; its newest token (the one not replaced) carries its state.</summary>
public sealed record SignInSessionDto(
    Guid Id,
    Guid UserId,
    string? Username,
    DateTime CreatedAt,
    DateTime? LastUsedAt,
    string? IpAddress,
    string? UserAgent,
    DateTime ExpiresAt,
    DateTime? RevokedAt,
    string? RevokedReason,
    string State);

public sealed record SessionQuery(int? Page, int? PageSize, string? Search, Guid? UserId, string? State);

public sealed record CleanupResult(int Deleted);

public static class SignInSessionStates
{
    public const string Active = "active";
    public const string Expired = "expired";
    public const string Revoked = "revoked";
}

/// <summary>Sign-in sessions for administrators: list, revoke one, clean up ended ones.</summary>
public sealed class SignInSessions(RetDbContext db, RefreshTokenService refreshTokens, AccountSecurity accountSecurity, IAuditLog audit,
    IOptionsSnapshot<RefreshTokenOptions> lifetimes, TimeProvider clock)
{
    public async Task<PageOf<SignInSessionDto>> ListAsync(SessionQuery q, CancellationToken ct)
    {
        var window = PageWindow.From(q.Page, q.PageSize);
        var now = Now;
        var heads = Heads();
        if (q.UserId is { } userId)
        {
            heads = heads.Where(t => t.UserId == userId);
        }

        if (AdminText.Needle(q.Search, 64) is { } needle)
        {
            var normalized = User.Normalize(needle);
            heads = heads.Where(t => db.Users.Any(u => u.Id == t.UserId && u.NormalizedUserName.Contains(normalized)));
        }

        heads = q.State switch
        {
            SignInSessionStates.Active => heads.Where(t => t.RevokedAt == null && t.ExpiresAt > now && t.IdleExpiresAt > now),
            SignInSessionStates.Expired => heads.Where(t => t.RevokedAt == null && (t.ExpiresAt <= now || t.IdleExpiresAt <= now)),
            SignInSessionStates.Revoked => heads.Where(t => t.RevokedAt != null),
            _ => heads,
        };

        var total = await heads.CountAsync(ct);
        var rows = await heads
            .OrderByDescending(t => t.LastUsedAt ?? t.CreatedAt).ThenBy(t => t.Id)
            .Skip(window.Skip).Take(window.Size)
            .Select(t => new { Token = t, Username = db.Users.Where(u => u.Id == t.UserId).Select(u => u.UserName).FirstOrDefault() })
            .ToListAsync(ct);
        return new PageOf<SignInSessionDto>(rows.Select(r => ToDto(r.Token, r.Username, now)).ToList(), total, window.Page, window.Size);
    }

    public async Task<IReadOnlyList<SignInSessionDto>> ActiveOfAsync(Guid userId, CancellationToken ct)
    {
        var now = Now;
        var rows = await Heads().Where(t => t.UserId == userId && t.RevokedAt == null && t.ExpiresAt > now && t.IdleExpiresAt > now)
            .OrderByDescending(t => t.CreatedAt).Take(50).ToListAsync(ct);
        return rows.Select(t => ToDto(t, null, now)).ToList();
    }

    /// <summary>Revokes the session (the whole token family) and renews the owner's stamp so its access token dies too.</summary>
    public async Task<bool> RevokeAsync(Guid familyId, CancellationToken ct)
    {
        var head = await db.RefreshTokens.AsNoTracking().Where(t => t.FamilyId == familyId)
            .Select(t => new { t.UserId }).FirstOrDefaultAsync(ct);
        if (head is null)
        {
            return false;
        }

        var revoked = await refreshTokens.RevokeFamilyAsync(familyId, RefreshTokenService.Reasons.AdminRevoked, ct);
        if (revoked > 0)
        {
            // Access tokens do not name their session: ending the user's access tokens is the only way to end this one
            // at once. Their other sessions simply refresh.
            await accountSecurity.RenewStampAsync(head.UserId, ct);
        }

        await audit.WriteAsync(new AuditEvent(AuditActions.SessionRevoked)
        {
            TargetType = "session",
            TargetId = familyId.ToString(),
            Details = new { userId = head.UserId, tokens = revoked },
        }, ct);
        return true;
    }

    /// <summary>Deletes every token of sessions that ended (revoked, or past their absolute or idle end) more than the
    /// idle lifetime ago — long enough that a replayed old token still meets its revoked family and is refused.</summary>
    public async Task<int> CleanupAsync(CancellationToken ct)
    {
        var cutoff = Now.AddHours(-lifetimes.Value.IdleLifetimeHours);
        var ended = db.RefreshTokens
            .Where(t => t.ReplacedById == null && (t.RevokedAt < cutoff || t.ExpiresAt < cutoff || t.IdleExpiresAt < cutoff))
            .Select(t => t.FamilyId);
        var deleted = await db.RefreshTokens.Where(t => ended.Contains(t.FamilyId)).ExecuteDeleteAsync(ct);
        await audit.WriteAsync(new AuditEvent(AuditActions.SessionsCleanedUp)
        {
            TargetType = "session",
            Details = new { deletedTokens = deleted, endedBefore = cutoff },
        }, ct);
        return deleted;
    }

    private IQueryable<RefreshToken> Heads() => db.RefreshTokens.AsNoTracking().Where(t => t.ReplacedById == null);

    private static SignInSessionDto ToDto(RefreshToken t, string? username, DateTime now)
    {
        var state = t.RevokedAt is not null ? SignInSessionStates.Revoked
            : t.ExpiresAt <= now || t.IdleExpiresAt <= now ? SignInSessionStates.Expired
            : SignInSessionStates.Active;
        var end = t.ExpiresAt < t.IdleExpiresAt ? t.ExpiresAt : t.IdleExpiresAt;
        return new SignInSessionDto(t.FamilyId, t.UserId, username, t.SessionCreatedAt, t.LastUsedAt ?? t.CreatedAt, t.CreatedByIp,
            t.UserAgent, end, t.RevokedAt, t.RevokedReason, state);
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;
}

internal static class SignInSessionEndpoints
{
    public static async Task<Ok<PageOf<SignInSessionDto>>> List([AsParameters] SessionQuery query, SignInSessions sessions, CancellationToken ct)
        => TypedResults.Ok(await sessions.ListAsync(query, ct));

    public static async Task<Results<NoContent, NotFound>> Revoke(Guid id, SignInSessions sessions, CancellationToken ct)
        => await sessions.RevokeAsync(id, ct) ? TypedResults.NoContent() : TypedResults.NotFound();

    public static async Task<Ok<CleanupResult>> Cleanup(SignInSessions sessions, CancellationToken ct)
        => TypedResults.Ok(new CleanupResult(await sessions.CleanupAsync(ct)));
}
