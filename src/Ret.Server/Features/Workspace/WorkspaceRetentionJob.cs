using Hangfire;
using Microsoft.EntityFrameworkCore;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Persistence;

namespace Ret.Server.Features.Workspace;

/// <summary>Recurring: deletes sessions past their expiry (no activity for the retention period), expired download
/// tickets and abandoned uploads, sessions of deleted accounts, and folders no session owns. Idempotent.</summary>
public sealed class WorkspaceRetentionJob(RetDbContext db, WorkspaceRemover remover, Uploads.TusUploadStore uploads, TimeProvider clock,
    Microsoft.Extensions.Options.IOptionsSnapshot<WorkspaceOptions> options, ILogger<WorkspaceRetentionJob> logger)
{
    public const string RecurringId = "workspace-retention";

    [DisableConcurrentExecution(timeoutInSeconds: 300)]
    [AutomaticRetry(Attempts = 2)]
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        // The retention period is an administrator setting: a shorter one applies to existing sessions at once.
        // Sessions of deleted accounts go too (their owner can no longer reach them).
        var idleCutoff = now.AddHours(-options.Value.RetentionHours);
        var expired = await db.Set<WorkspaceSession>()
            .Where(s => s.ActiveJobId == null && (s.ExpiresAt < now || s.UpdatedAt < idleCutoff
                || db.Users.Any(u => u.Id == s.OwnerId && u.DeletedAt != null)))
            .OrderBy(s => s.ExpiresAt).Take(500).ToListAsync(ct);
        foreach (var session in expired)
        {
            await remover.DeleteAsync(session, ct);
        }

        var uploadCutoff = now - uploads.Limits.Expiration;
        var abandoned = uploads.ExpireOlderThan(new DateTimeOffset(uploadCutoff, TimeSpan.Zero));
        await db.Set<WorkspaceFile>().Where(f => f.State == WorkspaceFileState.Uploading && f.CreatedAt < uploadCutoff).ExecuteDeleteAsync(ct);
        var tickets = await db.Set<DownloadTicket>().Where(t => t.ExpiresAt < now.AddMinutes(-5)).ExecuteDeleteAsync(ct);
        var orphans = await remover.RemoveOrphanFoldersAsync(ct);
        if (expired.Count + tickets + orphans + abandoned > 0)
        {
            logger.LogInformation("Workspace retention removed {Sessions} expired sessions, {Uploads} abandoned uploads, {Tickets} tickets, {Orphans} orphan folders",
                expired.Count, abandoned, tickets, orphans);
        }

        return expired.Count;
    }
}
