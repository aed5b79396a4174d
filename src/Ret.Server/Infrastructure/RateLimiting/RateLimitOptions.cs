using System.ComponentModel.DataAnnotations;

namespace Ret.Server.Infrastructure.RateLimiting;

/// <summary>Request rate limits (fixed windows, in memory per node). Section <c>RateLimits</c>.</summary>
public sealed class RateLimitOptions : IValidatableObject
{
    public const string Section = "RateLimits";

    /// <summary>Off only for load tests; the account lockout still applies.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Sign-in attempts from one client IP (IPv6: per /64).</summary>
    public WindowLimit LoginPerIp { get; set; } = new(60, 60);

    /// <summary>Sign-in attempts naming one account, from anywhere.</summary>
    public WindowLimit LoginPerAccount { get; set; } = new(20, 60);

    /// <summary>Reset requests and reset confirmations from one client IP.</summary>
    public WindowLimit ResetPerIp { get; set; } = new(20, 900);

    /// <summary>Reset requests naming one account (or confirmations with one token).</summary>
    public WindowLimit ResetPerAccount { get; set; } = new(5, 900);

    /// <summary>Policy <c>per-user-heavy</c> for expensive endpoints (convert, chat): per signed-in user.</summary>
    public WindowLimit HeavyPerUser { get; set; } = new(30, 60);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, limit) in new[]
                 {
                     (nameof(LoginPerIp), LoginPerIp), (nameof(LoginPerAccount), LoginPerAccount),
                     (nameof(ResetPerIp), ResetPerIp), (nameof(ResetPerAccount), ResetPerAccount),
                     (nameof(HeavyPerUser), HeavyPerUser),
                 })
        {
            if (limit is null || limit.PermitLimit is < 1 or > 1_000_000 || limit.WindowSeconds is < 1 or > 86_400)
            {
                yield return new ValidationResult("needs PermitLimit 1–1000000 and WindowSeconds 1–86400.", [name]);
            }
        }
    }
}

public sealed class WindowLimit
{
    public WindowLimit()
    {
    }

    public WindowLimit(int permitLimit, int windowSeconds)
    {
        PermitLimit = permitLimit;
        WindowSeconds = windowSeconds;
    }

    public int PermitLimit { get; set; }

    public int WindowSeconds { get; set; }
}
