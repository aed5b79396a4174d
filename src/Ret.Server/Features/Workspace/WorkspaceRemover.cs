using Hangfire;
using Microsoft.EntityFrameworkCore;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Persistence;

namespace Ret.Server.Features.Workspace;

/// <summary>Deletes a session completely: its running job is cancelled, its rows removed (cascade) and its folder
/// deleted. Files go after the rows, so a crash in between leaves an orphan folder (removed by the retention job)
/// rather than rows pointing at missing files.</summary>
public sealed class WorkspaceRemover(RetDbContext db, WorkspaceStorage storage, SessionTables tables,
    IBackgroundJobClient queue, Jobs.ScanExtractions extractions, Tables.DownloadPrecompressor precompressor, ILogger<WorkspaceRemover> logger)
{
    public async Task DeleteAsync(WorkspaceSession session, CancellationToken ct)
    {
        var running = await db.Set<JobRecord>()
            .Where(j => j.SessionId == session.Id && (j.State == JobState.Queued || j.State == JobState.Running))
            .Select(j => j.HangfireJobId).ToListAsync(ct);
        foreach (var hangfireId in running.Where(h => h is not null))
        {
            queue.Delete(hangfireId!); // signals the worker's cancellation token
        }

        db.Remove(session);
        await db.SaveChangesAsync(ct);

        await tables.CloseAsync(session.Id, ct); // DuckDB must let go of the file first
        extractions.Drop(session.Id);
        await precompressor.WaitForRunsAsync(storage.SessionDir(session.Id), ct); // a conversion's downloads may still be deflating
        try
        {
            storage.DeleteSession(session.Id);
        }
        catch (IOException ex)
        {
            logger.LogWarning(ex, "Could not remove all files of session {SessionId}; the retention job will retry", session.Id);
        }
    }

    /// <summary>Removes folders under the workspace root that no session row owns (left by a crash or a failed delete).</summary>
    public async Task<int> RemoveOrphanFoldersAsync(CancellationToken ct)
    {
        if (!Directory.Exists(storage.Root))
        {
            return 0;
        }

        var known = (await db.Set<WorkspaceSession>().Select(s => s.Id).ToListAsync(ct)).Select(i => i.ToString("N")).ToHashSet();
        var removed = 0;
        foreach (var dir in Directory.EnumerateDirectories(storage.Root))
        {
            var name = Path.GetFileName(dir);
            if (!known.Contains(name) && Directory.GetLastWriteTimeUtc(dir) < DateTime.UtcNow.AddMinutes(-10))
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                    removed++;
                }
                catch (IOException)
                {
                }
            }
        }

        return removed;
    }
}
