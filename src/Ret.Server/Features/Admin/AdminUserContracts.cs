using Ret.Server.Domain;

namespace Ret.Server.Features.Admin;

public sealed record AdminUserDto(
    Guid Id,
    string Username,
    string? DisplayName,
    string Role,
    bool IsActive,
    bool IsLocked,
    string? LockReason,
    DateTime? LockedUntil,
    bool MustChangePassword,
    bool PendingSetup,
    DateTime CreatedAt,
    DateTime? LastLoginAt)
{
    public static AdminUserDto From(User u, DateTime now) => new(
        u.Id, u.UserName, u.DisplayName, u.Role, u.IsActive, u.IsLocked, u.LockReason,
        u.IsLockedOut(now) ? u.LockoutEnd : null, u.MustChangePassword, u.PasswordHash is null, u.CreatedAt, u.LastLoginAt);
}


/// <summary>Query of <c>GET /api/admin/users</c>: paging, username search, filters and sort.</summary>
public sealed record UserQuery(int? Page, int? PageSize, string? Search, string? Role, string? State, string? Sort, string? Dir);

/// <summary>Without a password the account waits for token-first onboarding (a setup token is returned once).
/// With one, the user must change it at first sign-in unless <see cref="MustChangePassword"/> is false.</summary>
public sealed record CreateUserRequest(string? Username, string? Password, string? Role, bool? MustChangePassword = null);

public sealed record CreatedUserResponse(AdminUserDto User, string? SetupToken, DateTime? SetupTokenExpiresAt);

/// <summary>Only the fields present change. Unknown fields are ignored.</summary>
public sealed record UpdateUserRequest(string? Role, bool? IsActive, bool? IsLocked, string? LockReason);

public sealed record IssuedTokenResponse(string Token, DateTime ExpiresAt, string Purpose);

public sealed record SetRoleRequest(string? Role);

public sealed record LockUserRequest(string? Reason);

/// <summary>One user in full for the admin console: the account plus what it holds.</summary>
public sealed record AdminUserDetail(
    AdminUserDto User,
    long StorageBytes,
    int WorkspaceSessions,
    int ApiKeys,
    IReadOnlyList<SignInSessionDto> SignInSessions);
