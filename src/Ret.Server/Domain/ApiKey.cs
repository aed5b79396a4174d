namespace Ret.Server.Domain;

/// <summary>A personal API key for scripts: <c>ret_</c> + base64url(32 random bytes). Only its SHA-256 and a
/// short display prefix are stored; the key itself is shown once.</summary>
public sealed class ApiKey
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid UserId { get; set; }

    public required string Name { get; set; }

    /// <summary>First characters of the key (e.g. <c>ret_AbC1xY</c>) so its owner can recognise it.</summary>
    public required string Prefix { get; set; }

    /// <summary>Lower-case hex SHA-256 of the whole key; unique.</summary>
    public required string KeyHash { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? ExpiresAt { get; set; }

    /// <summary>Updated at most once a minute.</summary>
    public DateTime? LastUsedAt { get; set; }

    public DateTime? RevokedAt { get; set; }
}
