using System.Collections.Concurrent;
using DuckDB.NET.Data;
using Microsoft.Extensions.Options;

namespace Ret.Server.Features.Workspace.Tables;

/// <summary>
/// Singleton that hands out <see cref="SessionTableStore"/>s, one DuckDB file per session
/// (<c>{sessionDir}/tables.duckdb</c>). DuckDB allows one writer per file, so every write of a session goes through that
/// session's async lock here; reads run concurrently (DuckDB MVCC within the process). Connections are opened per
/// operation; an idle "anchor" connection keeps the database instance open between requests (opening the file costs
/// tens of milliseconds), and is closed after <see cref="TableStoreOptions.IdleClose"/> without use.
/// <para>Multi-node: a DuckDB file can only be opened read-write by one process, so a session's tables must be served
/// by the node that holds its storage (shared mount, single writer); route a session's requests to one node.</para>
/// </summary>
public sealed class SessionTableStoreFactory : IDisposable
{
    public const string DatabaseFileName = "tables.duckdb";

    private readonly ConcurrentDictionary<string, SessionDatabase> _sessions = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;
    private DateTimeOffset _lastSweep;

    public SessionTableStoreFactory(IOptions<TableStoreOptions> options, TimeProvider clock)
        : this(options.Value, clock)
    {
    }

    public SessionTableStoreFactory(TableStoreOptions options, TimeProvider? clock = null)
    {
        Options = options;
        _clock = clock ?? TimeProvider.System;
        Views = new ViewCache(options.ViewCacheBytes);
        Windows = new RowWindowCache(options.RowWindowCacheCount);
    }

    public TableStoreOptions Options { get; }

    internal ViewCache Views { get; }

    internal RowWindowCache Windows { get; }

    internal TimeProvider Clock => _clock;

    /// <summary>The store of the session whose folder is <paramref name="sessionDirectory"/> (created on first write).
    /// <paramref name="forLoading"/>: a staging database that only bulk-loads tables (lower memory limit, fewer threads;
    /// see <see cref="TableStoreOptions.LoadMemoryLimit"/>).</summary>
    public SessionTableStore Open(string sessionDirectory, bool forLoading = false)
    {
        var path = Path.Combine(Path.GetFullPath(sessionDirectory), DatabaseFileName);
        var database = _sessions.GetOrAdd(path, p => forLoading
            ? new SessionDatabase(p, ConnectionString(p, Options.LoadMemoryLimit, Options.LoadThreads), Options.LoadMemoryLimit)
            : new SessionDatabase(p, ConnectionString(p, Options.MemoryLimit, Options.Threads), Options.MemoryLimit));
        return new SessionTableStore(this, database);
    }

    /// <summary>Closes the session's database and forgets its cached views; call before deleting the session's folder.
    /// Waits for a running write.</summary>
    public async Task CloseAsync(string sessionDirectory, CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(Path.GetFullPath(sessionDirectory), DatabaseFileName);
        if (!_sessions.TryGetValue(path, out var database)) return;
        await database.WriteLock.WaitAsync(cancellationToken);
        try
        {
            database.CloseAnchor();
            Views.Forget(path);
            Windows.Forget(path);
            _sessions.TryRemove(path, out _);
        }
        finally
        {
            database.WriteLock.Release();
        }
    }

    /// <summary>Closes anchors unused for <see cref="TableStoreOptions.IdleClose"/> (also done on every open).</summary>
    public void CloseIdle()
    {
        var cutoff = _clock.GetUtcNow() - Options.IdleClose;
        foreach (var database in _sessions.Values)
        {
            // Closing the anchor does not disturb running operations: each holds its own connection (DuckDB.NET keeps the
            // database open while any connection to it is).
            if (database.LastUsed < cutoff && database.WriteLock.CurrentCount == 1) database.CloseAnchor();
        }
    }

    internal DuckDBConnection Connect(SessionDatabase database)
    {
        var now = _clock.GetUtcNow();
        if (now - _lastSweep > TimeSpan.FromMinutes(1))
        {
            _lastSweep = now;
            CloseIdle();
        }
        database.LastUsed = now;
        database.EnsureAnchor();
        var connection = new DuckDBConnection(database.ConnectionString);
        connection.Open();
        return connection;
    }

    private static string ConnectionString(string path, string memoryLimit, int threads)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var builder = new DuckDBConnectionStringBuilder { DataSource = path };
        builder["memory_limit"] = memoryLimit;
        builder["threads"] = threads;
        // Uncompressed storage: a sorted or filtered page fetches scattered rows, and with compression each of them
        // costs decoding a 2 048-row vector of every column. Measured on 200 000 × 20 (SessionTableScaleTests):
        // sorted scrolling p95 133 → 8 ms, import 1.8 → 0.9 s, for a file 3.4× larger (1.5× the CSV). ADR 0401.
        builder["force_compression"] = "uncompressed";
        return builder.ConnectionString;
    }

    public void Dispose()
    {
        foreach (var database in _sessions.Values) database.CloseAnchor();
        _sessions.Clear();
    }
}

