namespace Ret.Server.Infrastructure.Security;

/// <summary>Claim types of RET principals (JWT access tokens, console sessions and API keys alike).</summary>
public static class RetClaims
{
    public const string Subject = "sub";
    public const string Name = "name";
    public const string Role = "role";

    /// <summary>The user's security stamp when the token was issued; a mismatch revokes the token.</summary>
    public const string SecurityStamp = "sstamp";

    public const string TokenId = "jti";
    public const string IssuedAt = "iat";

    /// <summary>Added on authentication (from the database, not the token) while the user must change password.</summary>
    public const string MustChangePassword = "ret:mcp";

    /// <summary>Present when the caller authenticated with an API key (its id).</summary>
    public const string ApiKeyId = "ret:api_key";

    public static Guid? UserId(this System.Security.Claims.ClaimsPrincipal principal)
        => Guid.TryParse(principal.FindFirst(Subject)?.Value, out var id) ? id : null;

    public static Guid RequiredUserId(this System.Security.Claims.ClaimsPrincipal principal)
        => principal.UserId() ?? throw new InvalidOperationException("The principal has no user id.");

    public static string? UserName(this System.Security.Claims.ClaimsPrincipal principal) => principal.FindFirst(Name)?.Value;
}
