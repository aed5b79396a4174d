using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Audit;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Features.Auth;

/// <summary>Refresh tokens: 256-bit random, stored as SHA-256, rotated on every use inside a family (one family per
/// sign-in session). Presenting an already-rotated token revokes the whole family (RFC 9700 reuse detection).
/// The rotation is a conditional UPDATE, so of two concurrent uses exactly one wins on SQLite and PostgreSQL.</summary>
public sealed class RefreshTokenService(
    RetDbContext db,
    IOptions<RefreshTokenOptions> options,
    TimeProvider clock,
    IAuditLog audit,
    ILogger<RefreshTokenService> logger)
{
    public static class Reasons
    {
        public const string Rotated = "rotated";
        public const string Logout = "logout";
        public const string LogoutAll = "logout_all";
        public const string Reuse = "reuse_detected";
        public const string PasswordChanged = "password_changed";
        public const string AccessReduced = "access_reduced";
        public const string AdminRevoked = "admin_revoked";
        public const string AccountDeleted = "account_deleted";
    }

    /// <summary>Starts a new session (family) for the user and returns its first token.</summary>
    public async Task<IssuedRefreshToken> StartSessionAsync(User user, HttpContext http, CancellationToken cancellationToken)
    {
        var now = Now;
        var o = options.Value;
        var raw = SecretToken.New();
        var token = new RefreshToken
        {
            FamilyId = Guid.CreateVersion7(),
            UserId = user.Id,
            TokenHash = SecretToken.Hash(raw),
            CreatedAt = now,
            SessionCreatedAt = now,
            ExpiresAt = now.AddDays(o.AbsoluteLifetimeDays),
            IdleExpiresAt = Min(now.AddHours(o.IdleLifetimeHours), now.AddDays(o.AbsoluteLifetimeDays)),
            CreatedByIp = Ip(http),
            UserAgent = UserAgent(http),
        };
        db.RefreshTokens.Add(token);
        await db.SaveChangesAsync(cancellationToken);
        return new IssuedRefreshToken(raw, token.ExpiresAt, token.FamilyId);
    }

    /// <summary>Exchanges a refresh token for its successor. Fails (null user) when the token is unknown, expired,
    /// revoked, reused or its user can no longer hold a session.</summary>
    public async Task<RotationResult> RotateAsync(string? raw, HttpContext http, CancellationToken cancellationToken)
    {
        if (!SecretToken.LooksValid(raw))
        {
            return RotationResult.Invalid;
        }

        var hash = SecretToken.Hash(raw!);
        var current = await db.RefreshTokens.AsNoTracking().FirstOrDefaultAsync(t => t.TokenHash == hash, cancellationToken);
        if (current is null)
        {
            return RotationResult.Invalid;
        }

        var now = Now;
        if (current.ReplacedById is not null)
        {
            // Replay of a rotated token: whoever holds the family now may be an attacker. End it for everyone.
            var revoked = await RevokeFamilyAsync(current.FamilyId, Reasons.Reuse, cancellationToken);
            logger.LogWarning("Refresh token reuse detected for user {UserId}; session {FamilyId} revoked ({Count} tokens)",
                current.UserId, current.FamilyId, revoked);
            await audit.WriteAsync(new AuditEvent(AuditActions.RefreshTokenReuse, AuditOutcome.Denied)
            {
                ActorId = current.UserId,
                TargetType = "session",
                TargetId = current.FamilyId.ToString(),
                Details = new { revokedTokens = revoked },
            }, cancellationToken);
            return RotationResult.Invalid;
        }

        if (current.RevokedAt is not null || current.ExpiresAt <= now || current.IdleExpiresAt <= now)
        {
            return RotationResult.Invalid;
        }

        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == current.UserId, cancellationToken);
        if (user is null || !user.CanHoldSession)
        {
            return RotationResult.Invalid;
        }

        var raw2 = SecretToken.New();
        var next = new RefreshToken
        {
            FamilyId = current.FamilyId,
            UserId = current.UserId,
            TokenHash = SecretToken.Hash(raw2),
            CreatedAt = now,
            SessionCreatedAt = current.SessionCreatedAt,
            ExpiresAt = current.ExpiresAt,
            IdleExpiresAt = Min(now.AddHours(options.Value.IdleLifetimeHours), current.ExpiresAt),
            CreatedByIp = Ip(http),
            UserAgent = UserAgent(http),
        };

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var won = await db.RefreshTokens
            .Where(t => t.Id == current.Id && t.ReplacedById == null && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s
                .SetProperty(t => t.ReplacedById, next.Id)
                .SetProperty(t => t.LastUsedAt, now), cancellationToken);
        if (won != 1)
        {
            // A concurrent request rotated (or revoked) it first: that one succeeds, this one does not.
            await transaction.RollbackAsync(cancellationToken);
            return RotationResult.Invalid;
        }

        db.RefreshTokens.Add(next);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new RotationResult(user, new IssuedRefreshToken(raw2, next.ExpiresAt, next.FamilyId));
    }

    /// <summary>Revokes the session the given token belongs to (logout on this device).</summary>
    public async Task<Guid?> RevokeSessionOfAsync(string? raw, string reason, CancellationToken cancellationToken)
    {
        if (!SecretToken.LooksValid(raw))
        {
            return null;
        }

        var hash = SecretToken.Hash(raw!);
        var token = await db.RefreshTokens.AsNoTracking()
            .Where(t => t.TokenHash == hash)
            .Select(t => new { t.FamilyId, t.UserId })
            .FirstOrDefaultAsync(cancellationToken);
        if (token is null)
        {
            return null;
        }

        await RevokeFamilyAsync(token.FamilyId, reason, cancellationToken);
        return token.UserId;
    }

    public Task<int> RevokeFamilyAsync(Guid familyId, string reason, CancellationToken cancellationToken)
    {
        var now = Now;
        return db.RefreshTokens
            .Where(t => t.FamilyId == familyId && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now).SetProperty(t => t.RevokedReason, reason), cancellationToken);
    }

    /// <summary>Ends every session of the user (all devices).</summary>
    public Task<int> RevokeAllAsync(Guid userId, string reason, CancellationToken cancellationToken)
    {
        var now = Now;
        return db.RefreshTokens
            .Where(t => t.UserId == userId && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now).SetProperty(t => t.RevokedReason, reason), cancellationToken);
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    private static string? Ip(HttpContext http) => http.Connection.RemoteIpAddress?.ToString();

    private static string? UserAgent(HttpContext http)
    {
        var ua = http.Request.Headers.UserAgent.ToString();
        return ua.Length == 0 ? null : ua.Length > 512 ? ua[..512] : ua;
    }
}

public sealed record IssuedRefreshToken(string Value, DateTime ExpiresAt, Guid FamilyId);

public sealed record RotationResult(User? User, IssuedRefreshToken? Token)
{
    public static readonly RotationResult Invalid = new(null, null);

    public bool Succeeded => User is not null && Token is not null;
}
