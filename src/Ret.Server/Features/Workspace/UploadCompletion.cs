using Microsoft.EntityFrameworkCore;
using Ret.Server.Domain;
using Ret.Server.Features.Jobs;
using Ret.Server.Features.Workspace.Uploads;
using Ret.Server.Infrastructure.Persistence;

namespace Ret.Server.Features.Workspace;

/// <summary>What happens around an upload's bytes: progress on the file row, and on the last byte the move into the
/// session's input folder (under a server-made, de-duplicated name) and a scan — queued now, or after the running job.</summary>
public sealed class UploadCompletion(RetDbContext db, WorkspaceStorage storage, WorkspaceSessions sessions, JobScheduler scheduler,
    Jobs.ScanExtractions extractions)
{
    public async Task ProgressAsync(UploadInfo info, string? completedPath, CancellationToken ct)
    {
        var key = info.Id.ToString("N");
        var file = await db.Set<WorkspaceFile>().FirstOrDefaultAsync(f => f.UploadId == key && f.OwnerId == info.OwnerId, ct);
        if (file is null)
        {
            return;
        }

        file.UploadedBytes = info.Offset;
        if (completedPath is null)
        {
            await db.SaveChangesAsync(ct);
            return;
        }

        var session = await db.Set<WorkspaceSession>().FirstAsync(s => s.Id == file.SessionId, ct);
        file.StoredName = MoveIntoInput(session.Id, completedPath, info.FileName);
        file.State = WorkspaceFileState.Complete;
        file.UploadId = null;
        await FileAddedAsync(session, ct);
    }

    public async Task RejectAsync(UploadInfo info, string? reason, CancellationToken ct)
    {
        var key = info.Id.ToString("N");
        await db.Set<WorkspaceFile>().Where(f => f.UploadId == key && f.OwnerId == info.OwnerId)
            .ExecuteUpdateAsync(s => s.SetProperty(f => f.State, WorkspaceFileState.Rejected).SetProperty(f => f.Reason, reason), ct);
    }

    public async Task<WorkspaceFile> AddCompleteFileAsync(WorkspaceSession session, Guid owner, string name, string path, long bytes, CancellationToken ct)
    {
        var file = new WorkspaceFile
        {
            SessionId = session.Id,
            OwnerId = owner,
            Name = name,
            StoredName = MoveIntoInput(session.Id, path, name),
            SizeBytes = bytes,
            UploadedBytes = bytes,
            State = WorkspaceFileState.Complete,
        };
        db.Add(file);
        await FileAddedAsync(session, ct);
        return file;
    }

    private async Task FileAddedAsync(WorkspaceSession session, CancellationToken ct)
    {
        extractions.Drop(session.Id); // made from the files before this one
        sessions.Touch(session);
        await db.SaveChangesAsync(ct);
        session.FileCount = await CompleteFilesAsync(session.Id, ct);
        session.SizeBytes = WorkspaceStorage.SizeOf(storage.SessionDir(session.Id));
        await db.SaveChangesAsync(ct);
        if (await scheduler.EnqueueAsync(session, JobKind.Scan, null, ct) is null)
        {
            session.RescanRequested = true; // a job is running: scan again when it ends
            await db.SaveChangesAsync(ct);
        }
    }

    /// <summary>Files of the session that arrived whole.</summary>
    internal Task<int> CompleteFilesAsync(Guid sessionId, CancellationToken ct)
        => db.Set<WorkspaceFile>().CountAsync(f => f.SessionId == sessionId && f.State == WorkspaceFileState.Complete, ct);

    /// <summary>Moves a finished upload into <c>input/</c>. The stored name is derived from the sanitised user name —
    /// it matters for grouping (<c>AR_PAYMENT_TERM.zip</c>) — and made unique with a numeric suffix.</summary>
    private string MoveIntoInput(Guid sessionId, string source, string name)
    {
        var input = storage.InputDir(sessionId);
        Directory.CreateDirectory(input);
        var safe = UploadFileNames.Sanitise(name) ?? "upload.zip";
        var stem = Path.GetFileNameWithoutExtension(safe);
        var ext = Path.GetExtension(safe);
        var candidate = safe;
        for (var n = 2; File.Exists(Path.Combine(input, candidate)); n++)
        {
            candidate = $"{stem} ({n}){ext}";
        }

        File.Move(source, Path.Combine(input, candidate));
        return candidate;
    }
}
