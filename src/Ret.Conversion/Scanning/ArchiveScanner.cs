using System.Collections.Concurrent;
using System.Xml;
using Ret.Conversion.Archives;
using Ret.Conversion.Safety;
using Ret.Conversion.Xml;

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
        var session = ScanCore(inputPath, options, progress, previewColumns: true, ct);
        session.Dispose();
        return session.Report;
    }

    /// <summary>
    /// A scan whose walker stays open: the converter reuses the materialised nested archives and the walked
    /// entries instead of walking and inflating the input again. Dispose it to release them.
    /// </summary>
    internal sealed class Session(ScanReport report, ArchiveWalker walker, IReadOnlyList<WalkEntry> walked) : IDisposable
    {
        public ScanReport Report { get; } = report;
        public ArchiveWalker Walker { get; } = walker;
        /// <summary>Walked entries, index-aligned with <see cref="ScanReport.Entries"/>.</summary>
        public IReadOnlyList<WalkEntry> Walked { get; } = walked;
        private int _disposed;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) Walker.Dispose();
        }
    }

    /// <summary>
    /// Called on a scan worker for an XML file that the detection read completely, with the file's bytes (valid
    /// only during the call) and its scan result (group included), so the file can be converted at once.
    /// </summary>
    internal delegate void SmallFileSink(WalkEntry entry, ScannedEntry scanned, ReadOnlyMemory<byte> bytes);

    /// <summary>The scan, keeping the walker open; <paramref name="previewColumns"/> fills <see cref="ScanTable.Columns"/>.</summary>
    internal static Session ScanCore(string inputPath, ScanOptions options, IProgress<ScanProgress>? progress, bool previewColumns,
        CancellationToken ct, SmallFileSink? sink = null)
    {
        var walker = new ArchiveWalker(options.Limits, options.TempDirectory);
        try
        {
            return ScanWith(walker, inputPath, options, progress, previewColumns, sink, ct);
        }
        catch
        {
            walker.Dispose();
            throw;
        }
    }

    private static Session ScanWith(ArchiveWalker walker, string inputPath, ScanOptions options, IProgress<ScanProgress>? progress,
        bool previewColumns, SmallFileSink? sink, CancellationToken ct)
    {
        SafeXml.EnsureEncodings();
        var resolver = new GroupResolver(options.Grouping);
        long plainBytes = 0;
        var xmlCount = 0;
        var listed = 0;

        // The walk itself is sequential (it materialises nested archives), but it runs inside the parallel loop:
        // whichever worker needs the next entry advances the walk (under the partitioner's lock) while the other
        // workers read XML entries — the expensive part — each with its own archive handles. Indices are
        // assigned in walk order, so the report does not depend on the thread count.
        var walked = new List<WalkEntry>();
        var scannedList = new List<ScannedEntry?>();
        var sync = new object();
        IEnumerable<(int Index, WalkEntry Entry)> Indexed()
        {
            foreach (var entry in walker.Walk(inputPath, options.InputName, ct))
            {
                int index;
                lock (sync)
                {
                    index = walked.Count;
                    walked.Add(entry);
                    scannedList.Add(null);
                }
                yield return (index, entry);
            }
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(options.Threads, 1, 64), CancellationToken = ct };
        try
        {
            Parallel.ForEach(Partitioner.Create(Indexed(), EnumerablePartitionerOptions.NoBuffering), parallel, walker.CreateOpener, (item, _, opener) =>
            {
                var entry = item.Entry;
                ScannedEntry scanned;
                if (entry.Kind == EntryKind.Xml)
                {
                    Interlocked.Increment(ref xmlCount);
                    scanned = ScanXml(opener, entry, options, resolver, sink, ct);
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
                lock (sync) scannedList[item.Index] = scanned;
                progress?.Report(new ScanProgress(walker.Budget.Used + Interlocked.Read(ref plainBytes), Interlocked.Increment(ref listed), Volatile.Read(ref xmlCount), entry.Path));
                return opener;
            }, opener => opener.Dispose());
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count == 1)
        {
            // The walk's own errors (input not found …) surface as they did from a plain loop.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
            throw;
        }
        var entries = scannedList.Select(e => e!).ToArray();

        var stopReason = walker.StopReason;
        if (stopReason is null && walker.Budget.Used > options.Limits.MaxTotalBytes)
            stopReason = $"Total uncompressed size cap reached ({options.Limits.MaxTotalBytes:N0} bytes).";
        var totalBytes = Math.Min(walker.Budget.Used, options.Limits.MaxTotalBytes) + plainBytes;
        var groups = BuildGroups(entries);
        if (previewColumns) AddColumnPreviews(groups, walked, entries, options, parallel, ct);
        var report = new ScanReport
        {
            Input = options.InputName ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(inputPath)),
            EngineVersion = EngineInfo.Version,
            Entries = entries,
            Groups = groups,
            StoppedReason = stopReason,
            TotalBytes = totalBytes,
            XmlFileCount = xmlCount,
            SkippedCount = entries.Count(e => e.Kind == EntryKind.Skipped),
            RejectedCount = entries.Count(e => e.Kind == EntryKind.Rejected),
        };
        return new Session(report, walker, walked);
    }

    /// <summary>Most column names listed in <see cref="ScanTable.Columns"/>.</summary>
    public const int MaxPreviewColumns = 50;

    /// <summary>Files of a table sampled for <see cref="ScanTable.Columns"/> (within <see cref="ScanOptions.SampleBytes"/> in all).</summary>
    private const int MaxPreviewFiles = 4;

    /// <summary>
    /// Fills <see cref="ScanTable.Columns"/>: the first files of each table are extracted (rows discarded) up to
    /// <see cref="ScanOptions.SampleBytes"/>, and their columns laid out exactly as the conversion does. Reads use
    /// their own inflation budget so the report's byte totals do not count the sample twice.
    /// </summary>
    private static void AddColumnPreviews(List<ScanGroup> groups, List<WalkEntry> walked, ScannedEntry[] entries,
        ScanOptions options, ParallelOptions parallel, CancellationToken ct)
    {
        var byPath = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < walked.Count; i++) byPath.TryAdd(walked[i].Path, i);
        var work = new List<(int Group, int Table)>();
        for (var g = 0; g < groups.Count; g++)
            for (var t = 0; t < groups[g].Tables.Count; t++) work.Add((g, t));
        var results = new (IReadOnlyList<string> Names, int Count, bool Exact)[work.Count];
        var budget = new InflationBudget(options.Limits.MaxTotalBytes);
        Parallel.For(0, work.Count, parallel, () => new EntryOpener(options.Limits, budget), (w, _, opener) =>
        {
            var table = groups[work[w].Group].Tables[work[w].Table];
            results[w] = PreviewColumns(table, byPath, walked, entries, opener, options, ct);
            return opener;
        }, opener => opener.Dispose());
        for (var w = 0; w < work.Count; w++)
        {
            var (g, t) = work[w];
            var tables = (List<ScanTable>)groups[g].Tables;
            tables[t] = tables[t] with { Columns = results[w].Names, ColumnCount = results[w].Count, ColumnCountExact = results[w].Exact };
        }
    }

    private static (IReadOnlyList<string> Names, int Count, bool Exact) PreviewColumns(ScanTable table, Dictionary<string, int> byPath, List<WalkEntry> walked,
        ScannedEntry[] entries, EntryOpener opener, ScanOptions options, CancellationToken ct)
    {
        if (table.RecordElement.Length == 0) return ([], 0, false);
        var layout = new Conversion.ColumnLayout();
        var classifier = new Conversion.ValueClassifier(',');
        var remaining = Math.Max(options.SampleBytes, 1);
        var sampled = 0;
        var whole = 0; // files read to their end: when that is every file, the count is the table's width
        foreach (var path in table.Files)
        {
            if (remaining <= 0 || sampled >= MaxPreviewFiles) break;
            if (!byPath.TryGetValue(path, out var index) || entries[index].RecordPath is not { } recordPath) continue;
            var entry = walked[index];
            if (entry.Source is null) continue;
            CountingStream? stream = null;
            try
            {
                stream = opener.Open(entry.Source, entry.Path);
                var result = new Conversion.FileExtraction { Path = path };
                using var spill = new Conversion.SpillWriter(Stream.Null, classifier);
                var limit = remaining;
                var counting = stream;
                new Conversion.RowExtractor(Conversion.RecordMatcher.Parse(recordPath, anchored: true), options.Limits, spill)
                    .Run(stream, result, ct, () => counting.BytesRead > limit);
                layout.Add(result.Columns);
                // The stop test fires only once more than the limit was read, so a read that stayed within it ran to
                // the file's end; one that went past it may have been cut (counted as not whole, to be safe).
                if (stream.BytesRead <= limit) whole++;
                remaining -= stream.BytesRead;
                sampled++;
            }
            catch (Exception ex) when (ex is XmlException or LimitExceededException or InvalidDataException or IOException
                or System.Text.DecoderFallbackException or ArgumentException)
            {
                // A file the conversion would fail on adds no columns; try the next one.
            }
            finally
            {
                stream?.Dispose();
            }
        }
        if (sampled == 0) return ([], 0, false);
        layout.Resolve(table.Name, table.RecordElement, Conversion.RepeatMode.Wide, Conversion.ContextMode.Columns, includeSourceFile: false);
        var columns = layout.Tables[0].Columns;
        return (columns.Count <= MaxPreviewColumns ? [.. columns] : columns.GetRange(0, MaxPreviewColumns), columns.Count,
            whole == table.Files.Count);
    }

    private static ScannedEntry ScanXml(EntryOpener opener, WalkEntry entry, ScanOptions options, GroupResolver resolver,
        SmallFileSink? sink, CancellationToken ct)
    {
        CountingStream? counting = null;
        RecordingStream? recording = null;
        string? encoding = null;
        var group = resolver.Resolve(entry.Segments);
        try
        {
            ReplayStream Open(out byte[] head)
            {
                counting = opener.Open(entry.Source!, entry.Path);
                Stream input = counting;
                if (sink is not null)
                {
                    // A file the detection reads to its end is kept (pooled, ≤ sample + 256 KB, at most 64 MB) for the sink.
                    var cap = (int)Math.Min(64L * 1024 * 1024, options.SampleBytes + (256 * 1024));
                    input = recording = new RecordingStream(counting, cap);
                }
                var (replay, peeked) = ReplayStream.Peek(input, 4);
                head = peeked;
                return replay;
            }

            var replay = Open(out var head);
            DetectionResult found;
            if (!options.FastXml)
            {
                found = RecordDetector.Detect(replay, () => counting!.BytesRead, options.Limits, options.SampleBytes, ct);
            }
            else
            {
                try
                {
                    found = RecordDetector.DetectFast(replay, () => counting!.BytesRead, options.Limits, options.SampleBytes, ct);
                }
                catch (XmlFallbackException)
                {
                    // Read again from the start with XmlReader (docs/decisions/0109); the first read's bytes go back
                    // to the total-size budget, since the same bytes are inflated again.
                    var consumed = counting!.BytesRead;
                    recording?.Dispose();
                    recording = null;
                    counting.Dispose();
                    counting = null;
                    opener.Refund(entry.Source!, consumed);
                    replay = Open(out head);
                    found = RecordDetector.Detect(replay, () => counting!.BytesRead, options.Limits, options.SampleBytes, ct);
                }
            }
            encoding = EncodingSniffer.Describe(head, found.DeclaredEncoding);
            var wholeFileRead = recording is { Complete: true } && found.SampleComplete && EndReached(recording);
            if (entry.Source is ZipEntrySource) counting!.Drain();
            var size = entry.Source is FileEntrySource ? entry.DeclaredSize : counting!.BytesRead;
            var scanned = new ScannedEntry
            {
                Path = entry.Path, Kind = EntryKind.Xml, Size = size, CompressedSize = entry.CompressedSize,
                Encoding = encoding, Root = found.Root, RecordPath = found.RecordPath,
                RecordsInSample = found.RecordsInSample, SampleComplete = found.SampleComplete, Context = found.ContextElements,
                Group = group,
            };
            if (wholeFileRead) sink!(entry, scanned, recording!.Recorded);
            return scanned;
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
                Group = group,
            };
        }
        finally
        {
            recording?.Dispose();
            counting?.Dispose();
        }
    }

    /// <summary>True when nothing follows what was read (the XML reader stops at the end of the document).</summary>
    private static bool EndReached(RecordingStream recording)
    {
        if (recording.ReachedEnd) return true;
        Span<byte> probe = stackalloc byte[1];
        return recording.Read(probe) == 0;
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
