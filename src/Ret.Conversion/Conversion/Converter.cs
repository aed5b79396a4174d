using System.Diagnostics;
using System.Text;
using System.Xml;
using Ret.Conversion.Archives;
using Ret.Conversion.Output;
using Ret.Conversion.Safety;
using Ret.Conversion.Scanning;

namespace Ret.Conversion.Conversion;

/// <summary>
/// Converts the XML of an input (ZIP, XML file or folder) into one CSV/XLSX table per group and record element,
/// plus <c>manifest.json</c>. Two phases (docs/decisions/0103): files are read once each, in parallel, into spill
/// files keyed by local column ids; then every table's layout is built from its files in walk order and the
/// spills are replayed into the writers. Output is byte-identical for the same input and options whatever the
/// thread count. Outputs are written under temporary names and renamed when complete.
/// </summary>
public static class Converter
{
    /// <summary>Name of the manifest written beside the tables.</summary>
    public const string ManifestFileName = "manifest.json";

    /// <summary>
    /// Converts <paramref name="inputPath"/> into <paramref name="outputDirectory"/>.
    /// </summary>
    /// <param name="inputPath">ZIP, XML file or folder.</param>
    /// <param name="plan">A scan of the same input (from <see cref="ArchiveScanner.ScanAsync"/>), or null to scan first.</param>
    /// <param name="options">Format, mode, groups, record overrides …</param>
    /// <param name="outputDirectory">Created when missing; existing files with the same names are replaced.</param>
    /// <param name="progress">Optional; may be called from worker threads.</param>
    /// <param name="cancellationToken">Stops the conversion; temporary files are removed.</param>
    /// <exception cref="ArgumentException">A requested group does not exist.</exception>
    public static Task<ConversionManifest> ConvertAsync(
        string inputPath, ScanReport? plan, ConvertOptions options, string outputDirectory,
        IProgress<ConvertProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputPath);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        return Task.Run(() => new Run(inputPath, plan, options, outputDirectory, progress, cancellationToken).Execute(), cancellationToken);
    }

    /// <summary>
    /// Scans <paramref name="inputPath"/> as <see cref="ArchiveScanner.ScanAsync"/> does (the same report) and, while
    /// the scan holds each small file's bytes, extracts it into a spill in <paramref name="cacheDirectory"/> with the
    /// record rule the scan detected and the default delimiter. A conversion of the unchanged input with a plan from
    /// this report and <see cref="ConvertOptions.Extracted"/> set then only reads the files the cache does not hold
    /// (docs/decisions/0111). The caller owns the cache and disposes it; on failure nothing is left in the folder.
    /// </summary>
    public static Task<(ScanReport Report, ExtractionCache Cache)> ScanAndExtractAsync(
        string inputPath, ScanOptions options, string cacheDirectory, IProgress<ScanProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputPath);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(cacheDirectory);
        return Task.Run(() =>
        {
            Directory.CreateDirectory(cacheDirectory);
            var cache = new ExtractionCache(cacheDirectory,
                new EarlyExtractions(cacheDirectory, new ConvertOptions().Delimiter, options.Limits, options.FastXml, _ => null, null));
            try
            {
                var session = ArchiveScanner.ScanCore(inputPath, options, progress, previewColumns: true, cancellationToken,
                    (entry, scanned, bytes) => cache.Files.Extract(entry, scanned, bytes, cancellationToken));
                session.Dispose();
                return (session.Report, cache);
            }
            catch
            {
                cache.Dispose();
                throw;
            }
        }, cancellationToken);
    }

    /// <summary>One file to extract.</summary>
    private sealed record ExtractJob(int Number, string Path, RecordMatcher Matcher, FileExtraction Result);

    /// <summary>One table to write: its job description plus the files' record rules.</summary>
    private sealed record TablePlan(string Group, string Name, RecordMatcher DefaultMatcher, List<ExtractJob> Jobs);

    /// <summary>State of one conversion.</summary>
    private sealed class Run(string inputPath, ScanReport? plan, ConvertOptions options, string outputDirectory,
        IProgress<ConvertProgress>? progress, CancellationToken ct)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly ValueClassifier _classifier = new(options.Delimiter);
        private long _bytes;
        private long _reportedBytes;
        private long _records;
        private int _filesDone;
        private int _filesTotal;
        private long _totalBytes;

        public ConversionManifest Execute()
        {
            SafeXml.EnsureEncodings();
            if (options.Delimiter > 127 || options.Delimiter is '"' or '\r' or '\n')
                throw new ArgumentException("The delimiter must be an ASCII character other than a quote or line break.", nameof(options));

            Directory.CreateDirectory(outputDirectory);
            var tempRoot = Path.Combine(options.TempDirectory ?? Path.GetTempPath(), "ret-convert-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(tempRoot);
            var pending = new List<(string Temp, string Final)>();
            ArchiveScanner.Session? session = null;
            try
            {
                // Without a plan, the scan's walker stays open for the extraction: the nested archives it
                // materialised and the entries it listed are reused instead of walking and inflating the input a
                // second time; and a file the scan read completely is extracted from memory on the spot
                // (docs/decisions/0107).
                // With a plan, the files a scan of the same input extracted as it read them (ExtractionCache) are
                // adopted the same way (docs/decisions/0111).
                _early = plan is null
                    ? new EarlyExtractions(tempRoot, options.Delimiter, options.Limits, options.FastXml, OverrideFor, options.Groups)
                    : options.Extracted is { } carried && carried.TryClaim(options) ? carried.Files : null;
                session = plan is null
                    ? ArchiveScanner.ScanCore(inputPath,
                        new ScanOptions { Limits = options.Limits, TempDirectory = options.TempDirectory, InputName = options.InputName, Threads = options.Threads, FastXml = options.FastXml },
                        null, previewColumns: false, ct, ExtractEarly)
                    : null;
                var report = session?.Report ?? plan!;
                var scanSeconds = _clock.Elapsed.TotalSeconds;
                var tables = PlanTables(report);
                var jobs = tables.SelectMany(t => t.Jobs).ToList();
                _filesTotal = jobs.Count;
                var sizes = report.Entries.Where(e => e.Kind == EntryKind.Xml).ToDictionary(e => e.Path, e => e.Size ?? 0, StringComparer.Ordinal);
                _totalBytes = jobs.Sum(j => sizes.GetValueOrDefault(j.Path));
                PlanGroups(tables, sizes);
                if (plan is null) _early?.DeleteUnadopted(); // a carried cache's spills belong to its owner

                double extractSeconds;
                if (session is not null)
                {
                    Extract(FromSession(session, jobs), jobs, tempRoot, new InflationBudget(options.Limits.MaxTotalBytes));
                    extractSeconds = _clock.Elapsed.TotalSeconds - scanSeconds;
                    session.Dispose(); // nested archives are no longer needed for the merge
                }
                else
                {
                    using var walker = new ArchiveWalker(options.Limits, tempRoot);
                    var entries = FindEntries(walker, jobs);
                    Extract(entries, jobs, tempRoot, walker.Budget);
                    extractSeconds = _clock.Elapsed.TotalSeconds - scanSeconds;
                }

                var mergeStart = _clock.Elapsed.TotalSeconds;
                var manifestTables = Merge(tables, pending);
                var mergeSeconds = _clock.Elapsed.TotalSeconds - mergeStart;

                var manifest = BuildManifest(report, tables, manifestTables, scanSeconds, extractSeconds, mergeSeconds);
                var manifestTemp = Path.Combine(outputDirectory, $".{ManifestFileName}.tmp-{Guid.NewGuid():N}");
                File.WriteAllText(manifestTemp, RetJsonContext.Serialize(manifest), new UTF8Encoding(false));
                pending.Add((manifestTemp, Path.Combine(outputDirectory, ManifestFileName)));
                foreach (var (temp, final) in pending) File.Move(temp, final, overwrite: true);
                pending.Clear();
                progress?.Report(new ConvertProgress("done", _bytes, _totalBytes, _records, _filesDone, _filesTotal, null) { Groups = GroupSnapshot() });
                return manifest;
            }
            finally
            {
                session?.Dispose();
                foreach (var (temp, _) in pending) TryDelete(temp);
                try { Directory.Delete(tempRoot, recursive: true); }
                catch (IOException) { /* best effort */ }
            }
        }

        /// <summary>Chooses groups and the record rule of every file.</summary>
        private List<TablePlan> PlanTables(ScanReport report)
        {
            var selected = report.Groups;
            if (options.Groups is { Count: > 0 } wanted)
            {
                var missing = wanted.Where(w => !report.Groups.Any(g => string.Equals(g.Name, w, StringComparison.OrdinalIgnoreCase))).ToList();
                if (missing.Count > 0)
                    throw new ArgumentException($"Unknown group(s): {string.Join(", ", missing)}. Known: {string.Join(", ", report.Groups.Select(g => g.Name))}.");
                selected = report.Groups.Where(g => wanted.Contains(g.Name, StringComparer.OrdinalIgnoreCase)).ToList();
            }

            var order = new Dictionary<string, int>(StringComparer.Ordinal);
            var recordPaths = new Dictionary<string, string?>(StringComparer.Ordinal);
            for (var i = 0; i < report.Entries.Count; i++)
            {
                order.TryAdd(report.Entries[i].Path, i);
                recordPaths.TryAdd(report.Entries[i].Path, report.Entries[i].RecordPath);
            }

            var tables = new List<TablePlan>();
            var number = 0;
            foreach (var group in selected)
            {
                var overrideSpec = OverrideFor(group.Name);
                if (overrideSpec is not null)
                {
                    var matcher = RecordMatcher.Parse(overrideSpec);
                    var files = group.Tables.SelectMany(t => t.Files).OrderBy(f => order.GetValueOrDefault(f)).ToList();
                    var plan = new TablePlan(group.Name, group.Name, matcher, []);
                    foreach (var file in files) plan.Jobs.Add(new ExtractJob(number++, file, matcher, Adopt(file, matcher)));
                    tables.Add(plan);
                    continue;
                }
                foreach (var table in group.Tables)
                {
                    var fallback = RecordMatcher.Parse(table.RecordPaths.FirstOrDefault() ?? (table.RecordElement.Length > 0 ? table.RecordElement : "record"), anchored: true);
                    var plan = new TablePlan(group.Name, table.Name, fallback, []);
                    foreach (var file in table.Files)
                    {
                        var path = recordPaths.GetValueOrDefault(file);
                        var matcher = path is null ? fallback : RecordMatcher.Parse(path, anchored: true);
                        plan.Jobs.Add(new ExtractJob(number++, file, matcher, Adopt(file, matcher)));
                    }
                    tables.Add(plan);
                }
            }
            return tables;
        }

        /// <summary>Files extracted during the scan (from the bytes it read): this run's own when it scans, a scan's
        /// carried cache when it claimed one, else null.</summary>
        private EarlyExtractions? _early;
        private long _earlyBytes;
        private long _earlyRecords;
        private int _earlyFiles;

        /// <summary>
        /// Scan sink: a file the scan read completely is extracted right away from those bytes with the record rule
        /// the plan will give it (override, else its detected record path), so it is neither opened nor inflated
        /// again. The plan adopts the result only when its rule is the same; anything unusual (a failure, a file
        /// outside the selected groups) is left to the normal extraction.
        /// </summary>
        private void ExtractEarly(WalkEntry entry, ScannedEntry scanned, ReadOnlyMemory<byte> bytes)
        {
            if (_early!.Extract(entry, scanned, bytes, ct) is not { } result || progress is null) return;
            var bytesSoFar = Interlocked.Add(ref _earlyBytes, result.Bytes);
            var records = Interlocked.Add(ref _earlyRecords, result.Records);
            progress.Report(new ConvertProgress("scan", bytesSoFar, 0, records, Interlocked.Increment(ref _earlyFiles), 0, entry.Path));
        }

        /// <summary>The scan's early extraction of <paramref name="file"/> when it used <paramref name="matcher"/>'s rule, else a fresh result.</summary>
        private FileExtraction Adopt(string file, RecordMatcher matcher)
        {
            if (_early?.TryAdopt(file, matcher) is { } early)
            {
                _bytes += early.Bytes;
                _records += early.Records;
                _filesDone++;
                return early;
            }
            return new FileExtraction { Path = file };
        }

        private string? OverrideFor(string group)
        {
            if (options.RecordOverrides is not null)
            {
                foreach (var (name, spec) in options.RecordOverrides)
                {
                    if (string.Equals(name, group, StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(spec)) return spec;
                }
            }
            return string.IsNullOrWhiteSpace(options.RecordOverride) ? null : options.RecordOverride;
        }

        /// <summary>Walks the input again (nested archives are re-materialised) to find the planned files.</summary>
        private Dictionary<string, WalkEntry> FindEntries(ArchiveWalker walker, List<ExtractJob> jobs)
        {
            var wanted = jobs.Select(j => j.Path).ToHashSet(StringComparer.Ordinal);
            var found = new Dictionary<string, WalkEntry>(StringComparer.Ordinal);
            foreach (var entry in walker.Walk(inputPath, options.InputName ?? plan?.Input, ct))
            {
                if (entry.Kind == EntryKind.Xml && wanted.Contains(entry.Path)) found[entry.Path] = entry;
            }
            return found;
        }

        /// <summary>The planned files among the entries the scan walked (same walk, same paths).</summary>
        private static Dictionary<string, WalkEntry> FromSession(ArchiveScanner.Session session, List<ExtractJob> jobs)
        {
            var wanted = jobs.Select(j => j.Path).ToHashSet(StringComparer.Ordinal);
            var found = new Dictionary<string, WalkEntry>(StringComparer.Ordinal);
            foreach (var entry in session.Walked)
            {
                if (entry.Kind == EntryKind.Xml && wanted.Contains(entry.Path)) found[entry.Path] = entry;
            }
            return found;
        }

        /// <param name="budget">Inflated-bytes budget of the extraction: the walk's own when the input was walked
        /// again; a fresh one when the scan's walk is reused (its budget already holds the bytes the scan read).</param>
        private void Extract(Dictionary<string, WalkEntry> entries, List<ExtractJob> jobs, string tempRoot, InflationBudget budget)
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(options.Threads, 1, 64), CancellationToken = ct };
            // Largest files first keeps both cores busy to the end; the output order does not depend on it.
            jobs = jobs.Where(j => j.Result.SpillPath is null && j.Result.Error is null).ToList();
            var schedule = jobs.OrderByDescending(j => entries.TryGetValue(j.Path, out var e) ? e.DeclaredSize ?? 0 : 0).ThenBy(j => j.Number).ToList();
            Parallel.ForEach(
                System.Collections.Concurrent.Partitioner.Create(schedule, System.Collections.Concurrent.EnumerablePartitionerOptions.NoBuffering),
                parallel,
                () => new EntryOpener(options.Limits, budget),
                (job, _, opener) =>
                {
                    ExtractOne(job, entries.GetValueOrDefault(job.Path), opener, tempRoot);
                    return opener;
                },
                opener => opener.Dispose());
        }

        private void ExtractOne(ExtractJob job, WalkEntry? entry, EntryOpener opener, string tempRoot)
        {
            var result = job.Result;
            if (entry?.Source is null)
            {
                result.Error = new FileError("File not found in the input (did the input change since the scan?).", null, null);
                return;
            }
            var spillPath = Path.Combine(tempRoot, $"{job.Number:D7}.spill");
            var group = _groupOfJob[job.Number];
            CountingStream? stream = null;
            try
            {
                FileExtractor.Extract(job.Matcher, options.Limits, _classifier, options.FastXml, again =>
                {
                    // A second read after a fallback: the first one's bytes were counted (progress) and charged
                    // (total-size budget) already, so only bytes beyond them count now.
                    var counted = 0L;
                    if (again && stream is not null)
                    {
                        counted = stream.BytesRead;
                        stream.Dispose();
                        stream = null;
                        opener.Refund(entry.Source, counted);
                    }
                    var seen = 0L;
                    return stream = opener.Open(entry.Source, entry.Path, n =>
                    {
                        seen += n;
                        if (seen > counted) OnBytes(group, Math.Min(n, seen - counted));
                    });
                }, spillPath, result, ct);
                result.Bytes = stream!.BytesRead;
                result.SpillPath = spillPath;
                Interlocked.Add(ref _records, result.Records);
                Interlocked.Add(ref _groupRecords[group], result.Records);
            }
            catch (Exception ex) when (ex is XmlException or LimitExceededException or InvalidDataException or IOException
                or ArgumentException or DecoderFallbackException)
            {
                result.Bytes = stream?.BytesRead ?? 0;
                result.Error = ex is XmlException x && x.LineNumber > 0
                    ? new FileError(SafeXml.Describe(x), x.LineNumber, x.LinePosition)
                    : new FileError(SafeXml.Describe(ex), null, null);
                result.Columns = [];
                result.Trailer = [];
                TryDelete(spillPath);
            }
            finally
            {
                stream?.Dispose();
                var done = Interlocked.Increment(ref _filesDone);
                if (Interlocked.Increment(ref _groupFiles[group]) == _groupFilesTotal[group]) Volatile.Write(ref _groupEnd[group], _clock.ElapsedTicks + 1);
                progress?.Report(new ConvertProgress("extract", Interlocked.Read(ref _bytes), _totalBytes, Interlocked.Read(ref _records), done, _filesTotal, job.Path)
                    { Groups = GroupSnapshot() });
            }
        }

        private void OnBytes(int group, long n)
        {
            var total = Interlocked.Add(ref _bytes, n);
            Interlocked.Add(ref _groupBytes[group], n);
            if (Volatile.Read(ref _groupStart[group]) == 0) Interlocked.CompareExchange(ref _groupStart[group], _clock.ElapsedTicks + 1, 0);
            const long step = 8 * 1024 * 1024;
            var reported = Interlocked.Read(ref _reportedBytes);
            if (progress is not null && total - reported >= step && Interlocked.CompareExchange(ref _reportedBytes, total, reported) == reported)
                progress.Report(new ConvertProgress("extract", total, _totalBytes, Interlocked.Read(ref _records), Volatile.Read(ref _filesDone), _filesTotal, null)
                    { Groups = GroupSnapshot() });
        }

        // Per-group counters, indexed like _groupNames (plan order). Start/end are Stopwatch ticks + 1 (0 = not yet).
        private string[] _groupNames = [];
        private int[] _groupFilesTotal = [];
        private long[] _groupBytesTotal = [];
        private int[] _groupFiles = [];
        private long[] _groupBytes = [];
        private long[] _groupRecords = [];
        private long[] _groupStart = [];
        private long[] _groupEnd = [];
        private readonly Dictionary<int, int> _groupOfJob = [];

        /// <summary>Sizes the per-group counters; files the scan already converted count as done.</summary>
        private void PlanGroups(List<TablePlan> tables, Dictionary<string, long> sizes)
        {
            _groupNames = [.. tables.Select(t => t.Group).Distinct(StringComparer.Ordinal)];
            var n = _groupNames.Length;
            (_groupFilesTotal, _groupBytesTotal, _groupFiles, _groupBytes, _groupRecords, _groupStart, _groupEnd) =
                (new int[n], new long[n], new int[n], new long[n], new long[n], new long[n], new long[n]);
            var now = _clock.ElapsedTicks + 1;
            foreach (var table in tables)
            {
                var g = Array.IndexOf(_groupNames, table.Group);
                foreach (var job in table.Jobs)
                {
                    _groupOfJob[job.Number] = g;
                    _groupFilesTotal[g]++;
                    _groupBytesTotal[g] += sizes.GetValueOrDefault(job.Path);
                    if (job.Result.SpillPath is null && job.Result.Error is null) continue;
                    _groupFiles[g]++;
                    _groupBytes[g] += job.Result.Bytes;
                    _groupRecords[g] += job.Result.Records;
                    if (_groupStart[g] == 0) _groupStart[g] = now;
                }
            }
            for (var g = 0; g < n; g++)
            {
                if (_groupFiles[g] == _groupFilesTotal[g]) _groupEnd[g] = now;
            }
        }

        private GroupProgress[] GroupSnapshot()
        {
            var now = _clock.ElapsedTicks + 1;
            var snapshot = new GroupProgress[_groupNames.Length];
            for (var g = 0; g < snapshot.Length; g++)
            {
                var start = Volatile.Read(ref _groupStart[g]);
                var end = Volatile.Read(ref _groupEnd[g]);
                var seconds = start == 0 ? 0 : ((end != 0 ? end : now) - start) / (double)Stopwatch.Frequency;
                snapshot[g] = new GroupProgress(_groupNames[g], Volatile.Read(ref _groupFiles[g]), _groupFilesTotal[g],
                    Interlocked.Read(ref _groupBytes[g]), _groupBytesTotal[g], Interlocked.Read(ref _groupRecords[g]), seconds);
            }
            return snapshot;
        }

        /// <summary>Layouts first (sequential, names allocated deterministically), then the writing in parallel.</summary>
        private List<ManifestTable>[] Merge(List<TablePlan> tables, List<(string Temp, string Final)> pending)
        {
            var mergers = new TableMerger[tables.Count];
            var fileNames = new List<string>[tables.Count];
            var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ManifestFileName };
            var extension = options.Format == OutputFormat.Xlsx ? ".xlsx" : ".csv";
            for (var i = 0; i < tables.Count; i++)
            {
                var plan = tables[i];
                var job = new TableJob(plan.Group, plan.Name, plan.DefaultMatcher.RecordName, plan.Jobs.Select(j => j.Result).ToList());
                mergers[i] = new TableMerger(job, options, onRows: null);
                mergers[i].Prepare();
                fileNames[i] = mergers[i].Layout.Tables.Select(t => UniqueFileName(t.Name, extension, used)).ToList();
            }

            var results = new List<ManifestTable>[tables.Count];
            var temps = new (string Temp, string Final)[tables.Count][];
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(options.Threads, 1, 64), CancellationToken = ct };
            for (var i = 0; i < tables.Count; i++)
                temps[i] = fileNames[i].Select(n => (Path.Combine(outputDirectory, $".{n}.tmp-{Guid.NewGuid():N}"), Path.Combine(outputDirectory, n))).ToArray();
            lock (pending) pending.AddRange(temps.SelectMany(t => t));

            // Largest tables first, one at a time per worker, so a big table does not start last on a busy core.
            var order = Enumerable.Range(0, tables.Count)
                .OrderByDescending(i => tables[i].Jobs.Sum(j => j.Result.Bytes)).ThenBy(i => i).ToList();
            Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(order, System.Collections.Concurrent.EnumerablePartitionerOptions.NoBuffering), parallel, i =>
            {
                var merger = mergers[i];
                var writers = new List<ITableWriter>();
                var index = 0;
                var written = merger.Run(table =>
                {
                    var (path, _) = temps[i][index++];
                    ITableWriter writer = options.Format == OutputFormat.Xlsx
                        ? new XlsxTableWriter(path, table.Name, options.MaxRowsPerSheet)
                        : new CsvTableWriter(path, options.Delimiter, options.Bom, options.NeutraliseFormulas);
                    writers.Add(writer);
                    return writer;
                }, ct);
                foreach (var (file, w) in written)
                {
                    _written[file] = w;
                }
                var layout = merger.Layout;
                results[i] = layout.Tables.Select((t, n) => new ManifestTable
                {
                    Name = t.Name,
                    Group = tables[i].Group,
                    File = fileNames[i][n],
                    Kind = t.Kind switch { OutputTableKind.Child => "child", OutputTableKind.Context => "context", _ => "records" },
                    RecordElement = merger.RecordName,
                    Parent = t.Kind == OutputTableKind.Child ? layout.Tables[t.Parent].Name : t.Kind == OutputTableKind.Context ? layout.Tables[0].Name : null,
                    Columns = t.Columns,
                    Rows = writers[n].Rows,
                    Sheets = writers[n] is XlsxTableWriter x ? x.Sheets : null,
                    FormulaCells = writers[n] is CsvTableWriter c ? c.FormulaCells : null,
                }).ToList();
            });
            return results;
        }

        private readonly System.Collections.Concurrent.ConcurrentDictionary<FileExtraction, FileWritten> _written = new();

        private ConversionManifest BuildManifest(ScanReport report, List<TablePlan> tables, List<ManifestTable>[] outputs,
            double scanSeconds, double extractSeconds, double mergeSeconds)
        {
            var files = new List<ManifestFile>();
            foreach (var table in tables)
            {
                foreach (var job in table.Jobs)
                {
                    var r = job.Result;
                    var written = _written.GetValueOrDefault(r);
                    files.Add(new ManifestFile
                    {
                        Path = r.Path, Group = table.Group, Table = table.Name, Record = job.Matcher.Description,
                        Bytes = r.Bytes, Records = r.Records, Rows = written.Rows,
                        LeafValues = r.ValuesSeen, ValuesWritten = written.Values, Error = r.Error, Warning = r.Warning,
                    });
                }
            }
            var allTables = outputs.SelectMany(t => t).ToList();
            var total = _clock.Elapsed.TotalSeconds;
            var bytes = files.Sum(f => f.Bytes);
            return new ConversionManifest
            {
                EngineVersion = EngineInfo.Version,
                Input = report.Input,
                Options = new ManifestOptions(
                    options.Format.ToString().ToLowerInvariant(), options.Mode.ToString().ToLowerInvariant(),
                    options.Context.ToString().ToLowerInvariant(), options.NeutraliseFormulas, options.Bom,
                    options.Delimiter.ToString(), options.IncludeSourceFile, tables.Select(t => t.Group).Distinct().ToList()),
                Tables = allTables,
                Files = files,
                TotalRows = allTables.Where(t => t.Kind == "records").Sum(t => t.Rows),
                FailedFiles = files.Count(f => f.Error is not null),
                NotConverted = report.Entries.Where(e => e.Kind is EntryKind.Skipped or EntryKind.Rejected).ToList(),
                Timings = new ManifestTimings(
                    Math.Round(scanSeconds, 3), Math.Round(extractSeconds, 3), Math.Round(mergeSeconds, 3), Math.Round(total, 3),
                    bytes, total > 0 ? Math.Round(bytes / 1e6 / total, 1) : 0),
            };
        }

        /// <summary>File-system-safe, unique (case-insensitively) output name.</summary>
        private static string UniqueFileName(string tableName, string extension, HashSet<string> used)
        {
            var invalid = Path.GetInvalidFileNameChars();
            var clean = new StringBuilder(tableName.Length);
            foreach (var c in tableName) clean.Append(Array.IndexOf(invalid, c) >= 0 || c is '\\' or ':' or '*' or '?' or '"' or '<' or '>' or '|' ? '_' : c);
            var stem = clean.ToString().Trim('.', ' ');
            if (stem.Length == 0) stem = "table";
            if (stem.Length > 150) stem = stem[..150];
            var name = stem + extension;
            for (var n = 2; !used.Add(name); n++) name = $"{stem}~{n}{extension}";
            return name;
        }

        private static void TryDelete(string path)
        {
            try { File.Delete(path); }
            catch (IOException) { /* best effort */ }
            catch (UnauthorizedAccessException) { /* best effort */ }
        }
    }
}
