using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Ret.Conversion.Conversion;
using Ret.Server.Domain;
using Ret.Server.Features.Jobs;
using Ret.Server.Infrastructure.Audit;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Security;
using Ret.Server.Infrastructure.Http;

namespace Ret.Server.Features.Workspace;

/// <summary>Create, list, read, rename and delete workspace sessions; the user's quota.</summary>
internal static class SessionEndpoints
{
    public static async Task<Created<SessionDto>> CreateAsync(CreateSessionRequest request, HttpContext http,
        WorkspaceSessions sessions, RetDbContext db, WorkspaceStorage storage, CancellationToken ct)
    {
        var name = string.IsNullOrWhiteSpace(request.Name) ? $"Session {DateTime.UtcNow:yyyy-MM-dd HH:mm}" : request.Name.Trim();
        var session = sessions.Create(http.User.RequiredUserId(), name.Length > 120 ? name[..120] : name);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/workspace/sessions/{session.Id}", await ToDtoAsync(session, db, storage, ct));
    }

    public static async Task<Ok<PageOf<SessionSummaryDto>>> ListAsync(HttpContext http, WorkspaceSessions sessions,
        int? page, int? pageSize, string? search, CancellationToken ct)
    {
        var (p, size) = PageWindow.From(page, pageSize);
        var query = sessions.Owned(http.User);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim().ToLowerInvariant();
            query = query.Where(s => EF.Functions.Like(s.Name.ToLower(), "%" + term + "%"));
        }

        var total = await query.CountAsync(ct);
        var items = await query.OrderByDescending(s => s.UpdatedAt).Skip((p - 1) * size).Take(size).AsNoTracking().ToListAsync(ct);
        return TypedResults.Ok(new PageOf<SessionSummaryDto>(items.Select(SessionSummaryDto.From).ToList(), total, p, size));
    }

    public static async Task<Results<Ok<SessionDto>, NotFound>> GetAsync(Guid id, HttpContext http, WorkspaceSessions sessions,
        RetDbContext db, WorkspaceStorage storage, CancellationToken ct)
    {
        var session = await sessions.FindAsync(http.User, id, ct);
        return session is null ? TypedResults.NotFound() : TypedResults.Ok(await ToDtoAsync(session, db, storage, ct));
    }

    public static async Task<Results<Ok<SessionDto>, NotFound, ValidationProblem>> RenameAsync(Guid id, RenameSessionRequest request,
        HttpContext http, WorkspaceSessions sessions, RetDbContext db, WorkspaceStorage storage, CancellationToken ct)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 120)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["name"] = ["A name of 1 to 120 characters is required."] });
        }

        var session = await sessions.FindAsync(http.User, id, ct);
        if (session is null)
        {
            return TypedResults.NotFound();
        }

        session.Name = name;
        sessions.Touch(session);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(await ToDtoAsync(session, db, storage, ct));
    }

    public static async Task<Results<NoContent, NotFound>> DeleteAsync(Guid id, HttpContext http, WorkspaceSessions sessions,
        WorkspaceRemover remover, IAuditLog audit, CancellationToken ct)
    {
        var session = await sessions.FindAsync(http.User, id, ct);
        if (session is null)
        {
            return TypedResults.NotFound();
        }

        await remover.DeleteAsync(session, ct);
        await audit.WriteAsync(new AuditEvent("workspace_session_deleted")
        {
            TargetType = "workspace_session",
            TargetId = session.Id.ToString(),
            Details = new { session.Name, session.SizeBytes },
        }, ct);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<QuotaDto>> QuotaAsync(HttpContext http, WorkspaceSessions sessions, IOptionsSnapshot<WorkspaceOptions> options, CancellationToken ct)
    {
        var used = await sessions.UsedBytesAsync(http.User.RequiredUserId(), ct);
        return TypedResults.Ok(new QuotaDto(used, options.Value.QuotaBytesPerUser, options.Value.MaxFileBytes));
    }

    internal static async Task<SessionDto> ToDtoAsync(WorkspaceSession s, RetDbContext db, WorkspaceStorage storage, CancellationToken ct)
    {
        var jobs = await JobsOfAsync(s, db, ct);
        // The session row and its jobs are two reads. A job that ends between them is read as finished while the row
        // read before still names it active (a job's end and the session's release are one commit), and a client that
        // sees a finished job has no reason to look again: it kept "converting" and never saw the tables become ready
        // (the browser journey hit it). The row is read again then; it is released by now.
        if (jobs.Any(j => j.Id == s.ActiveJobId && j.IsTerminal) && db.Entry(s).State == EntityState.Unchanged)
        {
            await db.Entry(s).ReloadAsync(ct);
            jobs = await JobsOfAsync(s, db, ct);
        }

        var files = await db.Set<WorkspaceFile>().AsNoTracking().Where(f => f.SessionId == s.Id)
            .OrderBy(f => f.CreatedAt).ToListAsync(ct);
        ScanSummaryDto? scan = null;
        if (s.HasScan && File.Exists(storage.ScanFile(s.Id)))
        {
            var report = RetJsonContext.DeserializeScan(await File.ReadAllTextAsync(storage.ScanFile(s.Id), ct));
            scan = report is null ? null : ScanEndpoints.Summarize(report);
        }

        var undoable = await db.Set<PatchLogEntry>().Where(p => p.SessionId == s.Id && !p.Undone).Select(p => p.EditId).Distinct().CountAsync(ct);
        JobDto? Find(Guid? jobId) => jobs.FirstOrDefault(j => j.Id == jobId) is { } j ? JobDto.From(j) : null;
        return new SessionDto(s.Id, s.Name, s.State.ToString().ToLowerInvariant(), s.CreatedAt, s.UpdatedAt, s.ExpiresAt,
            s.SizeBytes, s.FileCount, s.TableCount, files.Select(UploadedFileDto.From).ToList(), scan,
            Find(s.ActiveJobId), Find(s.LastJobId), s.TablesReady, s.CurrentConversionId is null ? null : s.TablesError, undoable);
    }

    private static Task<List<JobRecord>> JobsOfAsync(WorkspaceSession s, RetDbContext db, CancellationToken ct)
    {
        var ids = new[] { s.ActiveJobId, s.LastJobId }.Where(j => j is not null).Select(j => j!.Value).ToList();
        return db.Set<JobRecord>().AsNoTracking().Where(j => ids.Contains(j.Id)).ToListAsync(ct);
    }
}
