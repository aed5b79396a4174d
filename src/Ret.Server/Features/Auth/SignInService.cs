using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Audit;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Features.Auth;

/// <summary>Password sign-in with account lockout. Every attempt costs one full password hash — against the real
/// hash, or a dummy one for unknown users and accounts without a password — so unknown, wrong-password, locked
/// and disabled accounts cannot be told apart by status, body or timing. The reason goes only to the audit log.</summary>
public sealed class SignInService(
    RetDbContext db,
    PasswordHasher hasher,
    IOptionsSnapshot<LockoutOptions> lockout,
    TimeProvider clock,
    IAuditLog audit,
    ILogger<SignInService> logger)
{
    /// <summary>Longest password input considered; longer ones still cost a hash but can never match.</summary>
    private const int MaxPasswordInput = 4096;

    public static class FailureReasons
    {
        public const string UnknownUser = "unknown_user";
        public const string BadPassword = "bad_password";
        public const string Locked = "locked";
        public const string Disabled = "disabled";
    }

    /// <summary>The signed-in user, or null (always the same null, whatever the reason).</summary>
    public async Task<User?> SignInAsync(string? userName, string? password, CancellationToken cancellationToken)
    {
        var attempted = userName?.Trim() ?? string.Empty;
        var user = UserNames.IsValid(attempted)
            ? await db.Users.AsNoTracking().FirstOrDefaultAsync(
                u => u.NormalizedUserName == User.Normalize(attempted) && u.DeletedAt == null, cancellationToken)
            : null;

        var check = VerifyPassword(user?.PasswordHash, password);
        var now = clock.GetUtcNow().UtcDateTime;

        if (user is null)
        {
            await FailAsync(null, attempted, FailureReasons.UnknownUser, cancellationToken);
            return null;
        }

        if (!user.IsActive)
        {
            await FailAsync(user, attempted, FailureReasons.Disabled, cancellationToken);
            return null;
        }

        if (user.IsLocked || user.IsLockedOut(now))
        {
            // Attempts during a lockout are not counted and do not extend it.
            await FailAsync(user, attempted, FailureReasons.Locked, cancellationToken);
            return null;
        }

        if (user.LockoutEnd is { } ended)
        {
            await EndExpiredLockoutAsync(user, ended, cancellationToken);
        }

        if (check == PasswordCheck.Failed)
        {
            await RecordFailureAsync(user, now, cancellationToken);
            await FailAsync(user, attempted, FailureReasons.BadPassword, cancellationToken);
            return null;
        }

        string? newHash = check == PasswordCheck.SuccessRehashNeeded ? hasher.Hash(password!) : null;
        var oldHash = user.PasswordHash;
        await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(s => s
            .SetProperty(u => u.FailedLoginCount, 0)
            .SetProperty(u => u.LastLoginAt, now), cancellationToken);
        if (newHash is not null)
        {
            // Only if nobody changed the password meanwhile.
            await db.Users.Where(u => u.Id == user.Id && u.PasswordHash == oldHash)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.PasswordHash, newHash), cancellationToken);
            logger.LogInformation("Re-hashed the password of user {UserId} with {Iterations} iterations", user.Id, hasher.Iterations);
        }

        user.FailedLoginCount = 0;
        user.LastLoginAt = now;
        await audit.WriteAsync(AuditEvent.ForUser(AuditActions.LoginSucceeded, user) with
        {
            ActorId = user.Id,
            ActorName = user.UserName,
            Details = newHash is null ? null : new { rehashed = true },
        }, cancellationToken);
        return user;
    }

    /// <summary>Checks a password for a signed-in user (change password); failures count toward the lockout.</summary>
    public async Task<bool> VerifyCurrentPasswordAsync(User user, string? password, CancellationToken cancellationToken)
    {
        var check = VerifyPassword(user.PasswordHash, password);
        var now = clock.GetUtcNow().UtcDateTime;
        if (user.IsLockedOut(now))
        {
            return false;
        }

        if (check == PasswordCheck.Failed)
        {
            await RecordFailureAsync(user, now, cancellationToken);
            return false;
        }

        return true;
    }

    private PasswordCheck VerifyPassword(string? storedHash, string? password)
    {
        if (string.IsNullOrEmpty(storedHash) || string.IsNullOrEmpty(password) || password.Length > MaxPasswordInput)
        {
            hasher.Verify(hasher.DummyHash, password is { Length: > 0 and <= MaxPasswordInput } ? password : "x");
            return PasswordCheck.Failed;
        }

        return hasher.Verify(storedHash, password);
    }

    private async Task RecordFailureAsync(User user, DateTime now, CancellationToken cancellationToken)
    {
        var max = lockout.Value.MaxFailedAttempts;
        await db.Users.Where(u => u.Id == user.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.FailedLoginCount, u => u.FailedLoginCount + 1), cancellationToken);
        var failures = await db.Users.Where(u => u.Id == user.Id).Select(u => u.FailedLoginCount).FirstAsync(cancellationToken);
        if (failures < max)
        {
            return;
        }

        var end = now.AddMinutes(lockout.Value.LockoutMinutes);
        var locked = await db.Users
            .Where(u => u.Id == user.Id && u.FailedLoginCount >= max && (u.LockoutEnd == null || u.LockoutEnd <= now))
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.LockoutEnd, end).SetProperty(u => u.FailedLoginCount, 0), cancellationToken);
        if (locked == 1)
        {
            logger.LogWarning("User {UserId} locked out until {LockoutEnd:o} after {Failures} failed sign-ins", user.Id, end, failures);
            await audit.WriteAsync(AuditEvent.ForUser(AuditActions.AccountLocked, user) with
            {
                ActorId = null,
                ActorName = "system",
                Details = new { reason = "too_many_failed_logins", failedAttempts = failures, until = end },
            }, cancellationToken);
        }
    }

    private async Task EndExpiredLockoutAsync(User user, DateTime ended, CancellationToken cancellationToken)
    {
        var cleared = await db.Users.Where(u => u.Id == user.Id && u.LockoutEnd == ended)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.LockoutEnd, (DateTime?)null), cancellationToken);
        if (cleared == 1)
        {
            await audit.WriteAsync(AuditEvent.ForUser(AuditActions.AccountUnlocked, user) with
            {
                ActorId = null,
                ActorName = "system",
                Details = new { reason = "lockout_expired", lockedUntil = ended },
            }, cancellationToken);
        }
    }

    private Task FailAsync(User? user, string attempted, string reason, CancellationToken cancellationToken)
        => audit.WriteAsync(new AuditEvent(AuditActions.LoginFailed, AuditOutcome.Failure)
        {
            ActorId = user?.Id,
            ActorName = user?.UserName ?? (attempted.Length > 64 ? attempted[..64] : attempted),
            TargetType = "user",
            TargetId = user?.Id.ToString(),
            Details = new { reason },
        }, cancellationToken);
}
