using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Ret.Conversion.Conversion;
using Ret.Conversion.Safety;
using Ret.Conversion.Scanning;
using Ret.Server.Domain;
using Ret.Server.Features.Workspace;
using Ret.Server.Infrastructure.Persistence;

namespace Ret.Server.Features.Jobs;

/// <summary>Scans a session's uploaded files (nested archives, grouping, record detection) and stores the report
/// as <c>scan.json</c>. Re-running simply overwrites the report. While it reads each file whole it also extracts it,
/// and keeps those spills for the session's next conversion (<see cref="ScanExtractions"/>, docs/decisions/0111).</summary>
public sealed class ScanStep(WorkspaceStorage storage, RetDbContext db, DatabaseOutage outage, IOptionsSnapshot<WorkspaceOptions> options,
    ScanExtractions extractions, ILogger<ScanStep> logger)
{
    public async Task<JobProgress> RunAsync(WorkspaceSession session, JobRecord job, JobLease lease, JobProgressPump pump, CancellationToken ct)
    {
        var input = storage.InputDir(session.Id);
        if (!Directory.Exists(input) || !Directory.EnumerateFiles(input).Any())
        {
            throw new JobInputException("There are no uploaded files to scan.");
        }

        var totalBytes = WorkspaceStorage.SizeOf(input);
        var clock = Stopwatch.StartNew();
        var temp = storage.NewTempDir("scan");
        ExtractionCache? extracted = null;
        try
        {
            var progress = new DelegateProgress<ScanProgress>(p => pump.Report(new JobProgress
            {
                Phase = "scanning",
                FilesDone = p.XmlFiles,
                BytesDone = p.Bytes,
                BytesTotal = Math.Max(totalBytes, p.Bytes),
                CurrentFile = p.CurrentPath,
                MbPerSecond = Rates.MegabytesPerSecond(p.Bytes, clock.Elapsed),
                Percent = Rates.Percent(p.Bytes, Math.Max(totalBytes, p.Bytes), cap: 99),
            }));
            var scanOptions = new ScanOptions
            {
                TempDirectory = temp,
                InputName = session.Name,
                Limits = Limits(options.Value),
            };
            var fingerprint = extractions.Enabled ? ScanExtractions.Fingerprint(input) : null;
            ScanReport report;
            if (fingerprint is not null)
            {
                // (The engine creates the folder, and removes it if the scan fails or is cancelled.)
                (report, extracted) = await Converter.ScanAndExtractAsync(input, scanOptions, storage.NewTempPath("extract"), progress, ct);
            }
            else
            {
                report = await ArchiveScanner.ScanAsync(input, scanOptions, progress, ct);
            }

            // Only the run that holds the job replaces the report (ADR 0406).
            await outage.WaitForAsync(db, "recording a scan", t => lease.HoldAsync(db, t), ct);
            await WorkspaceStorage.WriteAtomicAsync(storage.ScanFile(session.Id), RetJsonContext.Serialize(report), ct);
            await outage.WaitForAsync(db, "recording a scan", async t =>
            {
                await using var tx = await db.Database.BeginTransactionAsync(t);
                await lease.HoldAsync(db, t);
                var current = await db.Set<WorkspaceSession>().FirstAsync(x => x.Id == session.Id, t);
                current.HasScan = true;
                current.SizeBytes = WorkspaceStorage.SizeOf(storage.SessionDir(session.Id));
                await db.SaveChangesAsync(t);
                await tx.CommitAsync(t);
            }, ct);
            if (extracted is not null)
            {
                logger.LogInformation("Scan {JobId}: {Files} files extracted for the next conversion ({Megabytes:0.0} MB of spill)",
                    job.Id, extracted.FileCount, extracted.SpillBytes / 1e6);
                extractions.Put(session.Id, extracted, fingerprint!);
                extracted = null;
            }

            return new JobProgress
            {
                Phase = "done",
                FilesDone = report.XmlFileCount,
                FilesTotal = report.XmlFileCount,
                BytesDone = totalBytes,
                BytesTotal = totalBytes,
                Errors = report.RejectedCount,
                MbPerSecond = Rates.MegabytesPerSecond(totalBytes, clock.Elapsed),
                Percent = 100,
            };
        }
        finally
        {
            extracted?.Dispose(); // the scan failed or was cancelled
            WorkspaceStorage.TryDeleteDirectory(temp);
        }
    }

    /// <summary>The engine's limits for a session's files: the scan and the conversion use the same ones (a conversion
    /// adopts a scan's extraction only when they match).</summary>
    internal static SafetyLimits Limits(WorkspaceOptions options) => SafetyLimits.Default with { MaxArchiveDepth = options.MaxArchiveDepth };
}

internal static class Rates
{
    /// <summary>Rounded to the kilobyte per second: a small conversion is still shown in KB/s rather than "0".</summary>
    public static double? MegabytesPerSecond(long bytes, TimeSpan elapsed)
        => elapsed.TotalSeconds < 0.05 ? null : Math.Round(bytes / 1_000_000.0 / elapsed.TotalSeconds, 3);

    public static double Percent(long done, long total, double cap = 100)
        => total <= 0 ? 0 : Math.Min(cap, Math.Round(100.0 * done / total, 1));

    public static double? Eta(long done, long total, TimeSpan elapsed)
    {
        if (done <= 0 || total <= done || elapsed.TotalSeconds < 0.5)
        {
            return null;
        }

        return Math.Round(elapsed.TotalSeconds * (total - done) / done, 0);
    }
}
