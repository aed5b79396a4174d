using System.IO.Compression;
using Ret.Conversion.Safety;

namespace Ret.Conversion.Archives;

/// <summary>
/// Walks a ZIP, an XML file or a folder, descending into nested ZIPs, and lists every entry as XML, archive,
/// skipped or rejected. Nothing is extracted under its own name: a nested archive stored without compression is
/// read in place (a range of its container); one that is compressed is inflated into memory when small or spilled to
/// a generated temp file (deleted on dispose), because reading a ZIP needs a seekable stream.
/// The walk order is deterministic: ZIP central-directory order, folders sorted ordinally.
/// </summary>
internal sealed class ArchiveWalker : IDisposable
{
    private static readonly string[] _unsupportedArchives = [".rar", ".7z", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".cab"];

    private readonly SafetyLimits _limits;
    private readonly string _tempRoot;
    private readonly HashSet<string> _paths = new(StringComparer.Ordinal);
    private readonly EntryOpener _opener;
    private readonly Dictionary<ContainerHandle, StoredEntries.Record[]?> _directories = new(ReferenceEqualityComparer.Instance);
    private long _memoryHeld;
    private int _entryCount;
    private bool _createdTemp;

    public ArchiveWalker(SafetyLimits limits, string? tempDirectory)
    {
        _limits = limits;
        Budget = new InflationBudget(limits.MaxTotalBytes);
        _opener = new EntryOpener(limits, Budget);
        _tempRoot = Path.Combine(tempDirectory ?? Path.GetTempPath(), "ret-walk-" + Guid.NewGuid().ToString("N"));
    }

    /// <summary>Bytes inflated so far by this walk and every opener created from it.</summary>
    public InflationBudget Budget { get; }

    /// <summary>Set when a walk-wide cap (entry count, total bytes) stopped the walk.</summary>
    public string? StopReason { get; private set; }

    /// <summary>An opener for another thread.</summary>
    public EntryOpener CreateOpener() => new(_limits, Budget);

    /// <summary>Lists every entry below <paramref name="inputPath"/>.</summary>
    /// <param name="inputName">Display name of the input (e.g. the original upload name), defaults to the file name.</param>
    public IEnumerable<WalkEntry> Walk(string inputPath, string? inputName, CancellationToken cancellationToken)
    {
        if (Directory.Exists(inputPath))
        {
            foreach (var entry in WalkFolder(new DirectoryInfo(inputPath), [], cancellationToken)) yield return entry;
            yield break;
        }
        if (!File.Exists(inputPath)) throw new FileNotFoundException("Input not found.", inputPath);

        var name = inputName ?? Path.GetFileName(inputPath);
        foreach (var entry in WalkFile(new FileInfo(inputPath), name, [], cancellationToken)) yield return entry;
    }

    private IEnumerable<WalkEntry> WalkFolder(DirectoryInfo folder, PathSegment[] parent, CancellationToken ct)
    {
        var children = folder.EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
        foreach (var info in children)
        {
            ct.ThrowIfCancellationRequested();
            if (StopReason is not null) yield break;
            if (info.LinkTarget is not null)
            {
                var kind = info is DirectoryInfo ? SegmentKind.Folder : SegmentKind.File;
                yield return Rejected([.. parent, new(info.Name, kind)], "Symbolic link (not followed).");
                continue;
            }
            if (info is DirectoryInfo dir)
            {
                foreach (var entry in WalkFolder(dir, [.. parent, new(dir.Name, SegmentKind.Folder)], ct)) yield return entry;
            }
            else if (info is FileInfo file)
            {
                foreach (var entry in WalkFile(file, file.Name, parent, ct)) yield return entry;
            }
        }
    }

    private IEnumerable<WalkEntry> WalkFile(FileInfo file, string name, PathSegment[] parent, CancellationToken ct)
    {
        var kind = Classify(name, () => ReadHead(file.FullName));
        if (kind.Kind == EntryKind.Archive)
        {
            PathSegment[] segments = [.. parent, new(name, SegmentKind.Archive)];
            foreach (var entry in WalkArchive(ContainerHandle.ForFile(file.FullName), segments, 1, file.Length, null, ct))
                yield return entry;
            yield break;
        }
        yield return new WalkEntry
        {
            Path = UniquePath([.. parent, new(name, SegmentKind.File)]),
            Segments = [.. parent, new(name, SegmentKind.File)],
            Kind = kind.Kind,
            Reason = kind.Reason,
            DeclaredSize = file.Length,
            Source = kind.Kind == EntryKind.Xml ? new FileEntrySource(file.FullName) : null,
        };
    }

