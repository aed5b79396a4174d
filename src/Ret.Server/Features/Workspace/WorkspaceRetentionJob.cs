using Hangfire;
using Microsoft.EntityFrameworkCore;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Persistence;

namespace Ret.Server.Features.Workspace;

/// <summary>Recurring: deletes sessions past their expiry (no activity for the retention period), expired download
/// tickets and abandoned uploads, and folders no session owns. Idempotent.</summary>
public sealed class WorkspaceRetentionJob(RetDbContext db, WorkspaceRemover remover, TimeProvider clock, ILogger<WorkspaceRetentionJob> logger)
{
    public const string RecurringId = "workspace-retention";

    [DisableConcurrentExecution(timeoutInSeconds: 300)]
    [AutomaticRetry(Attempts = 2)]
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var expired = await db.Set<WorkspaceSession>()
            .Where(s => s.ExpiresAt < now && s.ActiveJobId == null)
            .OrderBy(s => s.ExpiresAt).Take(500).ToListAsync(ct);
        foreach (var session in expired)
        {
            await remover.DeleteAsync(session, ct);
        }

        var tickets = await db.Set<DownloadTicket>().Where(t => t.ExpiresAt < now.AddMinutes(-5)).ExecuteDeleteAsync(ct);
        var orphans = await remover.RemoveOrphanFoldersAsync(ct);
        if (expired.Count + tickets + orphans > 0)
        {
            logger.LogInformation("Workspace retention removed {Sessions} expired sessions, {Tickets} tickets, {Orphans} orphan folders",
                expired.Count, tickets, orphans);
        }

        return expired.Count;
    }
}
