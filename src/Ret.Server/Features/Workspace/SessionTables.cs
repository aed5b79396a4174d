using Ret.Conversion.Conversion;
using Ret.Server.Features.Workspace.Tables;

namespace Ret.Server.Features.Workspace;

/// <summary>The bridge between a session and its DuckDB table store: opening it, and replacing every table with a
/// conversion's output in one atomic swap (a new database file is built aside, then renamed over the old one, so a
/// crash mid-import leaves the previous tables intact).</summary>
public sealed class SessionTables(SessionTableStoreFactory factory, WorkspaceStorage storage)
{
    public SessionTableStore Open(Guid sessionId) => factory.Open(storage.SessionDir(sessionId));

    public Task CloseAsync(Guid sessionId, CancellationToken ct) => factory.CloseAsync(storage.SessionDir(sessionId), ct);

    public async Task ReplaceAllAsync(Guid sessionId, string runDir, ConversionManifest manifest, CancellationToken ct)
    {
        var staging = Path.Combine(runDir, ".tables");
        WorkspaceStorage.TryDeleteDirectory(staging);
        Directory.CreateDirectory(staging);
        try
        {
            var store = factory.Open(staging, forLoading: true);
            foreach (var table in manifest.Tables)
            {
                ct.ThrowIfCancellationRequested();
                var result = await store.ImportCsvAsync(table.Name, table.Group, Path.Combine(runDir, table.File), table.Columns,
                    replaceExisting: true, cancellationToken: ct);
                if (!result.Succeeded)
                {
                    throw new InvalidOperationException($"Importing table {table.Name} failed: {string.Join("; ", result.Problems)}");
                }
            }

            await factory.CloseAsync(staging, ct);
            var sessionDir = storage.SessionDir(sessionId);
            await factory.CloseAsync(sessionDir, ct);
            var target = storage.TablesDatabase(sessionId);
            File.Move(Path.Combine(staging, "tables.duckdb"), target, overwrite: true);
            var wal = target + ".wal";
            if (File.Exists(wal))
            {
                File.Delete(wal); // belonged to the replaced database; the new one was checkpointed on close
            }
        }
        finally
        {
            await factory.CloseAsync(staging, CancellationToken.None);
            WorkspaceStorage.TryDeleteDirectory(staging);
        }
    }
}
