using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Audit;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Features.Auth;

/// <summary>Personal API keys: listed without secrets, created with the key shown once, revoked. Only the owner sees
/// or revokes a key (another user's key id is a 404).</summary>
public static class ApiKeyEndpoints
{
    public const int MaxActiveKeysPerUser = 25;

    public static async Task<Ok<List<ApiKeyDto>>> List(ClaimsPrincipal principal, RetDbContext db, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var userId = principal.RequiredUserId();
        var now = clock.GetUtcNow().UtcDateTime;
        var keys = await db.ApiKeys.AsNoTracking()
            .Where(k => k.UserId == userId && k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > now))
            .OrderByDescending(k => k.CreatedAt)
            .Select(k => new ApiKeyDto(k.Id, k.Name, k.Prefix, k.CreatedAt, k.ExpiresAt, k.LastUsedAt))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(keys);
    }

    public static async Task<Results<Created<CreatedApiKeyDto>, ValidationProblem, ProblemHttpResult>> Create(
        CreateApiKeyRequest body, ClaimsPrincipal principal, RetDbContext db, TimeProvider clock, IAuditLog audit,
        CancellationToken cancellationToken)
    {
        var userId = principal.RequiredUserId();
        var now = clock.GetUtcNow().UtcDateTime;
        var name = body.Name?.Trim() ?? string.Empty;
        var errors = new Dictionary<string, string[]>();
        if (name.Length is 0 or > 100)
        {
            errors["name"] = ["Give the key a name of 1–100 characters."];
        }

        var expiresAt = body.ExpiresAt?.UtcDateTime;
        if (expiresAt is not null && expiresAt <= now.AddMinutes(1))
        {
            errors["expiresAt"] = ["The expiry must be in the future."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var active = await db.ApiKeys.CountAsync(k => k.UserId == userId && k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > now),
            cancellationToken);
        if (active >= MaxActiveKeysPerUser)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
                title: $"You already have {MaxActiveKeysPerUser} active API keys. Revoke one first.");
        }

        var key = ApiKeyAuthenticationHandler.KeyPrefix + SecretToken.New();
        var row = new ApiKey
        {
            UserId = userId,
            Name = name,
            Prefix = key[..10],
            KeyHash = SecretToken.Hash(key),
            CreatedAt = now,
            ExpiresAt = expiresAt,
        };
        db.ApiKeys.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        await audit.WriteAsync(new AuditEvent(AuditActions.ApiKeyCreated)
        {
            TargetType = "api_key",
            TargetId = row.Id.ToString(),
            Details = new { name, prefix = row.Prefix, expiresAt },
        }, cancellationToken);
        return TypedResults.Created($"/api/auth/api-keys/{row.Id}",
            new CreatedApiKeyDto(row.Id, row.Name, row.Prefix, row.CreatedAt, row.ExpiresAt, key));
    }

    public static async Task<Results<NoContent, NotFound>> Revoke(Guid id, ClaimsPrincipal principal, RetDbContext db,
        TimeProvider clock, IAuditLog audit, CancellationToken cancellationToken)
    {
        var userId = principal.RequiredUserId();
        var now = clock.GetUtcNow().UtcDateTime;
        var revoked = await db.ApiKeys
            .Where(k => k.Id == id && k.UserId == userId && k.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, now), cancellationToken);
        if (revoked == 0)
        {
            return TypedResults.NotFound();
        }

        await audit.WriteAsync(new AuditEvent(AuditActions.ApiKeyRevoked) { TargetType = "api_key", TargetId = id.ToString() },
            cancellationToken);
        return TypedResults.NoContent();
    }
}
