using Microsoft.EntityFrameworkCore;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Features.Auth;

/// <summary>Credential and session changes shared by the account endpoints and the admin console: setting a password
/// and cutting a user's access. Each renews the security stamp (existing access tokens stop working at once on this
/// node) and revokes what must not survive.</summary>
public sealed class AccountSecurity(
    RetDbContext db,
    PasswordHasher hasher,
    RefreshTokenService refreshTokens,
    UserStateCache userStates,
    TimeProvider clock)
{
    /// <summary>New hash and stamp, forced change and lockout cleared, every session and outstanding reset token
    /// revoked. <paramref name="user"/> must be tracked by the context.</summary>
    public async Task SetPasswordAsync(User user, string newPassword, string reason, CancellationToken cancellationToken)
    {
        var now = Now;
        user.PasswordHash = hasher.Hash(newPassword);
        user.SecurityStamp = User.NewSecurityStamp();
        user.MustChangePassword = false;
        user.FailedLoginCount = 0;
        user.LockoutEnd = null;
        user.PasswordChangedAt = now;
        user.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        await RevokeResetTokensAsync(user.Id, cancellationToken);
        await refreshTokens.RevokeAllAsync(user.Id, reason, cancellationToken);
        userStates.Invalidate(user.Id);
    }

    /// <summary>Renews the stamp (so every access token of the user stops working) without saving other changes.</summary>
    public async Task RenewStampAsync(Guid userId, CancellationToken cancellationToken)
    {
        var now = Now;
        var stamp = User.NewSecurityStamp();
        await db.Users.Where(u => u.Id == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.SecurityStamp, stamp).SetProperty(u => u.UpdatedAt, now), cancellationToken);
        userStates.Invalidate(userId);
    }

    /// <summary>Ends every session and access token of the user (disable, lock, demote, sign out everywhere).</summary>
    public async Task RevokeAccessAsync(Guid userId, string reason, CancellationToken cancellationToken)
    {
        await refreshTokens.RevokeAllAsync(userId, reason, cancellationToken);
        await RenewStampAsync(userId, cancellationToken);
    }

    public Task<int> RevokeResetTokensAsync(Guid userId, CancellationToken cancellationToken)
    {
        var now = Now;
        return db.PasswordResetTokens
            .Where(t => t.UserId == userId && t.UsedAt == null && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now), cancellationToken);
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;
}