/// <summary>One session's database: its single-writer lock and the anchor connection.</summary>
internal sealed class SessionDatabase(string path, string connectionString, string memoryLimit)
{
    private readonly Lock _sync = new();
    private DuckDBConnection? _anchor;

    public string Path { get; } = path;

    public string ConnectionString { get; } = connectionString;

    /// <summary>The DuckDB memory limit the database is opened with.</summary>
    public string MemoryLimit { get; } = memoryLimit;

    /// <summary>The limit in force now: a load may have raised it (see <c>SessionTableStore.BulkLoadWithinMemory</c>).
    /// Changed only under <see cref="WriteLock"/>.</summary>
    public long MemoryLimitBytes { get; set; } = TableStoreOptions.ParseSize(memoryLimit);

    public SemaphoreSlim WriteLock { get; } = new(1, 1);

    public DateTimeOffset LastUsed { get; set; }

    public void EnsureAnchor()
    {
        lock (_sync)
        {
            if (_anchor is not null) return;
            var anchor = new DuckDBConnection(ConnectionString);
            anchor.Open();
            using (var command = anchor.CreateCommand())
            {
                command.CommandText = SessionTableStore.CatalogDdl;
                command.ExecuteNonQuery();
            }
            _anchor = anchor;
        }
    }

    public void CloseAnchor()
    {
        lock (_sync)
        {
            _anchor?.Dispose();
            _anchor = null;
        }
    }
}

/// <summary>
/// The "row-offset index" of the preview: for a (table version, sort, filters) view, the ordered array of row ids, so
/// page N is an array slice plus a lookup of at most 1,000 rows — as fast as page 1. Views cost 8 bytes per row and
/// are evicted least-recently-used beyond the byte budget; an edit bumps the table's data version, so stale views are
/// never hit (they age out).
/// </summary>
internal sealed class ViewCache(long budgetBytes)
{
    private readonly Lock _sync = new();
    private readonly Dictionary<string, (long[] Ids, long Stamp)> _views = new(StringComparer.Ordinal);
    private long _bytes;
    private long _clock;

    public bool TryGet(string key, out long[] ids)
    {
        lock (_sync)
        {
            if (_views.TryGetValue(key, out var view))
            {
                _views[key] = (view.Ids, ++_clock);
                ids = view.Ids;
                return true;
            }
        }
        ids = [];
        return false;
    }

    public void Add(string key, long[] ids)
    {
        var size = (long)ids.Length * sizeof(long);
        if (size > budgetBytes) return;
        lock (_sync)
        {
            if (_views.Remove(key, out var old)) _bytes -= (long)old.Ids.Length * sizeof(long);
            while (_bytes + size > budgetBytes && _views.Count > 0)
            {
                var oldest = _views.MinBy(v => v.Value.Stamp);
                _views.Remove(oldest.Key);
                _bytes -= (long)oldest.Value.Ids.Length * sizeof(long);
            }
            _views[key] = (ids, ++_clock);
            _bytes += size;
        }
    }

    public void Forget(string databasePath)
    {
        lock (_sync)
        {
            foreach (var key in _views.Keys.Where(k => k.StartsWith(databasePath + "|", StringComparison.Ordinal)).ToList())
            {
                _bytes -= (long)_views[key].Ids.Length * sizeof(long);
                _views.Remove(key);
            }
        }
    }
}

/// <summary>Rows of sorted views, by windows of <see cref="WindowSize"/> view positions (small: DuckDB fetches scattered rows one by one through the row-id index, roughly 0.5–1 ms per row of 20 columns here), least-recently-used beyond
/// a fixed number of windows. Keys carry the table's data version, so an edit makes old windows unreachable.</summary>
internal sealed class RowWindowCache(int capacity)
{
    public const int WindowSize = 250;

    private readonly Lock _sync = new();
    private readonly Dictionary<string, (string[][] Rows, long Stamp)> _windows = new(StringComparer.Ordinal);
    private long _clock;

    public bool TryGet(string key, out string[][] rows)
    {
        lock (_sync)
        {
            if (_windows.TryGetValue(key, out var window))
            {
                _windows[key] = (window.Rows, ++_clock);
                rows = window.Rows;
                return true;
            }
        }
        rows = [];
        return false;
    }

    public void Add(string key, string[][] rows)
    {
        if (capacity == 0) return;
        lock (_sync)
        {
            while (_windows.Count >= capacity && !_windows.ContainsKey(key)) _windows.Remove(_windows.MinBy(w => w.Value.Stamp).Key);
            _windows[key] = (rows, ++_clock);
        }
    }

    public void Forget(string databasePath)
    {
        lock (_sync)
        {
            foreach (var key in _windows.Keys.Where(k => k.StartsWith(databasePath + "|", StringComparison.Ordinal)).ToList()) _windows.Remove(key);
        }
    }
}
