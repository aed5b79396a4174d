namespace Ret.Server.Domain;

/// <summary>One refresh token of a sign-in session. A session (one device/browser) is a <see cref="FamilyId"/>;
/// every use rotates the token: the used one points to its successor through <see cref="ReplacedById"/>.
/// Only the SHA-256 of the token is stored.</summary>
public sealed class RefreshToken
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid FamilyId { get; set; }

    public Guid UserId { get; set; }

    /// <summary>Lower-case hex SHA-256 of the token; unique.</summary>
    public required string TokenHash { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>When the session (family) began; carried over on rotation.</summary>
    public DateTime SessionCreatedAt { get; set; }

    /// <summary>Absolute end of the session; carried over on rotation, never extended.</summary>
    public DateTime ExpiresAt { get; set; }

    /// <summary>Unused until then, the token dies (idle lifetime); each rotation starts a new idle window.</summary>
    public DateTime IdleExpiresAt { get; set; }

    /// <summary>When this token was presented and rotated.</summary>
    public DateTime? LastUsedAt { get; set; }

    public Guid? ReplacedById { get; set; }

    public DateTime? RevokedAt { get; set; }

    public string? RevokedReason { get; set; }

    public string? CreatedByIp { get; set; }

    public string? UserAgent { get; set; }
}