    private IEnumerable<WalkEntry> WalkArchive(ContainerHandle container, PathSegment[] segments, int depth, long? declared, long? compressed, CancellationToken ct)
    {
        if (depth > _limits.MaxArchiveDepth)
        {
            yield return Rejected(segments, $"Archive nesting depth cap ({_limits.MaxArchiveDepth}) reached; not opened.");
            yield break;
        }

        ZipArchive? archive;
        string? error;
        try
        {
            archive = _opener.GetArchive(container);
            error = null;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            archive = null;
            error = $"Not a readable ZIP archive: {ex.Message}";
        }
        if (archive is null)
        {
            yield return Rejected(segments, error!);
            yield break;
        }

        yield return new WalkEntry
        {
            Path = UniquePath(segments), Segments = segments, Kind = EntryKind.Archive,
            DeclaredSize = declared, CompressedSize = compressed,
        };

        var entries = archive.Entries;
        for (var i = 0; i < entries.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            if (StopReason is not null) yield break;
            var entry = entries[i];
            if (entry.FullName.EndsWith('/') && entry.Length == 0) continue; // directory record

            if (++_entryCount > _limits.MaxEntries)
            {
                StopReason = $"Entry count cap ({_limits.MaxEntries:N0}) reached; the walk stopped.";
                yield return Rejected([.. segments, new(entry.FullName, SegmentKind.File)], StopReason);
                yield break;
            }

            var childSegments = SplitEntryName(segments, entry.FullName);
            var unsafeReason = CheckEntry(entry);
            if (unsafeReason is not null)
            {
                yield return Rejected(childSegments, unsafeReason, entry);
                continue;
            }

            var kind = Classify(entry.Name, () => ReadHead(entry));
            if (kind.Kind == EntryKind.Archive)
            {
                var last = childSegments[^1];
                childSegments[^1] = last with { Kind = SegmentKind.Archive };
                if (depth + 1 > _limits.MaxArchiveDepth)
                {
                    yield return Rejected(childSegments, $"Archive nesting depth cap ({_limits.MaxArchiveDepth}) reached; not opened.", entry);
                    continue;
                }
                var (nested, reason) = InPlace(container, entries.Count, i, entry) ?? Materialise(entry);
                if (nested is null)
                {
                    yield return Rejected(childSegments, reason!, entry);
                    continue;
                }
                foreach (var child in WalkArchive(nested, childSegments, depth + 1, entry.Length, entry.CompressedLength, ct))
                    yield return child;
                continue;
            }

            yield return new WalkEntry
            {
                Path = UniquePath(childSegments),
                Segments = childSegments,
                Kind = kind.Kind,
                Reason = kind.Reason,
                CompressedSize = entry.CompressedLength,
                DeclaredSize = entry.Length,
                Source = kind.Kind == EntryKind.Xml ? new ZipEntrySource(container, i, entry.CompressedLength) : null,
            };
        }
    }

    /// <summary>Header-level checks (SECURITY-CHECKLIST 14–15); sizes are re-checked while inflating.</summary>
    internal string? CheckEntry(ZipArchiveEntry entry)
    {
        var nameProblem = CheckEntryName(entry.FullName);
        if (nameProblem is not null) return nameProblem;
        const int unixFileTypeMask = 0xF000, unixSymlink = 0xA000;
        if (((entry.ExternalAttributes >> 16) & unixFileTypeMask) == unixSymlink) return "Symbolic link entry (not followed).";
        if (entry.IsEncrypted) return "Encrypted entry (password-protected ZIPs are not supported).";
        if (entry.CompressedLength > 0 && entry.Length > _limits.RatioCheckMinimumBytes
            && entry.Length > entry.CompressedLength * _limits.MaxCompressionRatio)
            return $"Declared compression ratio exceeds the cap ({_limits.MaxCompressionRatio:N0}:1; zip bomb protection).";
        if (entry.Length > _limits.MaxEntryBytes) return $"Declared size exceeds the per-entry cap ({_limits.MaxEntryBytes:N0} bytes).";
        return null;
    }

