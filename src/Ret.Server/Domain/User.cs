namespace Ret.Server.Domain;

/// <summary>A person who signs in. Usernames are matched case-insensitively through <see cref="NormalizedUserName"/>.</summary>
public sealed class User
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public required string UserName { get; set; }

    /// <summary>Upper-invariant form of <see cref="UserName"/>; unique.</summary>
    public required string NormalizedUserName { get; set; }

    /// <summary>Optional friendlier name shown in the UI (never used to sign in).</summary>
    public string? DisplayName { get; set; }

    /// <summary>Where password-reset mail goes. Null: a username that is an email address is used, else no mail
    /// is sent and the reset request waits for an administrator.</summary>
    public string? Email { get; set; }

    /// <summary>Null while the account waits for token-first onboarding.</summary>
    public string? PasswordHash { get; set; }

    public required string Role { get; set; }

    /// <summary>False: disabled by an administrator. Refused at sign-in; existing tokens stop working.</summary>
    public bool IsActive { get; set; } = true;

    /// <summary>Locked by an administrator until unlocked (unlike the temporary <see cref="LockoutEnd"/>).
    /// Refused at sign-in; existing tokens stop working.</summary>
    public bool IsLocked { get; set; }

    public string? LockReason { get; set; }

    /// <summary>Consecutive failed sign-ins since the last success or lockout.</summary>
    public int FailedLoginCount { get; set; }

    /// <summary>Automatic lockout after too many failures: password sign-in is refused until then. Existing
    /// sessions keep working (otherwise anyone could sign a victim out by guessing wrong five times).</summary>
    public DateTime? LockoutEnd { get; set; }

    public bool MustChangePassword { get; set; }

    /// <summary>Changes whenever credentials, role or state change; access tokens carry it so they can be revoked.</summary>
    public string SecurityStamp { get; set; } = NewSecurityStamp();

    public DateTime CreatedAt { get; set; } = DateTime.UtcNow;

    public DateTime UpdatedAt { get; set; } = DateTime.UtcNow;

    public DateTime? LastLoginAt { get; set; }

    public DateTime? PasswordChangedAt { get; set; }

    /// <summary>Soft delete (issue 6). A deleted user is treated as unknown everywhere.</summary>
    public DateTime? DeletedAt { get; set; }

    public static string Normalize(string userName) => userName.Trim().ToUpperInvariant();

    public static string NewSecurityStamp() => Guid.NewGuid().ToString("N");

    public bool IsLockedOut(DateTime now) => LockoutEnd is { } end && end > now;

    /// <summary>May hold a session at all (sign-in additionally checks <see cref="IsLockedOut"/>).</summary>
    public bool CanHoldSession => IsActive && !IsLocked && DeletedAt is null;
}
