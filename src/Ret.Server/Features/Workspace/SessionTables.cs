using Ret.Conversion.Conversion;
using Ret.Server.Features.Workspace.Tables;
using Ret.Server.Infrastructure.Hosting;

namespace Ret.Server.Features.Workspace;

/// <summary>The bridge between a session and its DuckDB table store: opening it, and replacing every table with a
/// conversion's output in one atomic swap (a new database file is built aside, then renamed over the old one, so a
/// crash mid-import leaves the previous tables intact).</summary>
public sealed class SessionTables(SessionTableStoreFactory factory, WorkspaceStorage storage)
{
    /// <summary>One swap at a time per session: "is this conversion still current? → swap → mark ready" must not
    /// interleave with another conversion's swap (the store would hold one run while the session names the other).
    /// Striped (a fixed set of locks, shared by sessions that hash alike) so nothing grows with the number of sessions.</summary>
    private static readonly SemaphoreSlim[] SwapLocks = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    public SessionTableStore Open(Guid sessionId) => factory.Open(storage.SessionDir(sessionId));

    public Task CloseAsync(Guid sessionId, CancellationToken ct) => factory.CloseAsync(storage.SessionDir(sessionId), ct);

    /// <summary>Builds the store of <paramref name="manifest"/>'s tables aside, then — if <paramref name="stillCurrent"/>
    /// says so — swaps it in and calls <paramref name="markReady"/>. Returns false when the conversion was superseded
    /// (nothing swapped) or <paramref name="markReady"/> refused.</summary>
    public async Task<bool> ReplaceAllAsync(Guid sessionId, string runDir, ConversionManifest manifest,
        Func<CancellationToken, Task<bool>> stillCurrent, Func<CancellationToken, Task<bool>> markReady, CancellationToken ct)
    {
        var staging = Path.Combine(runDir, ".tables");
        WorkspaceStorage.TryDeleteDirectory(staging);
        Directory.CreateDirectory(staging);
        try
        {
            var store = factory.Open(staging, forLoading: true);
            // On a thread of its own at a lower priority: this runs right after the conversion reported done, while the
            // user downloads the tables. The staging store is this load's alone, so its write lock is free and every
            // import runs synchronously on that thread.
            await BackgroundThread.RunAsync("preview store load", () =>
            {
                foreach (var table in manifest.Tables)
                {
                    ct.ThrowIfCancellationRequested();
                    var result = store.ImportCsvAsync(table.Name, table.Group, Path.Combine(runDir, table.File), table.Columns,
                        replaceExisting: true, cancellationToken: ct).GetAwaiter().GetResult();
                    if (!result.Succeeded)
                    {
                        throw new InvalidOperationException($"Importing table {table.Name} failed: {string.Join("; ", result.Problems)}");
                    }
                }

                return true;
            });

            await factory.CloseAsync(staging, ct);
            var swapLock = SwapLocks[(uint)sessionId.GetHashCode() % SwapLocks.Length];
            await swapLock.WaitAsync(ct);
            try
            {
                if (!await stillCurrent(ct))
                {
                    return false;
                }

                var sessionDir = storage.SessionDir(sessionId);
                await factory.CloseAsync(sessionDir, ct);
                var target = storage.TablesDatabase(sessionId);
                // The row-offset indexes go with their database: the old ones first (a crash before the move leaves the
                // old tables without them, which only costs speed), then the database, then the new ones.
                foreach (var old in Directory.EnumerateFiles(sessionDir, "*" + SessionTableStore.RowIndexExtension))
                {
                    File.Delete(old);
                }

                File.Move(Path.Combine(staging, "tables.duckdb"), target, overwrite: true);
                var wal = target + ".wal";
                if (File.Exists(wal))
                {
                    File.Delete(wal); // belonged to the replaced database; the new one was checkpointed on close
                }

                foreach (var index in Directory.EnumerateFiles(staging, "*" + SessionTableStore.RowIndexExtension))
                {
                    File.Move(index, Path.Combine(sessionDir, Path.GetFileName(index)), overwrite: true);
                }

                return await markReady(CancellationToken.None);
            }
            finally
            {
                swapLock.Release();
            }
        }
        finally
        {
            await factory.CloseAsync(staging, CancellationToken.None);
            WorkspaceStorage.TryDeleteDirectory(staging);
        }
    }
}
