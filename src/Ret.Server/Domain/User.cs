namespace Ret.Server.Domain;

/// <summary>A person who signs in. Usernames are matched case-insensitively through <see cref="NormalizedUserName"/>.</summary>
public sealed class User
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public required string UserName { get; set; }

    /// <summary>Upper-invariant form of <see cref="UserName"/>; unique.</summary>
    public required string NormalizedUserName { get; set; }

    /// <summary>Null while the account waits for token-first onboarding.</summary>
    public string? PasswordHash { get; set; }

    public required string Role { get; set; }

    public bool IsActive { get; set; } = true;

    public bool MustChangePassword { get; set; }

    /// <summary>Changes whenever credentials, role or state change; access tokens carry it so they can be revoked.</summary>
    public string SecurityStamp { get; set; } = Guid.NewGuid().ToString("N");

    public DateTime CreatedAt { get; set; } = DateTime.UtcNow;

    public DateTime UpdatedAt { get; set; } = DateTime.UtcNow;

    public DateTime? LastLoginAt { get; set; }

    public static string Normalize(string userName) => userName.Trim().ToUpperInvariant();
}
