using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Ret.Conversion.Conversion;
using Ret.Server.Domain;
using Ret.Server.Features.Workspace;
using Ret.Server.Features.Workspace.Tables;
using Ret.Server.Infrastructure.Operations;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Storage;

namespace Ret.Server.Features.Jobs;

/// <summary>What the user asked a conversion for; stored on the job so a retry repeats it exactly.</summary>
public sealed record ConvertJobOptions
{
    public IReadOnlyList<string> Groups { get; init; } = [];

    public string Format { get; init; } = "csv";

    public string Mode { get; init; } = "wide";

    public IReadOnlyDictionary<string, string>? RecordOverrides { get; init; }

    public bool NeutraliseFormulas { get; init; } = true;

    public bool Bom { get; init; }

    public bool IncludeSourceFile { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, JobProgress.Json);

    public static ConvertJobOptions FromJson(string? json)
        => string.IsNullOrWhiteSpace(json) ? new ConvertJobOptions() : JsonSerializer.Deserialize<ConvertJobOptions>(json, JobProgress.Json) ?? new ConvertJobOptions();
}

/// <summary>Converts a session's files with the engine into a fresh run folder and makes them the session's current
/// tables in one transaction — the job is done then, and every download works from the engine's files. The tables
/// are loaded into the preview/edit store afterwards (<see cref="PrepareTablesAsync"/>, ADR 0502). The engine always
/// writes the exact values (canonical CSV, no formula neutralisation, no BOM); the user's output choices apply when
/// downloading.</summary>
public sealed class ConvertStep(
    WorkspaceStorage storage,
    RetDbContext db,
    SessionTables tables,
    IOptionsSnapshot<WorkspaceOptions> options,
    IOpsLog ops,
    DatabaseOutage outage,
    ScanExtractions extractions,
    DownloadPrecompressor precompressor,
    ILogger<ConvertStep> logger)
{
    /// <summary>The job's percentage: the engine's share of the input bytes.</summary>
    internal static double ConversionPercent(long bytesDone, long bytesTotal) => Math.Round(Rates.Percent(bytesDone, bytesTotal), 1);

    internal static GroupJobProgress ToGroupProgress(GroupProgress g)
    {
        var elapsed = TimeSpan.FromSeconds(g.Seconds);
        return new GroupJobProgress(g.Name, g.FilesDone, g.FilesTotal, g.Bytes, g.TotalBytes, g.Records,
            Rates.MegabytesPerSecond(g.Bytes, elapsed),
            g.Seconds < 0.05 ? null : Math.Round(g.Records / g.Seconds, 0),
            g.FilesDone == g.FilesTotal ? 0 : Rates.Eta(g.Bytes, g.TotalBytes, elapsed),
            g.FilesDone == g.FilesTotal ? 100 : Rates.Percent(g.Bytes, g.TotalBytes, cap: 99));
    }

    /// <summary>
    /// The engine's buffers are garbage once it has returned: a compacting collection hands that memory back to the OS
    /// before the preview store's DuckDB load takes its share, so the two peaks do not add up (without it the process
    /// peaked at 435–455 MB instead of 380–390 MB on the 200 MB export; bench/README.md, "Session 19"). It stops managed
    /// threads for 20–40 ms, so it is started just before the commit that makes the tables current: the commit's fsync
    /// runs in native code and goes on during it. Started when the store's load began, it paused the user's next
    /// request (the download ticket) instead.
    /// </summary>
    private static void ReturnEngineMemory()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    private static long PeakWorkingSetMb()
    {
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64 / (1024 * 1024);
    }

    public async Task<JobProgress> RunAsync(WorkspaceSession session, JobRecord job, JobLease lease, JobProgressPump pump, CancellationToken ct)
    {
        var request = ConvertJobOptions.FromJson(job.OptionsJson);
        var scanFile = storage.ScanFile(session.Id);
        var plan = File.Exists(scanFile) ? RetJsonContext.DeserializeScan(await File.ReadAllTextAsync(scanFile, ct)) : null;
        if (plan is null)
        {
            throw new JobInputException("Scan the uploaded files before converting them.");
        }

        var unknown = request.Groups.Where(g => !plan.Groups.Any(p => string.Equals(p.Name, g, StringComparison.OrdinalIgnoreCase))).ToList();
        if (unknown.Count > 0)
        {
            throw new JobInputException($"Unknown group(s): {string.Join(", ", unknown)}.");
        }

        var runDir = storage.RunDir(session.Id, job.Id);
        // This run's own folder: a run that lost the job (ADR 0406) may still be removing its own as this one starts.
        var partial = $"{runDir}.{lease.Id:N}.partial";
        DeleteEarlierAttempts(runDir);   // attempts of this job that died half-way (this run holds the job)
        var temp = storage.NewTempDir("convert");
        // The files the scan extracted as it read them, when this node holds them for this very input (ADR 0111).
        using var extracted = extractions.Take(session.Id, ScanExtractions.Fingerprint(storage.InputDir(session.Id)));
        var clock = Stopwatch.StartNew();
        ConversionManifest manifest;
        try
        {
            var progress = new DelegateProgress<ConvertProgress>(p => pump.Report(new JobProgress
            {
                Phase = p.Phase,
                FilesDone = p.FilesDone,
                FilesTotal = p.FilesTotal,
                Records = p.Records,
                BytesDone = p.Bytes,
                BytesTotal = p.TotalBytes,
                CurrentFile = p.CurrentFile,
                MbPerSecond = Rates.MegabytesPerSecond(p.Bytes, clock.Elapsed),
                EtaSeconds = Rates.Eta(p.Bytes, p.TotalBytes, clock.Elapsed),
                Percent = ConversionPercent(p.Bytes, p.TotalBytes),
                Groups = p.Groups?.Select(ToGroupProgress).ToList(),
            }));
            manifest = await Converter.ConvertAsync(storage.InputDir(session.Id), plan, new ConvertOptions
            {
                Format = OutputFormat.Csv,
                Mode = request.Mode == "relational" ? RepeatMode.Relational : RepeatMode.Wide,
                Groups = request.Groups.Count > 0 ? request.Groups : null,
                RecordOverrides = request.RecordOverrides,
                NeutraliseFormulas = false,
                Bom = false,
                IncludeSourceFile = request.IncludeSourceFile,
                Threads = options.Value.ConversionThreads > 0 ? options.Value.ConversionThreads : Environment.ProcessorCount,
                TempDirectory = temp,
                InputName = session.Name,
                Limits = ScanStep.Limits(options.Value),
                Extracted = extracted,
            }, partial, progress, ct);

            await outage.WaitForAsync(db, "recording a conversion's tables", t => lease.HoldAsync(db, t), ct);
            WorkspaceStorage.TryDeleteDirectory(runDir);
            Directory.Move(partial, runDir);
        }
        finally
        {
            WorkspaceStorage.TryDeleteDirectory(temp);
            WorkspaceStorage.TryDeleteDirectory(partial);
        }

        if (manifest.Tables.Count == 0)
        {
            throw new JobInputException(manifest.FailedFiles > 0
                ? $"No table could be produced: all {manifest.FailedFiles} file(s) failed to convert."
                : "The selected groups contain no records to convert.");
        }

        var engineTime = clock.Elapsed;
        var last = pump.Latest;
        Task? collection = null;

        // One transaction: the new tables become current and the old patch log goes with the old tables. The tables are
        // on disk already; if the database is down, the transaction is tried again until it is back (ADR 0405).
        await outage.WaitForAsync(db, "recording a conversion's tables", async t =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(t);
            await lease.HoldAsync(db, t); // only the run that holds the job makes its tables current
            await db.Set<PatchLogEntry>().Where(p => p.SessionId == session.Id).ExecuteDeleteAsync(t);
            await db.Set<ResultTable>().Where(r => r.SessionId == session.Id).ExecuteDeleteAsync(t);
            var ordinal = 0;
            foreach (var table in manifest.Tables)
            {
                var files = manifest.Files.Where(f => f.Table == table.Name).ToList();
                db.Add(new ResultTable
                {
                    SessionId = session.Id,
                    ConversionId = job.Id,
                    Name = table.Name,
                    Group = table.Group,
                    Rows = table.Rows,
                    Columns = table.Columns.Count,
                    SizeBytes = new FileInfo(Path.Combine(runDir, table.File)).Length,
                    SourceFiles = files.Count,
                    Errors = files.Count(f => f.Error is not null),
                    IsChild = table.Parent is not null,
                    Parent = table.Parent,
                    Ordinal = ordinal++,
                });
            }

            // The session as the database has it (after a retry the tracked one was forgotten).
            var current = await db.Set<WorkspaceSession>().FirstAsync(x => x.Id == session.Id, t);
            current.CurrentConversionId = job.Id;
            current.TablesError = null;
            current.TableCount = manifest.Tables.Count;
            current.SizeBytes = WorkspaceStorage.SizeOf(storage.SessionDir(session.Id));
            await db.SaveChangesAsync(t);
            collection ??= Task.Run(ReturnEngineMemory, CancellationToken.None);
            await tx.CommitAsync(t);
        }, ct);
        if (collection is not null)
        {
            await collection;
        }

        // The downloads of a CSV conversion are deflated now, in the background (ADR 0507): the job is done meanwhile.
        if (request.Format == "csv" && options.Value.PrecompressDownloads)
        {
            _ = precompressor.Start(runDir, manifest, new CsvExportOptions(request.NeutraliseFormulas, request.Bom));
        }

        logger.LogInformation("Conversion {JobId}: {Tables} tables, {Rows} rows; engine {EngineSeconds:0.00} s, total {TotalSeconds:0.00} s; process peak RSS {PeakMb} MB; {Adopted} of {Files} files merged from the scan's extraction",
            job.Id, manifest.Tables.Count, manifest.TotalRows, engineTime.TotalSeconds, clock.Elapsed.TotalSeconds, PeakWorkingSetMb(),
            extracted?.AdoptedCount ?? 0, manifest.Files.Count);

        // Older runs are no longer referenced.
        foreach (var old in Directory.EnumerateDirectories(Path.GetDirectoryName(runDir)!))
        {
            if (!string.Equals(old, runDir, StringComparison.Ordinal))
            {
                await precompressor.WaitForRunsAsync(old, CancellationToken.None); // its downloads may still be deflating
                WorkspaceStorage.TryDeleteDirectory(old);
            }
        }

        return last with
        {
            Phase = "done",
            Records = manifest.TotalRows,
            Errors = manifest.FailedFiles,
            FilesDone = manifest.Files.Count,
            FilesTotal = manifest.Files.Count,
            BytesDone = last.BytesTotal,
            MbPerSecond = Rates.MegabytesPerSecond(last.BytesTotal, clock.Elapsed),
            Percent = 100,
        };
    }

    /// <summary>Removes what earlier attempts of the job left: the run folder and every attempt's partial folder.</summary>
    private static void DeleteEarlierAttempts(string runDir)
    {
        WorkspaceStorage.TryDeleteDirectory(runDir);
        var runs = Path.GetDirectoryName(runDir)!;
        if (!Directory.Exists(runs))
        {
            return;
        }

        foreach (var partial in Directory.EnumerateDirectories(runs, Path.GetFileName(runDir) + "*.partial"))
        {
            WorkspaceStorage.TryDeleteDirectory(partial);
        }
    }

    /// <summary>
    /// Loads the current conversion's tables into the session's preview/edit store and marks the store ready. Runs in
    /// the conversion's Hangfire job right after the job reported done, and again when that job is delivered once more
    /// after a crash, so a store is never left unprepared. A no-op when the store is ready or the conversion is no longer
    /// current (a newer one superseded it). A failure is recorded on the session (preview and edit show it; downloads
    /// are unaffected); a shutdown propagates so Hangfire hands the job back.
    /// </summary>
    public async Task PrepareTablesAsync(Guid sessionId, Guid conversionId, CancellationToken ct)
    {
        var current = db.Set<WorkspaceSession>().Where(s => s.Id == sessionId && s.CurrentConversionId == conversionId);
        if (!await current.AnyAsync(s => s.TablesConversionId != conversionId, ct))
        {
            return; // ready already, superseded by a newer conversion, or the session is gone
        }

        var clock = Stopwatch.StartNew();
        var runDir = storage.RunDir(sessionId, conversionId);
        await precompressor.WaitForRunsAsync(runDir, ct); // the downloads' deflating first (ADR 0507): it has the cores to itself
        try
        {
            var manifestFile = Path.Combine(runDir, Converter.ManifestFileName);
            var manifest = RetJsonContext.DeserializeManifest(await File.ReadAllTextAsync(manifestFile, ct))
                ?? throw new InvalidDataException("The conversion's manifest is empty.");

            var ready = await tables.ReplaceAllAsync(sessionId, runDir, manifest, token => current.AnyAsync(token),
                async token => await current.ExecuteUpdateAsync(u => u
                    .SetProperty(s => s.TablesConversionId, conversionId)
                    .SetProperty(s => s.TablesError, (string?)null)
                    .SetProperty(s => s.SizeBytes, WorkspaceStorage.SizeOf(storage.SessionDir(sessionId))), token) == 1,
                ct);
            logger.LogInformation("Conversion {JobId}: preview store {Outcome} in {Seconds:0.00} s; process peak RSS {PeakMb} MB",
                conversionId, ready ? "ready" : "superseded", clock.Elapsed.TotalSeconds, PeakWorkingSetMb());
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && !DatabaseOutage.IsUnavailable(ex))
        {
            // (A database outage is not the store's failure: it propagates, and the caller tries again once it is over.)
            if (!await current.AnyAsync(CancellationToken.None))
            {
                // A newer conversion replaced this one (and removed its folder) while it loaded: nothing to report.
                logger.LogInformation("Conversion {JobId}: preview store superseded while loading ({Error})", conversionId, ex.Message);
                return;
            }

            logger.LogError(ex, "Conversion {JobId}: the preview store could not be prepared", conversionId);
            ops.Write(new OpsEvent(OpsLevel.Error, OpsCategory.Job, "Preview store could not be prepared")
            {
                Details = new { jobId = conversionId, sessionId, error = ex.GetType().Name, message = ex.Message },
            });
            var error = ex is TableTooLargeException ? ex.Message + " Downloads still work."
                : DiskSpace.IsFull(ex) ? $"{DiskSpace.FullMessage} The tables could not be prepared for preview and editing. Downloads still work; convert again once space has been freed."
                : "The tables could not be prepared for preview and editing. Downloads still work; convert again to retry.";
            await current.ExecuteUpdateAsync(u => u.SetProperty(s => s.TablesError, error), CancellationToken.None);
        }
    }
}
