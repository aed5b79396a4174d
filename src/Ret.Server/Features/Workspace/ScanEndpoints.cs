using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Ret.Conversion.Archives;
using Ret.Conversion.Conversion;
using Ret.Conversion.Scanning;
using Ret.Server.Domain;
using Ret.Server.Features.Jobs;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Http;

namespace Ret.Server.Features.Workspace;

/// <summary>The scan report of a session: summary, groups and tables, and the paged list of entries.</summary>
internal static class ScanEndpoints
{
    public static async Task<Results<Ok<ScanResultDto>, NotFound<ProblemDetails>>> GetAsync(Guid id, HttpContext http,
        WorkspaceSessions sessions, WorkspaceStorage storage, CancellationToken ct)
    {
        var report = await LoadAsync(id, http, sessions, storage, ct);
        if (report is null)
        {
            return TypedResults.NotFound(new ProblemDetails { Title = "This session has not been scanned yet.", Status = 404 });
        }

        var groups = report.Groups.Select(g => new ScanGroupDto(g.Name, g.FileCount, g.Bytes, g.Tables
            .Select(t => new ScanTableDto(t.Name, t.RecordElement, t.RecordPaths, t.Files.Count, t.Columns ?? [], Math.Max(t.ColumnCount, t.Columns?.Count ?? 0), t.ColumnCountExact))
            .ToList())).ToList();
        return TypedResults.Ok(new ScanResultDto(Summarize(report), groups));
    }

    public static async Task<Results<Ok<PageOf<ScanEntryDto>>, NotFound<ProblemDetails>, ValidationProblem>> EntriesAsync(Guid id,
        HttpContext http, WorkspaceSessions sessions, WorkspaceStorage storage, string? kind, string? search, int? page, int? pageSize,
        CancellationToken ct)
    {
        var unreadable = string.Equals(kind, "unreadable", StringComparison.OrdinalIgnoreCase);
        EntryKind? wanted = kind?.ToLowerInvariant() switch
        {
            null or "" => null,
            "xml" or "unreadable" => EntryKind.Xml,
            "skipped" => EntryKind.Skipped,
            "rejected" => EntryKind.Rejected,
            _ => (EntryKind)(-1),
        };
        if (wanted == (EntryKind)(-1))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["kind"] = ["Use xml, unreadable, skipped or rejected."] });
        }

        var report = await LoadAsync(id, http, sessions, storage, ct);
        if (report is null)
        {
            return TypedResults.NotFound(new ProblemDetails { Title = "This session has not been scanned yet.", Status = 404 });
        }

        var (p, size) = PageWindow.From(page, pageSize);
        var entries = report.Entries.Where(e => e.Kind != EntryKind.Archive && (wanted is null || e.Kind == wanted)
            && (!unreadable || IsUnreadable(e))
            && (string.IsNullOrWhiteSpace(search) || e.Path.Contains(search.Trim(), StringComparison.OrdinalIgnoreCase))).ToList();
        var items = entries.Skip((p - 1) * size).Take(size).Select(e => new ScanEntryDto(e.Path, e.Kind.ToString().ToLowerInvariant(),
            e.Reason, e.Size, e.Group, e.RecordPath, e.Encoding)).ToList();
        return TypedResults.Ok(new PageOf<ScanEntryDto>(items, entries.Count, p, size));
    }

    public static async Task<Results<Accepted<JobDto>, NotFound, Conflict<ProblemDetails>>> RescanAsync(Guid id, HttpContext http,
        WorkspaceSessions sessions, JobScheduler scheduler, RetDbContext db, CancellationToken ct)
    {
        var session = await sessions.FindAsync(http.User, id, ct);
        if (session is null)
        {
            return TypedResults.NotFound();
        }

        if (session.FileCount == 0)
        {
            return TypedResults.Conflict(new ProblemDetails { Title = "Upload files before scanning.", Status = 409 });
        }

        sessions.Touch(session);
        var job = await scheduler.EnqueueAsync(session, JobKind.Scan, null, ct);
        return job is null
            ? TypedResults.Conflict(new ProblemDetails { Title = "Another job of this session is running.", Status = 409 })
            : TypedResults.Accepted($"/api/jobs/{job.Id}", JobDto.From(job));
    }

    internal static ScanSummaryDto Summarize(ScanReport report) => new(
        report.Entries.Count(e => e.Kind != EntryKind.Archive),
        report.XmlFileCount,
        report.Groups.Count,
        report.Groups.Sum(g => g.Tables.Count),
        report.TotalBytes,
        report.SkippedCount,
        report.RejectedCount,
        report.Entries.Count(IsUnreadable),
        report.StoppedReason);

    /// <summary>An XML file whose parse failed in the scan (the reason is the parse error).</summary>
    private static bool IsUnreadable(ScannedEntry entry) => entry.Kind == EntryKind.Xml && entry.Reason is not null;

    private static async Task<ScanReport?> LoadAsync(Guid id, HttpContext http, WorkspaceSessions sessions, WorkspaceStorage storage, CancellationToken ct)
    {
        var session = await sessions.FindAsync(http.User, id, ct);
        var path = session is null ? null : storage.ScanFile(session.Id);
        return path is null || !File.Exists(path) ? null : RetJsonContext.DeserializeScan(await File.ReadAllTextAsync(path, ct));
    }
}
