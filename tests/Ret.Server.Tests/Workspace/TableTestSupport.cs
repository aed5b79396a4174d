using System.Text;
using Ret.Server.Features.Workspace.Tables;

namespace Ret.Server.Tests.Workspace;

/// <summary>A session folder with a table store over it, removed afterwards.</summary>
public abstract class TableStoreTestBase : IDisposable
{
    protected TableStoreTestBase()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("ret-tables-").FullName;
        Factory = new SessionTableStoreFactory(new TableStoreOptions { MemoryLimit = "256MB", Threads = 2 });
        Store = Factory.Open(Directory);
    }

    protected string Directory { get; }

    protected SessionTableStoreFactory Factory { get; private set; }

    protected SessionTableStore Store { get; private set; }

    /// <summary>Drops every connection and cache, as a restart would, and opens the same folder again.</summary>
    protected void Reopen()
    {
        Factory.Dispose();
        Factory = new SessionTableStoreFactory(new TableStoreOptions { MemoryLimit = "256MB", Threads = 2 });
        Store = Factory.Open(Directory);
    }

    public void Dispose()
    {
        Factory.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Writes a CSV the way the engine does (RFC 4180, CRLF, quotes only where needed, no neutralisation).</summary>
    protected string WriteCsv(string name, IReadOnlyList<string> header, IEnumerable<string[]> rows, bool bom = false)
    {
        var path = Path.Combine(Directory, name);
        using var writer = new StreamWriter(path, false, new UTF8Encoding(bom), 1 << 16);
        writer.Write(Csv.Line(header));
        foreach (var row in rows) writer.Write(Csv.Line(row));
        return path;
    }

    protected async Task<SessionTable> Import(string table, IReadOnlyList<string> header, IEnumerable<string[]> rows, string group = "g")
    {
        var path = WriteCsv(table.GetHashCode().ToString("x") + ".csv", header, rows);
        var result = await Store.ImportCsvAsync(table, group, path);
        Assert.True(result.Succeeded, string.Join("; ", result.Problems));
        return result.Value!;
    }

    protected async Task<RowsPage> Page(string table, long offset = 0, int limit = 100, string? sort = null, bool desc = false, params ColumnFilter[] filters)
    {
        var result = await Store.GetPageAsync(table, new PageQuery(offset, limit, sort, desc, filters));
        Assert.True(result.Succeeded, string.Join("; ", result.Problems));
        return result.Value!;
    }

    protected async Task<EditOutcome> Apply(string table, params EditOp[] ops)
    {
        var result = await Store.ApplyAsync(new EditBatch(table, ops), "alice");
        Assert.True(result.Succeeded, string.Join("; ", result.Problems));
        return result.Value!;
    }

    protected async Task<string> ExportCsv(string table, TableVersion version = TableVersion.Modified, CsvExportOptions? options = null)
    {
        using var output = new MemoryStream();
        var result = await Store.WriteCsvAsync(table, version, output, options);
        Assert.True(result.Succeeded, string.Join("; ", result.Problems));
        return Encoding.UTF8.GetString(output.ToArray());
    }
}

internal static class Csv
{
    public static string Line(IReadOnlyList<string> values) =>
        string.Join(',', values.Select(v => v.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + v.Replace("\"", "\"\"") + "\"" : v)) + "\r\n";
}