    /// <summary>Rejects traversal, absolute and drive-letter names (zip slip).</summary>
    internal static string? CheckEntryName(string fullName)
    {
        if (fullName.Length == 0 || fullName.Contains('\0')) return "Invalid entry name.";
        var name = fullName.Replace('\\', '/');
        if (name.StartsWith('/')) return "Absolute path in entry name (zip slip protection).";
        if (name.Length >= 2 && char.IsAsciiLetter(name[0]) && name[1] == ':') return "Drive-letter path in entry name (zip slip protection).";
        foreach (var part in name.Split('/'))
        {
            if (part == "..") return "Path traversal ('..') in entry name (zip slip protection).";
        }
        return null;
    }

    /// <summary>A nested archive stored without compression, as a range of its container (nothing copied; its bytes
    /// are charged to the walk's budget as a copy's would be); null when it is compressed or its place in the
    /// container cannot be located simply (docs/decisions/0110).</summary>
    private (ContainerHandle? Handle, string? Reason)? InPlace(ContainerHandle container, int count, int index, ZipArchiveEntry entry)
    {
        if (entry.CompressedLength != entry.Length || entry.Length == 0) return null;
        long? data;
        try
        {
            using var stream = container.OpenStream();
            if (!_directories.TryGetValue(container, out var records))
            {
                records = StoredEntries.ReadDirectory(stream);
                _directories[container] = records;
            }
            data = records is not null && records.Length == count ? StoredEntries.DataOffset(stream, records[index], entry.Length) : null;
        }
        catch (Exception ex) when (ex is IOException or EndOfStreamException)
        {
            return null;
        }
        if (data is null) return null;
        try
        {
            Budget.Consume(entry.Length);
        }
        catch (LimitExceededException ex)
        {
            StopReason = ex.Message;
            return (null, ex.Message);
        }
        InPlaceCount++;
        return (container.Slice(data.Value, entry.Length), null);
    }

    /// <summary>Nested archives read in place so far (see <see cref="InPlace"/>).</summary>
    internal int InPlaceCount { get; private set; }

    /// <summary>Bytes of nested archives copied into memory so far.</summary>
    internal long MemoryHeld => _memoryHeld;

    /// <summary>Inflates a nested archive (counting every byte) into memory or a generated temp file.</summary>
    private (ContainerHandle? Handle, string? Reason) Materialise(ZipArchiveEntry entry)
    {
        string? tempPath = null;
        try
        {
            using var input = new CountingStream(entry.Open(), _limits, Budget, entry.CompressedLength, entry.FullName);
            // Pre-sized from the declared size (bounded by the memory room, so a lying header costs nothing):
            // growing by doubling would leave large garbage buffers behind for every nested archive.
            var fits = entry.Length > 0 && entry.Length <= Math.Min(_limits.NestedArchiveMemoryBytes, MemoryRoom());
            var buffer = new MemoryStream(fits ? (int)entry.Length : 0);
            var chunk = new byte[81920];
            Stream? spill = null;
            try
            {
                int n;
                while ((n = input.Read(chunk, 0, chunk.Length)) > 0)
                {
                    if (spill is null && buffer.Length + n > Math.Min(_limits.NestedArchiveMemoryBytes, MemoryRoom()))
                    {
                        EnsureTempRoot();
                        tempPath = Path.Combine(_tempRoot, Guid.NewGuid().ToString("N") + ".zip");
                        spill = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
                        buffer.Position = 0;
                        buffer.CopyTo(spill);
                        buffer = new MemoryStream();
                    }
                    (spill ?? buffer).Write(chunk, 0, n);
                }
            }
            finally
            {
                spill?.Dispose();
            }
            if (tempPath is not null) return (ContainerHandle.ForFile(tempPath), null);
            _memoryHeld += buffer.Length;
            return (ContainerHandle.ForBytes(buffer.GetBuffer(), (int)buffer.Length), null);
        }
        catch (LimitExceededException ex)
        {
            if (tempPath is not null) File.Delete(tempPath);
            if (Budget.Used > _limits.MaxTotalBytes) StopReason = ex.Message;
            return (null, ex.Message);
        }
        catch (InvalidDataException ex)
        {
            if (tempPath is not null) File.Delete(tempPath);
            return (null, $"Corrupt archive entry: {ex.Message}");
        }
    }

