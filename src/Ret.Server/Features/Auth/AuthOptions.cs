using System.ComponentModel.DataAnnotations;

namespace Ret.Server.Features.Auth;

/// <summary>Refresh-token (sign-in session) lifetimes. Section <c>Auth:Refresh</c>.</summary>
public sealed class RefreshTokenOptions
{
    public const string Section = "Auth:Refresh";

    /// <summary>A session ends this long after sign-in, however active it is.</summary>
    [Range(1, 90)]
    public int AbsoluteLifetimeDays { get; set; } = 14;

    /// <summary>A session not refreshed for this long ends.</summary>
    [Range(1, 720)]
    public int IdleLifetimeHours { get; set; } = 24;
}

/// <summary>Account lockout after repeated wrong passwords. Section <c>Auth:Lockout</c>.</summary>
public sealed class LockoutOptions
{
    public const string Section = "Auth:Lockout";

    [Range(1, 1000)]
    public int MaxFailedAttempts { get; set; } = 5;

    [Range(1, 1440)]
    public int LockoutMinutes { get; set; } = 15;
}

/// <summary>Password-reset and onboarding tokens. Section <c>Auth:Reset</c>.</summary>
public sealed class ResetOptions
{
    public const string Section = "Auth:Reset";

    /// <summary>Self-service reset links (ASVS: at most an hour).</summary>
    [Range(5, 60)]
    public int TokenMinutes { get; set; } = 30;

    /// <summary>Reset tokens an administrator issues for a user (handed over out of band).</summary>
    [Range(5, 60)]
    public int AdminTokenMinutes { get; set; } = 60;

    /// <summary>Setup tokens for accounts created without a password (token-first onboarding).</summary>
    [Range(1, 336)]
    public int SetupTokenHours { get; set; } = 72;
}

/// <summary>Product-level settings. Section <c>App</c>.</summary>
public sealed class AppOptions : IValidatableObject
{
    public const string Section = "App";

    /// <summary>The address users reach RET at; reset links in mail start with it.</summary>
    [Required(AllowEmptyStrings = false)]
    public string PublicBaseUrl { get; set; } = "http://localhost:8000";

    /// <summary>Lets the login page offer demo credentials. Off by default; never on for real data.</summary>
    public bool DemoMode { get; set; }

    public string? DemoUsername { get; set; }

    public string? DemoPassword { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
        {
            yield return new ValidationResult("must be an absolute http(s) URL such as https://ret.example.com.", [nameof(PublicBaseUrl)]);
        }

        if (DemoMode && (string.IsNullOrWhiteSpace(DemoUsername) || string.IsNullOrEmpty(DemoPassword)))
        {
            yield return new ValidationResult("DemoUsername and DemoPassword are required when DemoMode is on.", [nameof(DemoMode)]);
        }
    }
}
