using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Ret.Server.Domain;
using Ret.Server.Features.Auth;
using Ret.Server.Infrastructure.Audit;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Security;
using Ret.Server.Infrastructure.Http;

namespace Ret.Server.Features.Admin;

/// <summary>What administrators do to accounts. Every change is audited (old → new); changes that reduce access
/// (demote, disable, lock) end the user's sessions and access tokens at once. An administrator cannot reduce their
/// own access, and the last active administrator cannot lose theirs.</summary>
public sealed class UserAdministration(
    RetDbContext db,
    PasswordHasher hasher,
    PasswordPolicy policy,
    PasswordResetService resets,
    AccountSecurity accountSecurity,
    UserStateCache userStates,
    IOptionsSnapshot<ResetOptions> resetOptions,
    TimeProvider clock,
    IAuditLog audit)
{
    public async Task<PageOf<AdminUserDto>> ListAsync(UserQuery q, CancellationToken cancellationToken)
    {
        var window = PageWindow.From(q.Page, q.PageSize);
        var now = Now;
        var query = db.Users.AsNoTracking().Where(u => u.DeletedAt == null);
        if (AdminText.Needle(q.Search, 64) is { } search)
        {
            var needle = User.Normalize(search);
            query = query.Where(u => u.NormalizedUserName.Contains(needle));
        }

        if (Roles.IsKnown(q.Role))
        {
            query = query.Where(u => u.Role == q.Role);
        }

        query = q.State switch
        {
            "active" => query.Where(u => u.IsActive && !u.IsLocked && (u.LockoutEnd == null || u.LockoutEnd <= now)),
            "disabled" => query.Where(u => !u.IsActive),
            "locked" => query.Where(u => u.IsLocked || u.LockoutEnd > now),
            "pending" => query.Where(u => u.PasswordHash == null),
            _ => query,
        };
        var descending = string.Equals(q.Dir, "desc", StringComparison.OrdinalIgnoreCase);
        query = (q.Sort, descending) switch
        {
            ("createdAt", false) => query.OrderBy(u => u.CreatedAt).ThenBy(u => u.Id),
            ("createdAt", true) => query.OrderByDescending(u => u.CreatedAt).ThenBy(u => u.Id),
            ("lastLoginAt", false) => query.OrderBy(u => u.LastLoginAt).ThenBy(u => u.Id),
            ("lastLoginAt", true) => query.OrderByDescending(u => u.LastLoginAt).ThenBy(u => u.Id),
            (_, true) => query.OrderByDescending(u => u.NormalizedUserName),
            _ => query.OrderBy(u => u.NormalizedUserName),
        };

        var total = await query.CountAsync(cancellationToken);
        var users = await query.Skip(window.Skip).Take(window.Size).ToListAsync(cancellationToken);
        return new PageOf<AdminUserDto>(users.Select(u => AdminUserDto.From(u, now)).ToList(), total, window.Page, window.Size);
    }

    /// <summary>The account with what it holds: workspace storage and sessions, API keys, active sign-in sessions.</summary>
    public async Task<AdminUserDetail?> GetAsync(Guid id, SignInSessions signIns, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id && u.DeletedAt == null, cancellationToken);
        if (user is null)
        {
            return null;
        }

        var workspace = db.Set<WorkspaceSession>().Where(s => s.OwnerId == id);
        var storage = await workspace.SumAsync(s => s.SizeBytes, cancellationToken);
        var sessions = await workspace.CountAsync(cancellationToken);
        var keys = await db.ApiKeys.CountAsync(k => k.UserId == id && k.RevokedAt == null, cancellationToken);
        // Another user's data seen through an admin route is audited (SECURITY-CHECKLIST 11).
        await audit.WriteAsync(AuditEvent.ForUser(AuditActions.UserViewed, user), cancellationToken);
        return new AdminUserDetail(AdminUserDto.From(user, Now), storage, sessions, keys, await signIns.ActiveOfAsync(id, cancellationToken));
    }

    /// <summary>Ends every sign-in session and access token of the user; the account stays usable.</summary>
    public async Task<bool> SignOutEverywhereAsync(Guid id, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id && u.DeletedAt == null, cancellationToken);
        if (user is null)
        {
            return false;
        }

        await accountSecurity.RevokeAccessAsync(user.Id, RefreshTokenService.Reasons.AdminRevoked, cancellationToken);
        await audit.WriteAsync(AuditEvent.ForUser(AuditActions.UserSignedOutEverywhere, user), cancellationToken);
        return true;
    }

    /// <summary>Soft delete: sign-in refused at once (the account is unknown from now on), sessions, API keys and reset
    /// tokens revoked, the username stays reserved; the retention job removes the user's workspace data. Nobody deletes
    /// themself or the last active administrator.</summary>
    public async Task<AdminResult<bool>> DeleteAsync(Guid id, Guid actorId, CancellationToken cancellationToken)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id && u.DeletedAt == null, cancellationToken);
        if (user is null)
        {
            return AdminResult<bool>.NotFound();
        }

        if (user.Id == actorId)
        {
            return AdminResult<bool>.Conflict("You cannot delete your own account.");
        }

        if (user.Role == Roles.Admin && user.IsActive && !user.IsLocked
            && !await db.Users.AnyAsync(u => u.Id != user.Id && u.Role == Roles.Admin && u.IsActive && !u.IsLocked && u.DeletedAt == null,
                cancellationToken))
        {
            return AdminResult<bool>.Conflict("This is the last active administrator; make someone else an administrator first.");
        }

        var now = Now;
        user.DeletedAt = now;
        user.UpdatedAt = now;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return AdminResult<bool>.Conflict("The account was changed by someone else meanwhile. Reload and try again.");
        }

        // Renews the stamp (access tokens end, the user-state cache forgets the account) and revokes every session.
        await accountSecurity.RevokeAccessAsync(user.Id, RefreshTokenService.Reasons.AccountDeleted, cancellationToken);
        await accountSecurity.RevokeResetTokensAsync(user.Id, cancellationToken);
        await db.ApiKeys.Where(k => k.UserId == user.Id && k.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, now), cancellationToken);
        await db.PasswordResetRequests.Where(r => r.UserId == user.Id && r.Status == PasswordResetStatus.Pending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, PasswordResetStatus.Rejected)
                .SetProperty(r => r.Reason, "account deleted")
                .SetProperty(r => r.DecidedById, actorId)
                .SetProperty(r => r.DecidedAt, now), cancellationToken);
        await audit.WriteAsync(AuditEvent.ForUser(AuditActions.UserDeleted, user) with
        {
            Details = new { username = user.UserName, role = user.Role },
        }, cancellationToken);
        return AdminResult<bool>.Ok(true);
    }

    public async Task<AdminResult<CreatedUserResponse>> CreateAsync(CreateUserRequest request, Guid actorId, CancellationToken cancellationToken)
    {
        var userName = request.Username?.Trim() ?? string.Empty;
        var role = request.Role?.Trim().ToLowerInvariant() ?? Roles.User;
        var errors = new Dictionary<string, string[]>();
        if (!UserNames.IsValid(userName))
        {
            errors["username"] = [UserNames.Rule];
        }

        if (!Roles.IsKnown(role))
        {
            errors["role"] = [$"Use one of: {string.Join(", ", Roles.All)}."];
        }

        if (request.Password is not null && policy.Validate(request.Password, userName) is { Count: > 0 } passwordErrors)
        {
            errors["password"] = [.. passwordErrors];
        }

        if (errors.Count > 0)
        {
            return AdminResult<CreatedUserResponse>.Invalid(errors);
        }

        var normalized = User.Normalize(userName);
        if (await db.Users.AnyAsync(u => u.NormalizedUserName == normalized, cancellationToken))
        {
            return AdminResult<CreatedUserResponse>.Conflict("That username is already taken.");
        }

        var now = Now;
        var user = new User
        {
            UserName = userName,
            NormalizedUserName = normalized,
            Role = role,
            PasswordHash = request.Password is null ? null : hasher.Hash(request.Password),
            MustChangePassword = request.Password is not null && (request.MustChangePassword ?? true),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Users.Add(user);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            return AdminResult<CreatedUserResponse>.Conflict("That username is already taken.");
        }

        await audit.WriteAsync(AuditEvent.ForUser(AuditActions.UserCreated, user) with
        {
            Details = new { username = user.UserName, role, onboarding = request.Password is null ? "setup_token" : "password" },
        }, cancellationToken);

        IssuedResetToken? setup = null;
        if (request.Password is null)
        {
            setup = await IssueAsync(user, actorId, cancellationToken);
        }

        return AdminResult<CreatedUserResponse>.Ok(new CreatedUserResponse(AdminUserDto.From(user, now), setup?.Value, setup?.ExpiresAt));
    }

    public async Task<AdminResult<AdminUserDto>> UpdateAsync(Guid id, UpdateUserRequest request, Guid actorId, CancellationToken cancellationToken)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id && u.DeletedAt == null, cancellationToken);
        if (user is null)
        {
            return AdminResult<AdminUserDto>.NotFound();
        }

        var role = request.Role?.Trim().ToLowerInvariant();
        if (role is not null && !Roles.IsKnown(role))
        {
            return AdminResult<AdminUserDto>.Invalid(new() { ["role"] = [$"Use one of: {string.Join(", ", Roles.All)}."] });
        }

        if (request.LockReason is { Length: > 500 })
        {
            return AdminResult<AdminUserDto>.Invalid(new() { ["lockReason"] = ["Keep the reason under 500 characters."] });
        }

        var now = Now;
        var newRole = role ?? user.Role;
        var newActive = request.IsActive ?? user.IsActive;
        var newLocked = request.IsLocked ?? user.IsLocked;
        var wasAdmin = user.Role == Roles.Admin && user.IsActive && !user.IsLocked;
        var demoted = user.Role == Roles.Admin && newRole != Roles.Admin;
        var reducesAccess = demoted || (user.IsActive && !newActive) || (!user.IsLocked && newLocked);
        if (reducesAccess && user.Id == actorId)
        {
            return AdminResult<AdminUserDto>.Conflict("You cannot demote, disable or lock your own account.");
        }

        if (wasAdmin && (newRole != Roles.Admin || !newActive || newLocked)
            && !await db.Users.AnyAsync(u => u.Id != user.Id && u.Role == Roles.Admin && u.IsActive && !u.IsLocked && u.DeletedAt == null,
                cancellationToken))
        {
            return AdminResult<AdminUserDto>.Conflict("This is the last active administrator; make someone else an administrator first.");
        }

        var changes = new Dictionary<string, object?>();
        if (newRole != user.Role)
        {
            changes["role"] = new { from = user.Role, to = newRole };
            user.Role = newRole;
        }

        if (newActive != user.IsActive)
        {
            changes["isActive"] = new { from = user.IsActive, to = newActive };
            user.IsActive = newActive;
        }

        var unlocked = false;
        if (request.IsLocked == false && (user.IsLocked || user.IsLockedOut(now)))
        {
            changes["isLocked"] = new { from = true, to = false };
            user.IsLocked = false;
            user.LockReason = null;
            user.LockoutEnd = null;
            user.FailedLoginCount = 0;
            unlocked = true;
        }
        else if (request.IsLocked == true && !user.IsLocked)
        {
            changes["isLocked"] = new { from = false, to = true };
            user.IsLocked = true;
            user.LockReason = string.IsNullOrWhiteSpace(request.LockReason) ? null : request.LockReason.Trim();
        }
        else if (request.IsLocked != false && user.IsLocked && request.LockReason is not null && request.LockReason != user.LockReason)
        {
            changes["lockReason"] = "changed";
            user.LockReason = request.LockReason.Trim();
        }

        if (changes.Count == 0)
        {
            return AdminResult<AdminUserDto>.Ok(AdminUserDto.From(user, now));
        }

        if (changes.ContainsKey("role") || changes.ContainsKey("isActive") || changes.ContainsKey("isLocked"))
        {
            user.SecurityStamp = User.NewSecurityStamp();
        }

        user.UpdatedAt = now;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return AdminResult<AdminUserDto>.Conflict("The account was changed by someone else meanwhile. Reload and try again.");
        }

        userStates.Invalidate(user.Id);
        if (reducesAccess)
        {
            await accountSecurity.RevokeAccessAsync(user.Id, RefreshTokenService.Reasons.AccessReduced, cancellationToken);
        }

        await audit.WriteAsync(AuditEvent.ForUser(AuditActions.UserUpdated, user) with { Details = new { changes } }, cancellationToken);
        if (changes.ContainsKey("isLocked"))
        {
            await audit.WriteAsync(AuditEvent.ForUser(unlocked ? AuditActions.AccountUnlocked : AuditActions.AccountLocked, user) with
            {
                Details = new { reason = unlocked ? "admin" : user.LockReason ?? "admin" },
            }, cancellationToken);
        }

        return AdminResult<AdminUserDto>.Ok(AdminUserDto.From(user, now));
    }

    public async Task<AdminResult<IssuedTokenResponse>> IssueResetTokenAsync(Guid id, Guid actorId, CancellationToken cancellationToken,
        Guid? requestId = null)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id && u.DeletedAt == null, cancellationToken);
        if (user is null)
        {
            return AdminResult<IssuedTokenResponse>.NotFound();
        }

        var token = await IssueAsync(user, actorId, cancellationToken, requestId);
        var now = Now;
        await db.PasswordResetRequests
            .Where(r => r.UserId == user.Id && r.Status == PasswordResetStatus.Pending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, PasswordResetStatus.Approved)
                .SetProperty(r => r.DecidedById, actorId)
                .SetProperty(r => r.DecidedAt, now), cancellationToken);
        return AdminResult<IssuedTokenResponse>.Ok(new IssuedTokenResponse(token.Value, token.ExpiresAt, token.Purpose));
    }

    /// <summary>A setup token for an account without a password (longer-lived), else a reset token.</summary>
    private async Task<IssuedResetToken> IssueAsync(User user, Guid actorId, CancellationToken cancellationToken, Guid? requestId = null)
    {
        var setup = user.PasswordHash is null;
        var lifetime = setup
            ? TimeSpan.FromHours(resetOptions.Value.SetupTokenHours)
            : TimeSpan.FromMinutes(resetOptions.Value.AdminTokenMinutes);
        var token = await resets.IssueTokenAsync(user, setup ? PasswordResetPurpose.Setup : PasswordResetPurpose.Reset, lifetime,
            issuedById: actorId, requestId: requestId, cancellationToken);
        await audit.WriteAsync(AuditEvent.ForUser(AuditActions.ResetTokenIssued, user) with
        {
            Details = new { purpose = token.Purpose, expiresAt = token.ExpiresAt, resetRequestId = requestId },
        }, cancellationToken);
        return token;
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;
}

/// <summary>Outcome of an admin operation, mapped to HTTP by the endpoints.</summary>
public sealed record AdminResult<T>(T? Value, Dictionary<string, string[]>? Errors, string? ConflictTitle, bool IsNotFound)
{
    public static AdminResult<T> Ok(T value) => new(value, null, null, false);

    public static AdminResult<T> Invalid(Dictionary<string, string[]> errors) => new(default, errors, null, false);

    public static AdminResult<T> Conflict(string title) => new(default, null, title, false);

    public static AdminResult<T> NotFound() => new(default, null, null, true);
}
