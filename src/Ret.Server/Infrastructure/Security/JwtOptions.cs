using System.ComponentModel.DataAnnotations;

namespace Ret.Server.Infrastructure.Security;

/// <summary>Access-token settings. Section <c>Auth:Jwt</c>.</summary>
public sealed class JwtOptions : IValidatableObject
{
    public const string Section = "Auth:Jwt";

    [Required(AllowEmptyStrings = false)]
    public string Issuer { get; set; } = "ret";

    [Required(AllowEmptyStrings = false)]
    public string Audience { get; set; } = "ret-api";

    /// <summary>Lifetime of an access token (10–15 minutes recommended).</summary>
    [Range(1, 60)]
    public int AccessTokenMinutes { get; set; } = 15;

    /// <summary>Base64 HMAC-SHA256 key of at least 32 bytes. Empty: a key is generated once and kept in
    /// <c>runtime/keys/jwt-signing.key</c> (0600). Several web nodes must share one configured key.</summary>
    public string? SigningKey { get; set; }

    /// <summary>How long a node may trust its cached copy of a user's security stamp and state. A change made on
    /// this node applies at once; on other nodes within this many seconds. 0 = check the database every time.</summary>
    [Range(0, 30)]
    public int StampCheckSeconds { get; set; } = 10;

    /// <summary>Lifetime of the admin console cookie (job dashboard, API docs, detailed health).</summary>
    [Range(1, 120)]
    public int ConsoleSessionMinutes { get; set; } = 30;

    /// <summary>Audience of console-session tokens; never accepted as an API access token.</summary>
    public const string ConsoleAudience = "ret-console";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Audience == ConsoleAudience)
        {
            yield return new ValidationResult($"must not be '{ConsoleAudience}' (reserved for console sessions).", [nameof(Audience)]);
        }

        if (string.IsNullOrEmpty(SigningKey))
        {
            yield break;
        }

        byte[]? bytes = null;
        try
        {
            bytes = Convert.FromBase64String(SigningKey);
        }
        catch (FormatException)
        {
        }

        if (bytes is null || bytes.Length < 32)
        {
            yield return new ValidationResult("must be base64 of at least 32 random bytes (e.g. `openssl rand -base64 48`).", [nameof(SigningKey)]);
        }
    }
}
