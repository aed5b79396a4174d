using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Ret.Server.Infrastructure.Persistence;

namespace Ret.Server.Infrastructure.Security;

/// <summary>What every authenticated request needs to know about its user, read from the database at most once per
/// <see cref="JwtOptions.StampCheckSeconds"/> per node. Whoever changes a user calls <see cref="Invalidate"/>, so the
/// change applies at once on this node (other nodes catch up when their entry expires).</summary>
public sealed class UserStateCache(IMemoryCache cache, IOptions<JwtOptions> options)
{
    public async Task<UserState?> GetAsync(RetDbContext db, Guid userId, CancellationToken cancellationToken)
    {
        var seconds = options.Value.StampCheckSeconds;
        var key = Key(userId);
        if (seconds > 0 && cache.TryGetValue(key, out UserState? cached))
        {
            return cached;
        }

        var state = await db.Users.AsNoTracking()
            .Where(u => u.Id == userId)
            .Select(u => new UserState(u.SecurityStamp, u.Role, u.IsActive && !u.IsLocked && u.DeletedAt == null, u.MustChangePassword))
            .FirstOrDefaultAsync(cancellationToken);
        if (seconds > 0)
        {
            // Unknown users are cached too (as null), so a flood of tokens for a deleted user stays cheap.
            cache.Set(key, state, TimeSpan.FromSeconds(seconds));
        }

        return state;
    }

    public void Invalidate(Guid userId) => cache.Remove(Key(userId));

    private static string Key(Guid userId) => "ret:user-state:" + userId.ToString("N");
}

public sealed record UserState(string SecurityStamp, string Role, bool CanHoldSession, bool MustChangePassword);
