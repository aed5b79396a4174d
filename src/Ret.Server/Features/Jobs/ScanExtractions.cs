using System.Text;
using Microsoft.Extensions.Options;
using Ret.Conversion.Conversion;
using Ret.Server.Features.Workspace;

namespace Ret.Server.Features.Jobs;

/// <summary>
/// The spills a scan job extracted while it read the session's files (<see cref="ExtractionCache"/>), held in this
/// process for the session's next conversion (docs/decisions/0111). A cache is only handed out for the input it was
/// made from (same file names, sizes and times), once, and within <see cref="WorkspaceOptions.ScanExtractionMinutes"/>;
/// anything else — a restart, a conversion on another node, a new upload — simply misses, and the conversion reads
/// every file as it always did. At most one cache per session and <see cref="MaxCaches"/> in all (oldest dropped).
/// </summary>
public sealed class ScanExtractions(IOptionsMonitor<WorkspaceOptions> options, TimeProvider clock, ILogger<ScanExtractions> logger) : IDisposable
{
    /// <summary>Caches held at once; each takes about its tables' size on disk.</summary>
    public const int MaxCaches = 8;

    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, Entry> _entries = [];

    private sealed record Entry(ExtractionCache Cache, string Fingerprint, DateTimeOffset Created);

    /// <summary>Whether scans extract (the setting applies without a restart).</summary>
    public bool Enabled => options.CurrentValue.ScanExtractionMinutes > 0;

    /// <summary>Caches held now (for tests and the log).</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _entries.Count;
        }
    }

    /// <summary>The folder of the session's cache, if one is held (tests).</summary>
    internal string? DirectoryOf(Guid sessionId)
    {
        lock (_gate) return _entries.TryGetValue(sessionId, out var entry) ? entry.Cache.Directory : null;
    }

    /// <summary>Keeps <paramref name="cache"/> for <paramref name="sessionId"/>'s next conversion of the input
    /// <paramref name="fingerprint"/> describes; replaces (and deletes) the session's earlier one.</summary>
    public void Put(Guid sessionId, ExtractionCache cache, string fingerprint)
    {
        var drop = new List<ExtractionCache>();
        lock (_gate)
        {
            if (_entries.Remove(sessionId, out var earlier)) drop.Add(earlier.Cache);
            _entries[sessionId] = new Entry(cache, fingerprint, clock.GetUtcNow());
            drop.AddRange(Expired());
            while (_entries.Count > MaxCaches)
            {
                var oldest = _entries.MinBy(e => e.Value.Created);
                _entries.Remove(oldest.Key);
                drop.Add(oldest.Value.Cache);
            }
        }
        foreach (var old in drop) old.Dispose();
    }

    /// <summary>The session's cache when it was made from the input <paramref name="fingerprint"/> describes and has not
    /// expired; the caller owns (and disposes) it. Null otherwise; a stale cache is deleted.</summary>
    public ExtractionCache? Take(Guid sessionId, string fingerprint)
    {
        Entry? entry;
        List<ExtractionCache> drop;
        lock (_gate)
        {
            _entries.Remove(sessionId, out entry);
            drop = Expired();
        }
        foreach (var old in drop) old.Dispose();
        if (entry is null) return null;
        if (entry.Fingerprint == fingerprint && !IsExpired(entry)) return entry.Cache;
        logger.LogInformation("Session {SessionId}: the scan's extraction no longer matches the input or has expired; converting without it", sessionId);
        entry.Cache.Dispose();
        return null;
    }

    /// <summary>Deletes the session's cache, if any (a new upload, the session deleted).</summary>
    public void Drop(Guid sessionId)
    {
        Entry? entry;
        lock (_gate) _entries.Remove(sessionId, out entry);
        entry?.Cache.Dispose();
    }

    /// <summary>Names, sizes and times of the files in the session's input folder: a cache is used only for the input
    /// it was made from.</summary>
    public static string Fingerprint(string inputDirectory)
    {
        if (!Directory.Exists(inputDirectory)) return "";
        var text = new StringBuilder();
        foreach (var file in new DirectoryInfo(inputDirectory).EnumerateFiles().OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            text.Append(file.Name).Append('\0').Append(file.Length).Append('\0').Append(file.LastWriteTimeUtc.Ticks).Append('\n');
        }
        return text.ToString();
    }

    public void Dispose()
    {
        List<ExtractionCache> all;
        lock (_gate)
        {
            all = _entries.Values.Select(e => e.Cache).ToList();
            _entries.Clear();
        }
        foreach (var cache in all) cache.Dispose();
    }

    private bool IsExpired(Entry entry)
        => clock.GetUtcNow() - entry.Created > TimeSpan.FromMinutes(options.CurrentValue.ScanExtractionMinutes);

    /// <summary>Removes expired entries (caller holds the lock) and returns their caches for disposal outside it.</summary>
    private List<ExtractionCache> Expired()
    {
        var expired = _entries.Where(e => IsExpired(e.Value)).ToList();
        foreach (var (id, _) in expired) _entries.Remove(id);
        return expired.Select(e => e.Value.Cache).ToList();
    }
}