    // Nested archives held in memory are bounded in total; past 64 MB they go to disk.
    private long MemoryRoom() => Math.Max(0, (64L * 1024 * 1024) - _memoryHeld);

    private void EnsureTempRoot()
    {
        if (_createdTemp) return;
        Directory.CreateDirectory(_tempRoot);
        _createdTemp = true;
    }

    private readonly record struct Classification(EntryKind Kind, string? Reason);

    /// <summary>Decides by extension, sniffing the first bytes when the extension says nothing.</summary>
    private static Classification Classify(string name, Func<byte[]> head)
    {
        var ext = Path.GetExtension(name).ToLowerInvariant();
        if (ext == ".xml") return new(EntryKind.Xml, null);
        if (ext == ".zip") return new(EntryKind.Archive, null);
        if (Array.IndexOf(_unsupportedArchives, ext) >= 0)
            return new(EntryKind.Skipped, $"Unsupported archive format ({ext}); only ZIP archives are opened.");

        byte[] bytes;
        try { bytes = head(); }
        catch (Exception ex) when (ex is IOException or InvalidDataException or LimitExceededException)
        {
            return new(EntryKind.Rejected, $"Unreadable: {ex.Message}");
        }
        if (bytes.Length >= 4 && bytes[0] == 'P' && bytes[1] == 'K' && bytes[2] == 3 && bytes[3] == 4) return new(EntryKind.Archive, null);
        if (bytes.Length >= 4 && bytes[0] == 'R' && bytes[1] == 'a' && bytes[2] == 'r' && bytes[3] == '!')
            return new(EntryKind.Skipped, "Unsupported archive format (RAR); only ZIP archives are opened.");
        if (LooksLikeXml(bytes)) return new(EntryKind.Xml, null);
        var what = ext.Length == 0 ? "no extension" : $"extension {ext}";
        return new(EntryKind.Skipped, $"Not an XML file ({what}).");
    }

    internal static bool LooksLikeXml(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) head = head[3..];
        else if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF])) return true;
        var i = 0;
        while (i < head.Length && head[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') i++;
        return i < head.Length && head[i] == '<';
    }

    private static byte[] ReadHead(string path)
    {
        using var stream = File.OpenRead(path);
        return ReadHead(stream);
    }

    private byte[] ReadHead(ZipArchiveEntry entry)
    {
        using var stream = new CountingStream(entry.Open(), _limits, Budget, entry.CompressedLength, entry.FullName);
        return ReadHead(stream);
    }

    private static byte[] ReadHead(Stream stream)
    {
        var buffer = new byte[64];
        var total = 0;
        int n;
        while (total < buffer.Length && (n = stream.Read(buffer, total, buffer.Length - total)) > 0) total += n;
        return buffer[..total];
    }

    private static PathSegment[] SplitEntryName(PathSegment[] parent, string fullName)
    {
        var parts = fullName.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var result = new PathSegment[parent.Length + parts.Length];
        parent.CopyTo(result, 0);
        for (var i = 0; i < parts.Length; i++)
            result[parent.Length + i] = new PathSegment(parts[i], i == parts.Length - 1 ? SegmentKind.File : SegmentKind.Folder);
        return result;
    }

    private WalkEntry Rejected(PathSegment[] segments, string reason, ZipArchiveEntry? entry = null) => new()
    {
        Path = UniquePath(segments),
        Segments = segments,
        Kind = EntryKind.Rejected,
        Reason = reason,
        CompressedSize = entry?.CompressedLength,
        DeclaredSize = entry?.Length,
    };

    /// <summary>Logical path; a duplicate entry name in one archive gets a <c>#2</c> suffix to stay addressable.</summary>
    private string UniquePath(PathSegment[] segments)
    {
        var path = string.Join('/', segments.Select(s => s.Name));
        if (_paths.Add(path)) return path;
        for (var n = 2; ; n++)
        {
            var candidate = $"{path}#{n}";
            if (_paths.Add(candidate)) return candidate;
        }
    }

    public void Dispose()
    {
        _opener.Dispose();
        if (_createdTemp)
        {
            try { Directory.Delete(_tempRoot, recursive: true); }
            catch (IOException) { /* best effort: a file may still be open on another thread */ }
        }
    }
}
