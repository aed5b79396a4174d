namespace Ret.Server.Domain;

public static class PasswordResetStatus
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public const string Completed = "completed";
}

/// <summary>A user's "forgot password" request, visible to administrators. Mailed requests are approved by the
/// system at once; without a mail address the request waits for an administrator to issue a token.</summary>
public sealed class PasswordResetRequest
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid UserId { get; set; }

    public DateTime CreatedAt { get; set; }

    public required string Status { get; set; }

    /// <summary>The administrator who approved or rejected it; null when decided by the system.</summary>
    public Guid? DecidedById { get; set; }

    public DateTime? DecidedAt { get; set; }

    public string? Reason { get; set; }

    public string? RequestedFromIp { get; set; }
}

public static class PasswordResetPurpose
{
    /// <summary>Forgot-password link (≤ 1 h).</summary>
    public const string Reset = "reset";

    /// <summary>Token-first onboarding of an account created without a password (longer-lived).</summary>
    public const string Setup = "setup";
}

/// <summary>A single-use token that sets a new password. Only its SHA-256 is stored. Issuing a new token or any
/// password change revokes the user's outstanding ones.</summary>
public sealed class PasswordResetToken
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid UserId { get; set; }

    public required string TokenHash { get; set; }

    public required string Purpose { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    public DateTime? UsedAt { get; set; }

    public DateTime? RevokedAt { get; set; }

    /// <summary>The administrator who issued it; null for self-service.</summary>
    public Guid? IssuedById { get; set; }

    public Guid? RequestId { get; set; }
}
