using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Ret.Server.Domain;
using Ret.Server.Features.Workspace.Tables;
using Ret.Server.Infrastructure.Audit;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Http;

// EF Core translates ToLower().Contains(...) to SQL on SQLite and PostgreSQL; the StringComparison overloads do not.
#pragma warning disable CA1862

namespace Ret.Server.Features.Admin;

public sealed record AuditEntryDto(
    long Id,
    DateTime At,
    Guid? ActorId,
    string? ActorName,
    string Action,
    string? TargetType,
    string? TargetId,
    string Outcome,
    string? Details,
    string? ClientIp,
    string? RequestId,
    string? TargetName = null);

/// <summary>Filters of the audit list and its export. <c>Actor</c> matches the actor's name (contains, case-insensitive) or
/// id; <c>Target</c> the target id or type; <c>Q</c> searches the details, action and names.</summary>
public sealed record AuditQuery(
    int? Page,
    int? PageSize,
    string? Actor,
    string? Action,
    string? Target,
    string? Outcome,
    DateTime? From,
    DateTime? To,
    string? Q);

/// <summary>Reads the append-only audit log. There is deliberately nothing here that changes it.</summary>
public sealed class AuditLogQueries(RetDbContext db)
{
    public async Task<PageOf<AuditEntryDto>> ListAsync(AuditQuery q, CancellationToken ct)
    {
        var window = PageWindow.From(q.Page, q.PageSize);
        var query = Filter(q);
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(a => a.Id).Skip(window.Skip).Take(window.Size).Select(ToDto).ToListAsync(ct);
        return new PageOf<AuditEntryDto>(await WithTargetNamesAsync(rows, ct), total, window.Page, window.Size);
    }

    /// <summary>Names the users a page of entries points at (one query per page; deleted users keep their name).</summary>
    private async Task<List<AuditEntryDto>> WithTargetNamesAsync(List<AuditEntryDto> rows, CancellationToken ct)
    {
        var ids = rows.Where(r => r.TargetType == "user").Select(r => Guid.TryParse(r.TargetId, out var id) ? id : Guid.Empty)
            .Where(id => id != Guid.Empty).Distinct().ToList();
        if (ids.Count == 0)
        {
            return rows;
        }

        var names = await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.UserName, ct);
        return rows.Select(r => r.TargetType == "user" && Guid.TryParse(r.TargetId, out var id) && names.TryGetValue(id, out var name)
            ? r with { TargetName = name }
            : r).ToList();
    }

    public Task<List<string>> ActionsAsync(CancellationToken ct)
        => db.AuditLog.AsNoTracking().Select(a => a.Action).Distinct().OrderBy(a => a).ToListAsync(ct);

    /// <summary>Newest first, streamed from the database to the response (no full list in memory).</summary>
    public IAsyncEnumerable<AuditEntryDto> StreamAsync(AuditQuery q) => Filter(q).OrderByDescending(a => a.Id).Select(ToDto).AsAsyncEnumerable();

    private IQueryable<AuditEntry> Filter(AuditQuery q)
    {
        var query = db.AuditLog.AsNoTracking();
        if (AdminText.Needle(q.Actor, 64) is { } actor)
        {
            var lower = actor.ToLowerInvariant();
            query = Guid.TryParse(actor, out var actorId)
                ? query.Where(a => a.ActorId == actorId)
                : query.Where(a => a.ActorName != null && a.ActorName.ToLower().Contains(lower));
        }

        if (AdminText.Needle(q.Action, 64) is { } action)
        {
            query = query.Where(a => a.Action == action);
        }

        if (AdminText.Needle(q.Target, 64) is { } target)
        {
            query = query.Where(a => a.TargetId == target || a.TargetType == target);
        }

        if (q.Outcome is AuditOutcome.Success or AuditOutcome.Failure or AuditOutcome.Denied)
        {
            query = query.Where(a => a.Outcome == q.Outcome);
        }

        if (q.From is { } from)
        {
            var utc = AdminText.Utc(from);
            query = query.Where(a => a.At >= utc);
        }

        if (q.To is { } to)
        {
            var utc = AdminText.Utc(to);
            query = query.Where(a => a.At <= utc);
        }

        if (AdminText.Needle(q.Q) is { } text)
        {
            // Full text over what an entry says: details, action and names (LIKE; the table is bounded by retention).
            var lower = text.ToLowerInvariant();
            query = query.Where(a => (a.Details != null && a.Details.ToLower().Contains(lower))
                                     || a.Action.Contains(lower)
                                     || (a.ActorName != null && a.ActorName.ToLower().Contains(lower))
                                     || (a.TargetId != null && a.TargetId.ToLower().Contains(lower)));
        }

        return query;
    }

    private static readonly System.Linq.Expressions.Expression<Func<AuditEntry, AuditEntryDto>> ToDto = a => new AuditEntryDto(
        a.Id, a.At, a.ActorId, a.ActorName, a.Action, a.TargetType, a.TargetId, a.Outcome, a.Details, a.ClientIp, a.RequestId);
}

internal static class AuditLogEndpoints
{
    public static async Task<Ok<PageOf<AuditEntryDto>>> List([AsParameters] AuditQuery query, AuditLogQueries audit, CancellationToken ct)
        => TypedResults.Ok(await audit.ListAsync(query, ct));

    public static async Task<Ok<List<string>>> Actions(AuditLogQueries audit, CancellationToken ct)
        => TypedResults.Ok(await audit.ActionsAsync(ct));

    /// <summary>CSV (RFC 4180, UTF-8, formula-like cells neutralised) streamed row by row. The export itself is audited.</summary>
    public static async Task Export([AsParameters] AuditQuery query, HttpContext http, AuditLogQueries audit, IAuditLog log, TimeProvider clock,
        CancellationToken ct)
    {
        await log.WriteAsync(new AuditEvent(AuditActions.AuditExported)
        {
            TargetType = "audit_log",
            Details = new { query.Actor, query.Action, query.Target, query.Outcome, query.From, query.To, query.Q },
        }, ct);
        var name = $"audit-log-{clock.GetUtcNow():yyyyMMdd-HHmmss}.csv";
        await CsvResponse.WriteAsync(http, name,
            ["id", "at", "actor_id", "actor", "action", "target_type", "target_id", "outcome", "details", "client_ip", "request_id"],
            audit.StreamAsync(query), a =>
            [
                a.Id.ToString(CultureInfo.InvariantCulture), a.At.ToString("O", CultureInfo.InvariantCulture), a.ActorId?.ToString() ?? "",
                a.ActorName ?? "", a.Action, a.TargetType ?? "", a.TargetId ?? "", a.Outcome, a.Details ?? "", a.ClientIp ?? "", a.RequestId ?? "",
            ], ct);
    }
}

/// <summary>Streams rows as a CSV download through the same writer as table exports (formula neutralisation on).</summary>
internal static class CsvResponse
{
    public static async Task WriteAsync<T>(HttpContext http, string fileName, string[] header, IAsyncEnumerable<T> rows,
        Func<T, string[]> toRecord, CancellationToken ct)
    {
        http.Response.SetAttachment("text/csv; charset=utf-8", fileName);
        await using var writer = new CsvExportWriter(http.Response.Body, new CsvExportOptions(NeutraliseFormulas: true, Bom: true));
        writer.WriteRecord(header);
        await foreach (var row in rows.WithCancellation(ct))
        {
            writer.WriteRecord(toRecord(row));
            await writer.FlushIfFullAsync(ct);
        }

        await writer.FlushAsync(ct);
    }
}
