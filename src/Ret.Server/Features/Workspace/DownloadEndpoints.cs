using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using Ret.Conversion.Conversion;
using Ret.Server.Domain;
using Ret.Server.Features.Jobs;
using Ret.Server.Features.Workspace.Tables;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Security;
using Ret.Server.Infrastructure.Http;

namespace Ret.Server.Features.Workspace;

/// <summary>Downloads of tables (CSV or XLSX, original or modified), groups and everything (ZIP with manifest.json),
/// and the patch log. Browsers use one-time tickets (navigation cannot carry the bearer header); API clients may
/// fetch the same resources directly with their header.</summary>
internal static class DownloadEndpoints
{
    private static readonly TimeSpan TicketLifetime = TimeSpan.FromSeconds(60);

    public sealed record DownloadRequest(string? Kind, string? Table, string? Group, string? Format, string? Version);

    public static async Task<IResult> CreateTicketAsync(Guid id, DownloadRequest request, HttpContext http, WorkspaceSessions sessions,
        RetDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var problem = Validate(request);
        if (problem is not null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["download"] = [problem] });
        }

        var session = await sessions.FindAsync(http.User, id, ct);
        if (session is null)
        {
            return TypedResults.NotFound();
        }

        var ticket = SecretToken.New();
        var expires = clock.GetUtcNow().UtcDateTime.Add(TicketLifetime);
        db.Add(new DownloadTicket
        {
            Id = SecretToken.Hash(ticket),
            OwnerId = session.OwnerId,
            SessionId = session.Id,
            RequestJson = JsonSerializer.Serialize(request, JobProgress.Json),
            ExpiresAt = expires,
        });
        await db.SaveChangesAsync(ct);
        return TypedResults.Created((string?)null, new { url = $"/api/downloads/{ticket}", expiresAt = expires });
    }

    /// <summary>Redeems a ticket: single use (claimed with a conditional update), unexpired, then streams.</summary>
    public static async Task RedeemAsync(string ticket, HttpContext http, RetDbContext db, SessionTables tables, WorkspaceStorage storage, DownloadPrecompressor precompressor,
        TimeProvider clock, CancellationToken ct)
    {
        if (!SecretToken.LooksValid(ticket))
        {
            await NotFoundAsync(http, "This download link is invalid or has expired.");
            return;
        }

        var hash = SecretToken.Hash(ticket);
        var now = clock.GetUtcNow().UtcDateTime;
        var claimed = await db.Set<DownloadTicket>().Where(t => t.Id == hash && t.UsedAt == null && t.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.UsedAt, now), ct);
        var row = claimed == 1 ? await db.Set<DownloadTicket>().AsNoTracking().FirstOrDefaultAsync(t => t.Id == hash, ct) : null;
        var session = row is null ? null
            : await db.Set<WorkspaceSession>().AsNoTracking().FirstOrDefaultAsync(s => s.Id == row.SessionId && s.OwnerId == row.OwnerId, ct);
        if (row is null || session is null)
        {
            await NotFoundAsync(http, "This download link is invalid or has expired.");
            return;
        }

        var request = JsonSerializer.Deserialize<DownloadRequest>(row.RequestJson, JobProgress.Json)!;
        await WriteAsync(http, session, request, db, tables, storage, precompressor, ct);
    }

    public static async Task DirectTableAsync(Guid id, string table, string? format, string? version, HttpContext http,
        WorkspaceSessions sessions, RetDbContext db, SessionTables tables, WorkspaceStorage storage, DownloadPrecompressor precompressor, CancellationToken ct)
        => await DirectAsync(id, new DownloadRequest("table", table, null, format, version), http, sessions, db, tables, storage, precompressor, ct);

    public static async Task DirectGroupAsync(Guid id, string group, string? format, string? version, HttpContext http,
        WorkspaceSessions sessions, RetDbContext db, SessionTables tables, WorkspaceStorage storage, DownloadPrecompressor precompressor, CancellationToken ct)
        => await DirectAsync(id, new DownloadRequest("group", null, group, format, version), http, sessions, db, tables, storage, precompressor, ct);

    public static async Task DirectAllAsync(Guid id, string? format, string? version, HttpContext http,
        WorkspaceSessions sessions, RetDbContext db, SessionTables tables, WorkspaceStorage storage, DownloadPrecompressor precompressor, CancellationToken ct)
        => await DirectAsync(id, new DownloadRequest("all", null, null, format, version), http, sessions, db, tables, storage, precompressor, ct);

    private static async Task DirectAsync(Guid id, DownloadRequest request, HttpContext http, WorkspaceSessions sessions, RetDbContext db,
        SessionTables tables, WorkspaceStorage storage, DownloadPrecompressor precompressor, CancellationToken ct)
    {
        var problem = Validate(request);
        var session = problem is null ? await sessions.FindAsync(http.User, id, ct) : null;
        if (problem is not null)
        {
            await TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["download"] = [problem] }).ExecuteAsync(http);
            return;
        }

        if (session is null)
        {
            await NotFoundAsync(http, "Session not found.");
            return;
        }

        await WriteAsync(http, session, request, db, tables, storage, precompressor, ct);
    }

    private static string? Validate(DownloadRequest r)
    {
        var kind = r.Kind?.ToLowerInvariant();
        var format = r.Format?.ToLowerInvariant();
        return kind switch
        {
            "table" when string.IsNullOrWhiteSpace(r.Table) => "Name the table.",
            "group" when string.IsNullOrWhiteSpace(r.Group) => "Name the group.",
            "table" or "group" or "all" when format is not (null or "csv" or "xlsx") => "Use format csv or xlsx.",
            "patches" when format is not (null or "csv" or "json") => "Use format csv or json for the patch log.",
            "table" or "group" or "all" or "patches" when r.Version?.ToLowerInvariant() is not (null or "original" or "modified")
                => "Use version original or modified.",
            "table" or "group" or "all" or "patches" => null,
            _ => "Use kind table, group, all or patches.",
        };
    }

    private static async Task WriteAsync(HttpContext http, WorkspaceSession session, DownloadRequest request, RetDbContext db,
        SessionTables tables, WorkspaceStorage storage, DownloadPrecompressor precompressor, CancellationToken ct)
    {
        var kind = request.Kind!.ToLowerInvariant();
        if (kind == "patches")
        {
            var entries = await TableEndpoints.PatchLogAsync(db, session.Id, ct);
            var json = string.Equals(request.Format, "json", StringComparison.OrdinalIgnoreCase);
            var bytes = Encoding.UTF8.GetBytes(json ? JsonSerializer.Serialize(entries, JobProgress.Json) : TableEndpoints.PatchLogCsv(entries));
            http.Response.SetAttachment(json ? "application/json" : "text/csv; charset=utf-8", $"{session.Name}-patch-log.{(json ? "json" : "csv")}");
            await http.Response.Body.WriteAsync(bytes, ct);
            return;
        }

        if (session.CurrentConversionId is not { } conversionId)
        {
            await NotFoundAsync(http, "This session has no converted tables yet.");
            return;
        }

        var job = await db.Set<JobRecord>().AsNoTracking().FirstOrDefaultAsync(j => j.Id == conversionId, ct);
        var chosen = ConvertJobOptions.FromJson(job?.OptionsJson);
        var xlsx = (request.Format ?? chosen.Format).Equals("xlsx", StringComparison.OrdinalIgnoreCase);
        var version = string.Equals(request.Version, "original", StringComparison.OrdinalIgnoreCase) ? TableVersion.Original : TableVersion.Modified;
        var csv = new CsvExportOptions(chosen.NeutraliseFormulas, chosen.Bom);
        var runDir = storage.RunDir(session.Id, conversionId);
        var all = session.TablesReady
            ? await FromStoreAsync(tables.Open(session.Id), version, xlsx, csv, ct)
            : await FromRunAsync(runDir, xlsx, csv, ct);

        if (kind == "table")
        {
            var table = all.FirstOrDefault(t => t.Name == request.Table);
            if (table is null)
            {
                await NotFoundAsync(http, "Table not found.");
                return;
            }

            http.Response.SetAttachment(xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv; charset=utf-8",
                table.Name + (xlsx ? ".xlsx" : ".csv"));
            http.Response.Headers.Vary = "Accept-Encoding";
            if (!xlsx && AcceptsGzip(http.Request) && await PrecompressedAsync(precompressor, table, csv, ct) is { } deflated)
            {
                // Deflated after the conversion (ADR 0506, 0507): sent as it is; the client inflates it while saving.
                http.Response.Headers.ContentEncoding = "gzip";
                http.Response.ContentLength = deflated.GzipLength;
                await deflated.WriteGzipAsync(http.Response.Body, ct);
                return;
            }

            await table.WriteAsync(http.Response.Body, ct);
            return;
        }

        var selected = kind == "group"
            ? all.Where(t => string.Equals(t.Group, request.Group, StringComparison.OrdinalIgnoreCase)).ToList()
            : all.ToList();
        if (selected.Count == 0)
        {
            await NotFoundAsync(http, "Group not found.");
            return;
        }

        http.Response.SetAttachment("application/zip", (kind == "group" ? selected[0].Group : session.Name) + ".zip");
        var now = DateTime.Now;
        await using var zip = new ParallelZipWriter(http.Response.Body);
        foreach (var table in selected)
        {
            var entryName = SafeEntryName(table.Name) + (xlsx ? ".xlsx" : ".csv");
            // Deflated after the conversion, with these export options (ADR 0506, 0507): copied as it is.
            if (!xlsx && await PrecompressedAsync(precompressor, table, csv, ct) is { } deflated)
            {
                await using var data = deflated.OpenData();
                await zip.AddDeflatedEntryAsync(entryName, now, data, deflated.CompressedSize, deflated.Crc, deflated.Size, ct);
                continue;
            }

            // XLSX files are ZIP archives already: stored as they are.
            await using var stream = await zip.OpenEntryAsync(entryName, deflate: !xlsx, now, ct);
            await table.WriteAsync(stream, ct);
        }

        var manifest = Path.Combine(runDir, Converter.ManifestFileName);
        if (kind == "all" && File.Exists(manifest))
        {
            await using var stream = await zip.OpenEntryAsync(Converter.ManifestFileName, deflate: true, now, ct);
            await using var source = File.OpenRead(manifest);
            await source.CopyToAsync(stream, ct);
        }

        await zip.FinishAsync(ct);
    }

    /// <summary>A table that can be downloaded, and how to write it. <paramref name="EngineCsv"/> gives the engine's CSV
    /// when the download is exactly that file with the export options applied (nothing edited), else null.</summary>
    private sealed record Downloadable(string Name, string Group, Func<string?> EngineCsv, Func<Stream, CancellationToken, Task> WriteAsync);

    /// <summary>The store's live tables (for the original version: those that have one).</summary>
    private static async Task<IReadOnlyList<Downloadable>> FromStoreAsync(SessionTableStore store, TableVersion version, bool xlsx,
        CsvExportOptions csv, CancellationToken ct)
        => (await store.ListTablesAsync(ct))
            .Where(t => version == TableVersion.Modified || t.HasOriginal)
            .Select(t => new Downloadable(t.Name, t.Group, () => store.EngineCsvOf(t.Name, version),
                (output, token) => WriteTableAsync(store, t.Name, version, xlsx, csv, output, token)))
            .ToList();

    /// <summary>The conversion's tables straight from the engine's files, while the store is still being filled: nothing
    /// can have been edited yet, so original and modified are the same.</summary>
    private static async Task<IReadOnlyList<Downloadable>> FromRunAsync(string runDir, bool xlsx, CsvExportOptions csv, CancellationToken ct)
    {
        var path = Path.Combine(runDir, Converter.ManifestFileName);
        var manifest = File.Exists(path) ? RetJsonContext.DeserializeManifest(await File.ReadAllTextAsync(path, ct)) : null;
        return (manifest?.Tables ?? [])
            .Select(t => new Downloadable(t.Name, t.Group, () => Path.Combine(runDir, t.File), async (output, token) =>
            {
                var file = Path.Combine(runDir, t.File);
                if (xlsx)
                {
                    await SessionTableStore.WriteXlsxFileAsync(file, t.Columns, t.Name, output, token);
                }
                else
                {
                    await SessionTableStore.WriteCsvFileAsync(file, t.Columns, output, csv, token);
                }
            }))
            .ToList();
    }

    private static async Task WriteTableAsync(SessionTableStore store, string table, TableVersion version, bool xlsx, CsvExportOptions csv,
        Stream output, CancellationToken ct)
    {
        var result = xlsx
            ? await store.WriteXlsxAsync(table, version, output, ct)
            : await store.WriteCsvAsync(table, version, output, csv, ct);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Export of {table} failed: {string.Join("; ", result.Problems)}");
        }
    }

    /// <summary>The table's CSV as deflated after the conversion, when it is still exactly that (unedited, same export
    /// options; ADR 0506, 0507), waiting for it while it is being made.</summary>
    private static async Task<PrecompressedCsv.Deflated?> PrecompressedAsync(DownloadPrecompressor precompressor, Downloadable table,
        CsvExportOptions csv, CancellationToken ct)
    {
        if (table.EngineCsv() is not { } engineCsv)
        {
            return null;
        }

        await precompressor.WaitAsync(engineCsv, ct); // being deflated right after its conversion: its file is moments away
        return PrecompressedCsv.Find(engineCsv, csv);
    }

    /// <summary>Whether the client takes <c>gzip</c> (RFC 9110 12.5.3: listed, or <c>*</c>, with a quality above 0).</summary>
    private static bool AcceptsGzip(HttpRequest request)
    {
        var accepted = request.GetTypedHeaders().AcceptEncoding;
        var gzip = accepted.FirstOrDefault(e => e.Value.Equals("gzip", StringComparison.OrdinalIgnoreCase))
            ?? accepted.FirstOrDefault(e => e.Value == "*");
        return gzip is not null && (gzip.Quality ?? 1) > 0;
    }

    private static string SafeEntryName(string name)
    {
        var chars = name.Select(c => char.IsControl(c) || c is '/' or '\\' or ':' or '*' or '?' or '"' or '<' or '>' or '|' ? '_' : c).ToArray();
        var safe = new string(chars).Trim('.', ' ');
        return safe.Length == 0 ? "table" : safe;
    }

    private static Task NotFoundAsync(HttpContext http, string title)
        => TypedResults.Problem(statusCode: 404, title: title).ExecuteAsync(http);
}
