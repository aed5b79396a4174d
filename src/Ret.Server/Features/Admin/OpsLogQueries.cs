using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Http;

// EF Core translates ToLower().Contains(...) to SQL on SQLite and PostgreSQL; the StringComparison overloads do not.
#pragma warning disable CA1862

namespace Ret.Server.Features.Admin;

public sealed record OpsLogEntryDto(long Id, DateTime At, string Level, string Category, string Message, string? Details, string? RequestId,
    string? Node);

public sealed record OpsLogQuery(int? Page, int? PageSize, string? Level, string? Category, DateTime? From, DateTime? To, string? Q);

/// <summary>Reads the operations log (written only by the system).</summary>
public sealed class OpsLogQueries(RetDbContext db)
{
    public async Task<PageOf<OpsLogEntryDto>> ListAsync(OpsLogQuery q, CancellationToken ct)
    {
        var window = PageWindow.From(q.Page, q.PageSize);
        var query = Filter(q);
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(o => o.Id).Skip(window.Skip).Take(window.Size).Select(ToDto).ToListAsync(ct);
        return new PageOf<OpsLogEntryDto>(rows, total, window.Page, window.Size);
    }

    public IAsyncEnumerable<OpsLogEntryDto> StreamAsync(OpsLogQuery q) => Filter(q).OrderByDescending(o => o.Id).Select(ToDto).AsAsyncEnumerable();

    private IQueryable<OpsLogEntry> Filter(OpsLogQuery q)
    {
        var query = db.Set<OpsLogEntry>().AsNoTracking();
        if (OpsLevel.All.Contains(q.Level))
        {
            query = query.Where(o => o.Level == q.Level);
        }

        if (OpsCategory.All.Contains(q.Category))
        {
            query = query.Where(o => o.Category == q.Category);
        }

        if (q.From is { } from)
        {
            var utc = AdminText.Utc(from);
            query = query.Where(o => o.At >= utc);
        }

        if (q.To is { } to)
        {
            var utc = AdminText.Utc(to);
            query = query.Where(o => o.At <= utc);
        }

        if (AdminText.Needle(q.Q) is { } text)
        {
            var lower = text.ToLowerInvariant();
            query = query.Where(o => o.Message.ToLower().Contains(lower)
                                     || (o.Details != null && o.Details.ToLower().Contains(lower))
                                     || (o.RequestId != null && o.RequestId.ToLower().Contains(lower)));
        }

        return query;
    }

    private static readonly System.Linq.Expressions.Expression<Func<OpsLogEntry, OpsLogEntryDto>> ToDto = o => new OpsLogEntryDto(
        o.Id, o.At, o.Level, o.Category, o.Message, o.Details, o.RequestId, o.Node);
}

internal static class OpsLogEndpoints
{
    public static async Task<Ok<PageOf<OpsLogEntryDto>>> List([AsParameters] OpsLogQuery query, OpsLogQueries ops, CancellationToken ct)
        => TypedResults.Ok(await ops.ListAsync(query, ct));

    public static Task Export([AsParameters] OpsLogQuery query, HttpContext http, OpsLogQueries ops, TimeProvider clock, CancellationToken ct)
        => CsvResponse.WriteAsync(http, $"ops-log-{clock.GetUtcNow():yyyyMMdd-HHmmss}.csv",
            ["id", "at", "level", "category", "message", "details", "request_id", "node"],
            ops.StreamAsync(query), o =>
            [
                o.Id.ToString(CultureInfo.InvariantCulture), o.At.ToString("O", CultureInfo.InvariantCulture), o.Level, o.Category, o.Message,
                o.Details ?? "", o.RequestId ?? "", o.Node ?? "",
            ], ct);
}
