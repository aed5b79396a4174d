using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Features.Workspace;

/// <summary>Owner-scoped access to workspace sessions. Every query filters by the caller's id, so another user's
/// session is indistinguishable from a missing one (404).</summary>
public sealed class WorkspaceSessions(RetDbContext db, IOptionsSnapshot<WorkspaceOptions> options, TimeProvider clock)
{
    public IQueryable<WorkspaceSession> Owned(ClaimsPrincipal user)
    {
        var ownerId = user.RequiredUserId();
        return db.Set<WorkspaceSession>().Where(s => s.OwnerId == ownerId);
    }

    public Task<WorkspaceSession?> FindAsync(ClaimsPrincipal user, Guid id, CancellationToken ct)
        => Owned(user).FirstOrDefaultAsync(s => s.Id == id, ct);

    /// <summary>Marks activity: retention counts from the last time the user did something with the session.</summary>
    public void Touch(WorkspaceSession session)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        session.UpdatedAt = now;
        session.ExpiresAt = now.AddHours(options.Value.RetentionHours);
    }

    public WorkspaceSession Create(Guid ownerId, string name)
    {
        var session = new WorkspaceSession { OwnerId = ownerId, Name = name };
        Touch(session);
        session.CreatedAt = session.UpdatedAt;
        db.Add(session);
        return session;
    }

    /// <summary>Bytes the user occupies across all sessions (what the quota counts).</summary>
    public Task<long> UsedBytesAsync(Guid ownerId, CancellationToken ct)
        => db.Set<WorkspaceSession>().Where(s => s.OwnerId == ownerId).SumAsync(s => s.SizeBytes, ct);
}
