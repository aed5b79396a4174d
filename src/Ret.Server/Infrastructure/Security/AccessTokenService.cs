using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Ret.Server.Domain;

namespace Ret.Server.Infrastructure.Security;

/// <summary>Issues the HS256 JWTs: API access tokens (audience <see cref="JwtOptions.Audience"/>) and admin console
/// sessions (audience <see cref="JwtOptions.ConsoleAudience"/>). Claims: sub, name, role, sstamp, jti, iat.</summary>
public sealed class AccessTokenService(IOptions<JwtOptions> options, SigningKeyProvider keys, TimeProvider clock)
{
    private static readonly JsonWebTokenHandler Handler = new();

    public IssuedToken IssueAccessToken(User user)
        => Issue(user, options.Value.Audience, TimeSpan.FromMinutes(options.Value.AccessTokenMinutes));

    public IssuedToken IssueConsoleToken(User user)
        => Issue(user, JwtOptions.ConsoleAudience, TimeSpan.FromMinutes(options.Value.ConsoleSessionMinutes));

    private IssuedToken Issue(User user, string audience, TimeSpan lifetime)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var expires = now + lifetime;
        var token = Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Value.Issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = expires,
            SigningCredentials = new SigningCredentials(keys.Key, SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                [RetClaims.Subject] = user.Id.ToString(),
                [RetClaims.Name] = user.UserName,
                [RetClaims.Role] = user.Role,
                [RetClaims.SecurityStamp] = user.SecurityStamp,
                [RetClaims.TokenId] = Guid.NewGuid().ToString("N"),
            },
        });
        return new IssuedToken(token, expires, (int)lifetime.TotalSeconds);
    }
}

public sealed record IssuedToken(string Value, DateTime ExpiresAt, int ExpiresInSeconds);
