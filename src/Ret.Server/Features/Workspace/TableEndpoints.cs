using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Ret.Server.Domain;
using Ret.Server.Features.Workspace.Tables;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Features.Workspace;

/// <summary>Results of a session: table list, preview pages (server-side sort/filter), edits, undo and the patch log.
/// The DuckDB store is the source of truth for tables and rows; the app database holds conversion statistics and the
/// patch log (who, when, what).</summary>
internal static class TableEndpoints
{
    public sealed record AddTableRequest(string? Name, string? Group, IReadOnlyList<string>? Headers);

    public sealed record PatchDto(Guid EditId, DateTime At, string User, string Table, string Op, long? RowId, string? Column,
        string? OldValue, string? NewValue, bool Undone);

    public static async Task<Results<Ok<IReadOnlyList<TableInfoDto>>, NotFound>> ListAsync(Guid id, HttpContext http,
        WorkspaceSessions sessions, SessionTables tables, RetDbContext db, CancellationToken ct)
    {
        var session = await sessions.FindAsync(http.User, id, ct);
        if (session is null)
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Ok(await DescribeAsync(session, tables, db, ct));
    }

    public static async Task<IResult> RowsAsync(Guid id, string table, HttpContext http, WorkspaceSessions sessions, SessionTables tables,
        long? offset, int? limit, string? sort, string? dir, string[]? filter, CancellationToken ct)
    {
        var session = await sessions.FindAsync(http.User, id, ct);
        if (session is null || session.CurrentConversionId is null)
        {
            return TypedResults.NotFound();
        }

        var filters = new List<ColumnFilter>();
        foreach (var f in filter ?? [])
        {
            var colon = f.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["filter"] = ["Use filter=COLUMN:TEXT."] });
            }

            filters.Add(new ColumnFilter(f[..colon], f[(colon + 1)..]));
        }

        if (NotReady(session, http) is { } notReady)
        {
            return notReady;
        }

        var query = new PageQuery(Math.Max(0, offset ?? 0), Math.Clamp(limit ?? 100, 1, PageQuery.MaxLimit),
            string.IsNullOrEmpty(sort) ? null : sort, string.Equals(dir, "desc", StringComparison.OrdinalIgnoreCase), filters);
        var result = await tables.Open(session.Id).GetPageAsync(table, query, ct);
        return result.Error switch
        {
            TableError.None => TypedResults.Ok(result.Value),
            TableError.NotFound => TypedResults.NotFound(),
            _ => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["query"] = [.. result.Problems] }),
        };
    }

    public static async Task<IResult> EditAsync(Guid id, string table, JsonElement body, HttpContext http, WorkspaceSessions sessions,
        SessionTables tables, RetDbContext db, CancellationToken ct)
    {
        var ops = ParseOps(body, out var problems);
        if (problems.Count > 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["ops"] = [.. problems] });
        }

        return await ApplyAsync(id, new EditBatch(table, ops), http, sessions, tables, db, ct);
    }

    public static async Task<IResult> AddTableAsync(Guid id, AddTableRequest request, HttpContext http, WorkspaceSessions sessions,
        SessionTables tables, RetDbContext db, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Name) || request.Headers is not { Count: > 0 })
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["table"] = ["A table needs a name and at least one column header."],
            });
        }

        var result = await ApplyAsync(id, new EditBatch(request.Name.Trim(),
            [new AddTableOp(string.IsNullOrWhiteSpace(request.Group) ? "manual" : request.Group.Trim(), request.Headers)]),
            http, sessions, tables, db, ct);
        return result;
    }

    public static Task<IResult> DeleteTableAsync(Guid id, string table, HttpContext http, WorkspaceSessions sessions,
        SessionTables tables, RetDbContext db, CancellationToken ct)
        => ApplyAsync(id, new EditBatch(table, [new DeleteTableOp()]), http, sessions, tables, db, ct, noContent: true);

    public static async Task<IResult> UndoAsync(Guid id, HttpContext http, WorkspaceSessions sessions, SessionTables tables,
        RetDbContext db, CancellationToken ct)
    {
        var session = await sessions.FindAsync(http.User, id, ct);
        if (session is null)
        {
            return TypedResults.NotFound();
        }

        if (NotReady(session, http) is { } notReady)
        {
            return notReady;
        }

        var last = await db.Set<PatchLogEntry>().Where(p => p.SessionId == session.Id && !p.Undone)
            .OrderByDescending(p => p.Id).Select(p => (Guid?)p.EditId).FirstOrDefaultAsync(ct);
        if (last is null)
        {
            return TypedResults.Problem(statusCode: 409, title: "There is no edit to undo.");
        }

        var entries = await db.Set<PatchLogEntry>().Where(p => p.SessionId == session.Id && p.EditId == last).OrderBy(p => p.Id).ToListAsync(ct);
        var result = await tables.Open(session.Id).UndoAsync(entries.Select(ToStore).ToList(), ct);
        if (!result.Succeeded)
        {
            return TypedResults.Problem(statusCode: 409, title: "The last edit cannot be undone.", detail: string.Join(" ", result.Problems));
        }

        foreach (var entry in entries)
        {
            entry.Undone = true;
        }

        sessions.Touch(session);
        await db.SaveChangesAsync(ct);
        await RefreshModifiedAsync(session, tables, db, ct);
        return TypedResults.Ok(new { undoneEditId = last.Value });
    }

    public static async Task<IResult> PatchesAsync(Guid id, HttpContext http, WorkspaceSessions sessions, RetDbContext db, string? format,
        CancellationToken ct)
    {
        var session = await sessions.FindAsync(http.User, id, ct);
        if (session is null)
        {
            return TypedResults.NotFound();
        }

        var entries = await PatchLogAsync(db, session.Id, ct);
        if (string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.File(Encoding.UTF8.GetBytes(PatchLogCsv(entries)), "text/csv; charset=utf-8", "patch-log.csv");
        }

        return TypedResults.Ok(entries);
    }

    internal static async Task<IReadOnlyList<PatchDto>> PatchLogAsync(RetDbContext db, Guid sessionId, CancellationToken ct)
        => (await db.Set<PatchLogEntry>().AsNoTracking().Where(p => p.SessionId == sessionId).OrderBy(p => p.Id).ToListAsync(ct))
            .Select(p => new PatchDto(p.EditId, p.At, p.UserName, p.Table, p.Op, p.RowId, p.Column, p.OldValue, p.NewValue, p.Undone))
            .ToList();

    internal static string PatchLogCsv(IReadOnlyList<PatchDto> entries)
    {
        var csv = new StringBuilder("edit_id,at,user,table,op,row_id,column,old_value,new_value,undone\r\n");
        foreach (var e in entries)
        {
            csv.AppendJoin(',', [e.EditId.ToString(), e.At.ToString("O"), Quote(e.User), Quote(e.Table), e.Op, e.RowId?.ToString() ?? "",
                Quote(e.Column), Quote(e.OldValue), Quote(e.NewValue), e.Undone ? "true" : "false"]).Append("\r\n");
        }

        return csv.ToString();
    }

    /// <summary>RFC 4180 quoting, and formula neutralisation: the log holds user-typed values.</summary>
    private static string Quote(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (Ret.Conversion.Output.FormulaGuard.IsFormulaRisk(value))
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static async Task<IResult> ApplyAsync(Guid id, EditBatch batch, HttpContext http, WorkspaceSessions sessions,
        SessionTables tables, RetDbContext db, CancellationToken ct, bool noContent = false)
    {
        var session = await sessions.FindAsync(http.User, id, ct);
        if (session is null || session.CurrentConversionId is null)
        {
            return TypedResults.NotFound();
        }

        if (NotReady(session, http) is { } notReady)
        {
            return notReady;
        }

        var user = http.User.UserName() ?? "unknown";
        var store = tables.Open(session.Id);
        var result = await store.ApplyAsync(batch, user, ct);
        switch (result.Error)
        {
            case TableError.NotFound:
                return TypedResults.NotFound();
            case TableError.Invalid:
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["ops"] = [.. result.Problems] });
            case TableError.Conflict:
                return TypedResults.Problem(statusCode: 409, title: "The edit conflicts with the table.", detail: string.Join(" ", result.Problems));
        }

        var outcome = result.Value!;
        var userId = http.User.RequiredUserId();
        try
        {
            foreach (var e in outcome.Entries)
            {
                db.Add(new PatchLogEntry
                {
                    SessionId = session.Id,
                    EditId = e.EditId,
                    At = e.At.UtcDateTime,
                    UserId = userId,
                    UserName = e.User,
                    Table = e.Table,
                    Op = e.Op,
                    RowId = e.RowId,
                    Column = e.Column,
                    OldValue = e.OldValue,
                    NewValue = e.NewValue,
                });
            }

            sessions.Touch(session);
            await db.SaveChangesAsync(ct);
        }
        catch
        {
            // Keep the two stores consistent: without its log entry the edit must not stay applied.
            await store.UndoAsync(outcome.Entries, CancellationToken.None);
            throw;
        }

        await RefreshModifiedAsync(session, tables, db, ct);
        if (noContent)
        {
            return TypedResults.NoContent();
        }

        var info = (await DescribeAsync(session, tables, db, ct)).FirstOrDefault(t => t.Name == batch.Table);
        return TypedResults.Ok(new { editId = outcome.EditId, table = info });
    }

    private static async Task RefreshModifiedAsync(WorkspaceSession session, SessionTables tables, RetDbContext db, CancellationToken ct)
    {
        var current = await tables.Open(session.Id).ListTablesAsync(ct);
        var rows = await db.Set<ResultTable>().Where(t => t.SessionId == session.Id).ToListAsync(ct);
        foreach (var row in rows)
        {
            var table = current.FirstOrDefault(t => t.Name == row.Name);
            row.Modified = table?.Modified ?? true;
        }

        session.TableCount = current.Count;
        await db.SaveChangesAsync(ct);
    }

    internal static async Task<IReadOnlyList<TableInfoDto>> DescribeAsync(WorkspaceSession session, SessionTables tables, RetDbContext db,
        CancellationToken ct)
    {
        if (session.CurrentConversionId is null)
        {
            return [];
        }

        var stats = await db.Set<ResultTable>().AsNoTracking().Where(t => t.SessionId == session.Id).ToListAsync(ct);
        if (!session.TablesReady)
        {
            // The preview store is still being filled: the conversion's own statistics describe the tables (nothing
            // can have been edited yet).
            return stats.OrderBy(t => t.Ordinal).Select(t => TableInfoDto.From(t) with { Modified = false }).ToList();
        }

        var current = await tables.Open(session.Id).ListTablesAsync(ct);
        return current
            .Select(t => (Table: t, Stats: stats.FirstOrDefault(s => s.Name == t.Name)))
            .OrderBy(x => x.Stats?.Ordinal ?? int.MaxValue).ThenBy(x => x.Table.Name, StringComparer.Ordinal)
            .Select(x => new TableInfoDto(x.Table.Name, x.Table.Group, x.Table.Rows, x.Table.Columns.Count,
                x.Stats?.SizeBytes ?? 0, x.Stats?.SourceFiles ?? 0, x.Stats?.Errors ?? 0, x.Table.Modified,
                x.Stats?.IsChild ?? false, x.Stats?.Parent))
            .ToList();
    }

    /// <summary>409 while the preview/edit store is being filled after a conversion (with <c>Retry-After</c>), or
    /// when filling it failed; null when the store is ready.</summary>
    internal static IResult? NotReady(WorkspaceSession session, HttpContext http)
    {
        if (session.TablesReady)
        {
            return null;
        }

        if (session.TablesError is { } error)
        {
            return TypedResults.Problem(statusCode: 409, title: "The tables could not be prepared for preview and editing.", detail: error);
        }

        http.Response.Headers.RetryAfter = "1";
        return TypedResults.Problem(statusCode: 409, title: "The tables are being prepared for preview and editing.",
            detail: "Downloads work already; preview and editing follow in a few seconds.");
    }

    private static Tables.PatchEntry ToStore(PatchLogEntry p)
        => new(p.EditId, new DateTimeOffset(p.At, TimeSpan.Zero), p.UserName, p.Table, p.Op, p.RowId, p.Column, p.OldValue, p.NewValue);

    /// <summary>Reads <c>{ ops: [...] }</c>: set / insertRow / deleteRow, reporting every malformed op.</summary>
    private static List<EditOp> ParseOps(JsonElement body, out List<string> problems)
    {
        problems = [];
        var ops = new List<EditOp>();
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("ops", out var array) || array.ValueKind != JsonValueKind.Array)
        {
            problems.Add("The body must be { \"ops\": [ … ] }.");
            return ops;
        }

        var index = 0;
        foreach (var op in array.EnumerateArray())
        {
            var kind = op.ValueKind == JsonValueKind.Object && op.TryGetProperty("op", out var k) ? k.GetString() : null;
            switch (kind)
            {
                case "set" when TryLong(op, "rowId", out var row) && TryString(op, "column", out var column) && TryString(op, "value", out var value, allowNull: true):
                    ops.Add(new SetCellOp(row, column!, value));
                    break;
                case "insertRow" when op.TryGetProperty("values", out var values) && values.ValueKind == JsonValueKind.Object:
                    ops.Add(new InsertRowOp(values.EnumerateObject().ToDictionary(p => p.Name,
                        p => p.Value.ValueKind == JsonValueKind.Null ? null : p.Value.ToString())));
                    break;
                case "deleteRow" when TryLong(op, "rowId", out var deleted):
                    ops.Add(new DeleteRowOp(deleted));
                    break;
                default:
                    problems.Add($"Operation {index} is not a valid set, insertRow or deleteRow.");
                    break;
            }

            index++;
        }

        if (ops.Count == 0 && problems.Count == 0)
        {
            problems.Add("There is nothing to save.");
        }

        return ops;
    }

    private static bool TryLong(JsonElement op, string name, out long value)
    {
        value = 0;
        return op.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt64(out value);
    }

    private static bool TryString(JsonElement op, string name, out string? value, bool allowNull = false)
    {
        value = null;
        if (!op.TryGetProperty(name, out var p))
        {
            return false;
        }

        if (p.ValueKind == JsonValueKind.Null)
        {
            return allowNull;
        }

        value = p.ValueKind == JsonValueKind.String ? p.GetString() : p.ToString();
        return true;
    }
}
