using System.Xml;
using Ret.Conversion.Archives;
using Ret.Conversion.Safety;

namespace Ret.Conversion.Scanning;

/// <summary>
/// Lists an input (ZIP, XML file or folder, nested ZIPs included), assigns groups and detects each group's
/// record element(s). Safe on hostile input: every cap of <see cref="SafetyLimits"/> is enforced while reading.
/// </summary>
public static class ArchiveScanner
{
    /// <summary>Scans <paramref name="inputPath"/>; runs on a worker thread and honours cancellation.</summary>
    public static Task<ScanReport> ScanAsync(
        string inputPath, ScanOptions? options = null, IProgress<ScanProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputPath);
        options ??= new ScanOptions();
        return Task.Run(() => Scan(inputPath, options, progress, cancellationToken), cancellationToken);
    }

    /// <summary>Synchronous core of <see cref="ScanAsync"/>.</summary>
    public static ScanReport Scan(string inputPath, ScanOptions options, IProgress<ScanProgress>? progress, CancellationToken ct)
    {
        SafeXml.EnsureEncodings();
        var resolver = new GroupResolver(options.Grouping);
        long plainBytes = 0;
        var xmlCount = 0;
        var listed = 0;

        using var walker = new ArchiveWalker(options.Limits, options.TempDirectory);
        // The walk itself is sequential (it materialises nested archives); reading the XML entries — the
        // expensive part — runs on several threads, each with its own archive handles.
        var walked = new List<WalkEntry>();
        foreach (var entry in walker.Walk(inputPath, options.InputName, ct)) walked.Add(entry);

        var entries = new ScannedEntry[walked.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(options.Threads, 1, 64), CancellationToken = ct };
        Parallel.For(0, walked.Count, parallel, walker.CreateOpener, (i, _, opener) =>
        {
            var entry = walked[i];
            ScannedEntry scanned;
            if (entry.Kind == EntryKind.Xml)
            {
                Interlocked.Increment(ref xmlCount);
                scanned = ScanXml(opener, entry, options, ct) with { Group = resolver.Resolve(entry.Segments) };
                if (entry.Source is FileEntrySource) Interlocked.Add(ref plainBytes, scanned.Size ?? 0);
            }
            else
            {
                scanned = new ScannedEntry
                {
                    Path = entry.Path, Kind = entry.Kind, Reason = entry.Reason,
                    Size = entry.DeclaredSize, CompressedSize = entry.CompressedSize,
                };
            }
            entries[i] = scanned;
            progress?.Report(new ScanProgress(walker.Budget.Used + Interlocked.Read(ref plainBytes), Interlocked.Increment(ref listed), Volatile.Read(ref xmlCount), entry.Path));
            return opener;
        }, opener => opener.Dispose());

        var stopReason = walker.StopReason;
        if (stopReason is null && walker.Budget.Used > options.Limits.MaxTotalBytes)
            stopReason = $"Total uncompressed size cap reached ({options.Limits.MaxTotalBytes:N0} bytes).";
        return new ScanReport
        {
            Input = options.InputName ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(inputPath)),
            EngineVersion = EngineInfo.Version,
            Entries = entries,
            Groups = BuildGroups(entries),
            StoppedReason = stopReason,
            TotalBytes = Math.Min(walker.Budget.Used, options.Limits.MaxTotalBytes) + plainBytes,
            XmlFileCount = xmlCount,
            SkippedCount = entries.Count(e => e.Kind == EntryKind.Skipped),
            RejectedCount = entries.Count(e => e.Kind == EntryKind.Rejected),
        };
    }

    private static ScannedEntry ScanXml(EntryOpener opener, WalkEntry entry, ScanOptions options, CancellationToken ct)
    {
        CountingStream? counting = null;
        string? encoding = null;
        try
        {
            counting = opener.Open(entry.Source!, entry.Path);
            var (replay, head) = ReplayStream.Peek(counting, 4);
            var found = RecordDetector.Detect(replay, () => counting.BytesRead, options.Limits, options.SampleBytes, ct);
            encoding = EncodingSniffer.Describe(head, found.DeclaredEncoding);
            if (entry.Source is ZipEntrySource) counting.Drain();
            var size = entry.Source is FileEntrySource ? entry.DeclaredSize : counting.BytesRead;
            return new ScannedEntry
            {
                Path = entry.Path, Kind = EntryKind.Xml, Size = size, CompressedSize = entry.CompressedSize,
                Encoding = encoding, Root = found.Root, RecordPath = found.RecordPath,
                RecordsInSample = found.RecordsInSample, SampleComplete = found.SampleComplete, Context = found.ContextElements,
            };
        }
        catch (Exception ex) when (ex is XmlException or LimitExceededException or InvalidDataException or IOException or System.Text.DecoderFallbackException or ArgumentException)
        {
            var unsafeInput = ex is LimitExceededException || ex.Message.Contains("DTD", StringComparison.OrdinalIgnoreCase);
            return new ScannedEntry
            {
                Path = entry.Path,
                Kind = unsafeInput ? EntryKind.Rejected : EntryKind.Xml,
                Reason = SafeXml.Describe(ex),
                Size = counting?.BytesRead, CompressedSize = entry.CompressedSize, Encoding = encoding,
            };
        }
        finally
        {
            counting?.Dispose();
        }
    }

    /// <summary>Groups XML entries case-insensitively, one table per distinct record element name.</summary>
    internal static List<ScanGroup> BuildGroups(IReadOnlyList<ScannedEntry> entries)
    {
        var groups = new Dictionary<string, List<ScannedEntry>>(StringComparer.OrdinalIgnoreCase);
        var order = new List<string>();
        foreach (var entry in entries)
        {
            if (entry.Kind != EntryKind.Xml || entry.Group is null) continue;
            if (!groups.TryGetValue(entry.Group, out var list))
            {
                groups[entry.Group] = list = [];
                order.Add(entry.Group);
            }
            list.Add(entry);
        }

        var result = new List<ScanGroup>();
        foreach (var name in order.OrderBy(n => n, StringComparer.OrdinalIgnoreCase).ThenBy(n => n, StringComparer.Ordinal))
        {
            var files = groups[name];
            result.Add(new ScanGroup
            {
                Name = name,
                FileCount = files.Count,
                Bytes = files.Sum(f => f.Size ?? 0),
                Tables = BuildTables(name, files),
            });
        }
        return result;
    }

    private static List<ScanTable> BuildTables(string group, List<ScannedEntry> files)
    {
        var byRecord = new Dictionary<string, (List<string> Paths, List<string> Files)>(StringComparer.Ordinal);
        var order = new List<string>();
        var failed = new List<string>();
        foreach (var file in files)
        {
            if (file.RecordPath is null) { failed.Add(file.Path); continue; }
            var element = LastSegment(file.RecordPath);
            if (!byRecord.TryGetValue(element, out var table))
            {
                byRecord[element] = table = ([], []);
                order.Add(element);
            }
            if (!table.Paths.Contains(file.RecordPath)) table.Paths.Add(file.RecordPath);
            table.Files.Add(file.Path);
        }
        if (order.Count == 0)
        {
            // Only unreadable files: keep them in a table so conversion reports their errors.
            return [new ScanTable { Name = group, RecordElement = "", RecordPaths = [], Files = failed }];
        }
        // Unreadable files go with the first table: the conversion lists their errors there.
        if (failed.Count > 0)
        {
            var first = byRecord[order[0]].Files;
            first.AddRange(failed);
            var position = files.Select((f, i) => (f.Path, i)).ToDictionary(p => p.Path, p => p.i, StringComparer.Ordinal);
            first.Sort((a, b) => position[a].CompareTo(position[b]));
        }
        return order.Select(element => new ScanTable
        {
            Name = order.Count == 1 ? group : $"{group}.{element}",
            RecordElement = element,
            RecordPaths = byRecord[element].Paths,
            Files = byRecord[element].Files,
        }).ToList();
    }

    internal static string LastSegment(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? path : path[(slash + 1)..];
    }
}
