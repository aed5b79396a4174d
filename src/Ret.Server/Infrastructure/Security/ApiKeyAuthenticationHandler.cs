using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Ret.Server.Infrastructure.Persistence;

namespace Ret.Server.Infrastructure.Security;

/// <summary><c>Authorization: ApiKey ret_…</c>: looks the key up by its SHA-256, refuses revoked or expired keys and
/// owners who are disabled, locked or deleted, and signs the request in as the owner (same role and policies).
/// The last-used time is written at most once a minute.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    RetDbContext db,
    TimeProvider clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string HeaderPrefix = "ApiKey ";
    public const string KeyPrefix = "ret_";
    private static readonly TimeSpan LastUsedGranularity = TimeSpan.FromMinutes(1);

    public static bool IsApiKeyRequest(HttpRequest request)
        => request.Headers.Authorization.ToString().StartsWith(HeaderPrefix, StringComparison.OrdinalIgnoreCase);

    public static bool LooksLikeKey(string key)
        => key.StartsWith(KeyPrefix, StringComparison.Ordinal) && SecretToken.LooksValid(key[KeyPrefix.Length..], 43, 43);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!IsApiKeyRequest(Request))
        {
            return AuthenticateResult.NoResult();
        }

        var key = Request.Headers.Authorization.ToString()[HeaderPrefix.Length..].Trim();
        if (!LooksLikeKey(key))
        {
            return AuthenticateResult.Fail("Invalid API key.");
        }

        var hash = SecretToken.Hash(key);
        var now = clock.GetUtcNow().UtcDateTime;
        var found = await (
                from k in db.ApiKeys.AsNoTracking()
                join u in db.Users.AsNoTracking() on k.UserId equals u.Id
                where k.KeyHash == hash && k.RevokedAt == null
                select new
                {
                    k.Id,
                    k.ExpiresAt,
                    k.LastUsedAt,
                    UserId = u.Id,
                    u.UserName,
                    u.Role,
                    u.MustChangePassword,
                    CanHoldSession = u.IsActive && !u.IsLocked && u.DeletedAt == null,
                })
            .FirstOrDefaultAsync(Context.RequestAborted);
        if (found is null || !found.CanHoldSession || (found.ExpiresAt is { } expires && expires <= now))
        {
            return AuthenticateResult.Fail("Invalid API key.");
        }

        if (found.LastUsedAt is null || found.LastUsedAt < now - LastUsedGranularity)
        {
            var cutoff = now - LastUsedGranularity;
            await db.ApiKeys
                .Where(k => k.Id == found.Id && (k.LastUsedAt == null || k.LastUsedAt < cutoff))
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), Context.RequestAborted);
        }

        var claims = new List<Claim>
        {
            new(RetClaims.Subject, found.UserId.ToString()),
            new(RetClaims.Name, found.UserName),
            new(RetClaims.Role, found.Role),
            new(RetClaims.ApiKeyId, found.Id.ToString()),
        };
        if (found.MustChangePassword)
        {
            claims.Add(new Claim(RetClaims.MustChangePassword, "true"));
        }

        var identity = new ClaimsIdentity(claims, Scheme.Name, RetClaims.Name, RetClaims.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }
}
