using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Ret.Server.Domain;
using Ret.Server.Features.Workspace;
using Ret.Server.Infrastructure.Operations;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Storage;

namespace Ret.Server.Features.Jobs;

/// <summary>The Hangfire entry point of every workspace job. It carries only the job id; everything else is read
/// from the database, so a re-run after a crash starts from the same facts. Each step is idempotent (outputs go to
/// a fresh temporary folder and are renamed into place; database changes are one transaction), so running a job
/// twice never duplicates rows or exposes a half-written file. A run holds the job with a <see cref="JobLease"/>, so a
/// second delivery while the first still runs never works beside it (docs/decisions/0406).</summary>
public sealed class WorkspaceJobRunner(
    IServiceScopeFactory scopes,
    RetDbContext db,
    ScanStep scan,
    ConvertStep convert,
    JobScheduler scheduler,
    JobChangeSignal changes,
    WorkspaceStorage storage,
    IOpsLog ops,
    DatabaseOutage outage,
    IOptions<Infrastructure.Jobs.JobsOptions> jobsOptions,
    ILogger<WorkspaceJobRunner> logger)
{
    /// <summary>No automatic retries: a failure caused by the data would fail again; the user retries explicitly.
    /// Jobs interrupted by a shutdown or crash are not failures: Hangfire hands them back to the queue.</summary>
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("Workspace job {0}")]
    public async Task RunAsync(Guid jobId, CancellationToken shutdown)
    {
        // Every database write of a job waits out an outage (ADR 0405): failing the job would need the database too.
        var job = await outage.WaitForAsync(db, "starting a job", t => db.Set<JobRecord>().FirstOrDefaultAsync(j => j.Id == jobId, t), shutdown);
        var leaseLength = TimeSpan.FromSeconds(jobsOptions.Value.LeaseSeconds);
        if (job is { Kind: JobKind.Convert, State: JobState.Succeeded })
        {
            // Delivered again after a crash between "done" and a filled preview store, or a later look of a duplicate
            // delivery: finish that part (a no-op when the store is ready or a newer conversion superseded this one) —
            // unless the run that converted is filling it now (it holds the job until the store is filled).
            var storeLease = await outage.WaitForAsync(db, "starting a job",
                t => JobLease.TryClaimAsync(db, jobId, leaseLength, t, succeededConversion: true), shutdown);
            if (storeLease is null)
            {
                logger.LogInformation("Job {JobId}: another run is preparing its preview store; looking again in {Seconds} s", job.Id, leaseLength.TotalSeconds);
                scheduler.CheckAgain(jobId, leaseLength);
                return;
            }

            await PrepareTablesAsync(job, storeLease, shutdown);
            return;
        }

        if (job is null || job.IsTerminal)
        {
            return; // deleted with its session, or already finished (a duplicate delivery)
        }

        var session = await outage.WaitForAsync(db, "starting a job",
            t => db.Set<WorkspaceSession>().FirstOrDefaultAsync(s => s.Id == job.SessionId, t), shutdown);
        if (session is null)
        {
            return;
        }

        // Claim the job for this run. Held by a run that is still alive (its claim renewed less than LeaseSeconds ago):
        // this delivery is a duplicate; it leaves the job to that run and looks again later, in case that run dies.
        var lease = await outage.WaitForAsync(db, "starting a job", t => JobLease.TryClaimAsync(db, jobId, leaseLength, t), shutdown);
        if (lease is null)
        {
            var ended = await outage.WaitForAsync(db, "starting a job",
                t => db.Set<JobRecord>().AsNoTracking().Where(j => j.Id == jobId).Select(j => (JobState?)j.State).FirstOrDefaultAsync(t), shutdown);
            if (ended is null or JobState.Failed or JobState.Cancelled || (ended is JobState.Succeeded && job.Kind != JobKind.Convert))
            {
                return; // ended (or deleted) between the two reads; a conversion's holder may still be filling its store
            }

            logger.LogWarning("Job {JobId} ({Kind}) was delivered again while another run holds it; that run keeps it, and this delivery looks again in {Seconds} s",
                job.Id, job.Kind, leaseLength.TotalSeconds);
            scheduler.CheckAgain(jobId, leaseLength);
            return;
        }

        if (job.CancelRequested)
        {
            await FinishAsync(job, lease, JobState.Cancelled, null, new JobProgress { Phase = "cancelled" }, shutdown);
            return;
        }

        job = await outage.WaitForAsync(db, "starting a job", async t =>
        {
            var now = DateTime.UtcNow;
            var until = lease.NextExpiry();
            var started = await lease.Row(db).ExecuteUpdateAsync(u => u
                .SetProperty(j => j.State, JobState.Running)
                .SetProperty(j => j.StartedAt, j => j.StartedAt ?? now)
                .SetProperty(j => j.Attempts, j => j.Attempts + 1)
                .SetProperty(j => j.Version, j => j.Version + 1)
                .SetProperty(j => j.LeaseExpiresAt, until), t);
            return started == 1 ? await db.Set<JobRecord>().AsNoTracking().FirstAsync(j => j.Id == jobId, t) : null;
        }, shutdown);
        if (job is null)
        {
            logger.LogWarning("Job {JobId} was taken over by another run as this one started it", jobId);
            return;
        }

        changes.Notify();
        if (job.Attempts > 1)
        {
            ops.Write(new OpsEvent(OpsLevel.Warning, OpsCategory.Job, $"{job.Kind} job resumed after an interruption")
            {
                Details = new { jobId = job.Id, sessionId = job.SessionId, attempt = job.Attempts },
            });
        }

        await using var pump = new JobProgressPump(scopes, job.Id, shutdown, lease);
        (JobState State, string? Error, JobProgress Progress) outcome;
        try
        {
            var final = job.Kind switch
            {
                JobKind.Scan => await scan.RunAsync(session, job, lease, pump, pump.Token),
                JobKind.Convert => await convert.RunAsync(session, job, lease, pump, pump.Token),
                _ => throw new InvalidOperationException($"Unknown job kind {job.Kind}."),
            };
            outcome = (JobState.Succeeded, null, final);
        }
        catch (Exception ex) when (pump.LeaseLost || ex is JobLeaseLostException)
        {
            // Another run holds the job now (this one's claim lapsed, as in a long database outage): it owns the job's
            // state and folders; this run's own temporary folders are gone, and nothing of it was made visible.
            await pump.StopAsync();
            logger.LogWarning("Job {JobId} ({Kind}): another run took the job over; this run stopped without writing", job.Id, job.Kind);
            ops.Write(new OpsEvent(OpsLevel.Warning, OpsCategory.Job, $"{job.Kind} job run stopped: another run holds the job")
            {
                Details = new { jobId = job.Id, sessionId = job.SessionId, attempt = job.Attempts },
            });
            return;
        }
        catch (OperationCanceledException) when (pump.CancelledByUser)
        {
            outcome = (JobState.Cancelled, null, pump.Latest with { Phase = "cancelled" });
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            // Server shutting down: hand the job back (Hangfire re-queues it); the re-run starts clean.
            await pump.StopAsync();
            await lease.Row(db).ExecuteUpdateAsync(s => s
                .SetProperty(j => j.LeaseId, (Guid?)null)
                .SetProperty(j => j.LeaseExpiresAt, (DateTime?)null)
                .SetProperty(j => j.State, JobState.Queued)
                .SetProperty(j => j.ProgressJson, new JobProgress { Phase = "interrupted — will resume" }.ToJson())
                .SetProperty(j => j.Version, j => j.Version + 1), CancellationToken.None);
            throw;
        }
        catch (JobInputException ex)
        {
            logger.LogWarning("Job {JobId} ({Kind}) failed: {Reason}", job.Id, job.Kind, ex.Message);
            ops.Write(new OpsEvent(OpsLevel.Warning, OpsCategory.Job, $"{job.Kind} job failed: {ex.Message}")
            {
                Details = new { jobId = job.Id, sessionId = job.SessionId, ownerId = job.OwnerId, cause = "input" },
            });
            outcome = (JobState.Failed, ex.Message, pump.Latest with { Phase = "failed" });
        }
        catch (Exception ex) when (DiskSpace.IsFull(ex))
        {
            // The step wrote into a temporary or .partial folder, which it has removed: nothing half-written stays, and
            // what the session had before (files, scan, current tables) is untouched. An operator has to act.
            logger.LogError(ex, "Job {JobId} ({Kind}) stopped: the storage is full", job.Id, job.Kind);
            ops.Write(new OpsEvent(OpsLevel.Error, OpsCategory.Job, $"{job.Kind} job stopped: the storage is full")
            {
                Details = new { jobId = job.Id, sessionId = job.SessionId, ownerId = job.OwnerId, freeBytes = DiskSpace.FreeBytes(storage.Root), message = ex.Message },
            });
            outcome = (JobState.Failed, StorageFullMessage(job.Kind), pump.Latest with { Phase = "failed" });
        }
        catch (Exception ex) when (DatabaseOutage.IsUnavailable(ex))
        {
            // The step's own writes waited Jobs:DatabaseWaitSeconds for the database; its files are kept as the step left them.
            logger.LogError(ex, "Job {JobId} ({Kind}) stopped: the database stayed unavailable", job.Id, job.Kind);
            ops.Write(new OpsEvent(OpsLevel.Error, OpsCategory.Job, $"{job.Kind} job stopped: the database stayed unavailable")
            {
                Details = new { jobId = job.Id, sessionId = job.SessionId, ownerId = job.OwnerId, message = ex.Message },
            });
            outcome = (JobState.Failed, "The database was unavailable for too long, so the job stopped. Your files are kept; retry it.",
                pump.Latest with { Phase = "failed" });
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogError(ex, "Job {JobId} ({Kind}) failed unexpectedly", job.Id, job.Kind);
            ops.Write(new OpsEvent(OpsLevel.Error, OpsCategory.Job, $"{job.Kind} job failed unexpectedly")
            {
                Details = new { jobId = job.Id, sessionId = job.SessionId, ownerId = job.OwnerId, error = ex.GetType().Name, message = ex.Message },
            });
            outcome = (JobState.Failed, "The job failed because of an internal error. Retry it; if it fails again, tell an administrator.",
                pump.Latest with { Phase = "failed" });
        }

        // The pump stops (and finishes a write in flight) before the final state is written, so a late progress
        // snapshot cannot overwrite it.
        await pump.StopAsync();
        if (!await FinishAsync(job, lease, outcome.State, outcome.Error, outcome.Progress, CancellationToken.None))
        {
            return;
        }

        // The conversion is done and downloadable; the preview/edit store is filled after it, in this same Hangfire
        // job and still under this run's lease, so a crash here re-delivers the job and the branch at the top completes it
        // (ADR 0502), and a duplicate delivery meanwhile leaves it to this run (ADR 0406).
        if (job.Kind == JobKind.Convert && outcome.State == JobState.Succeeded)
        {
            await PrepareTablesAsync(job, lease, shutdown);
        }
    }

    /// <summary>Fills the conversion's preview store while renewing <paramref name="lease"/>, then gives the job up.</summary>
    private async Task PrepareTablesAsync(JobRecord job, JobLease lease, CancellationToken shutdown)
    {
        await using (var keep = new JobProgressPump(scopes, job.Id, shutdown, lease, watchCancel: false))
        {
            try
            {
                await outage.WaitForAsync(db, "preparing the preview store", t => convert.PrepareTablesAsync(job.SessionId, job.Id, t), keep.Token);
            }
            catch (OperationCanceledException) when (keep.LeaseLost)
            {
                logger.LogWarning("Job {JobId}: another run took the job over while this one prepared its preview store; that run finishes it", job.Id);
                return;
            }
        }

        await outage.WaitForAsync(db, "preparing the preview store", t => lease.ReleaseAsync(db, t), CancellationToken.None);
    }

    internal static string StorageFullMessage(JobKind kind) => kind == JobKind.Convert
        ? $"{DiskSpace.FullMessage} The conversion stopped and nothing of it was kept; your files and earlier tables are unchanged. Retry once space has been freed."
        : $"{DiskSpace.FullMessage} The scan stopped; your uploaded files are kept. Retry once space has been freed.";

    /// <summary>Records how the job ended and releases its claim (a succeeded conversion's once its store is filled); false (nothing written) when another run holds the job.</summary>
    private async Task<bool> FinishAsync(JobRecord job, JobLease lease, JobState state, string? error, JobProgress progress, CancellationToken ct)
    {
        var fresh = await outage.WaitForAsync(db, "recording how a job ended", async t =>
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(t);
            if (!await lease.RenewAsync(db, t))
            {
                return null; // taken over: the other run records the end
            }

            var ended = await db.Set<JobRecord>().FirstAsync(j => j.Id == job.Id, t);
            if (job.Kind != JobKind.Convert || state != JobState.Succeeded)
            {
                // (A conversion that succeeded keeps its lease until its preview store is filled.)
                ended.LeaseId = null;
                ended.LeaseExpiresAt = null;
            }

            ended.State = state;
            ended.Error = error;
            ended.FinishedAt = DateTime.UtcNow;
            ended.ProgressJson = (state == JobState.Succeeded ? progress with { Percent = 100, Phase = "done", EtaSeconds = 0 } : progress).ToJson();
            ended.Version++;
            await ReleaseSessionAsync(db, ended, t);
            await db.SaveChangesAsync(t);
            await tx.CommitAsync(t);
            return ended;
        }, ct);
        if (fresh is null)
        {
            logger.LogWarning("Job {JobId} ({Kind}): another run took the job over; this run's outcome ({State}) is not recorded", job.Id, job.Kind, state);
            return false;
        }

        changes.Notify();
        await CountAsync(fresh, ct);

        // Files that arrived while this job ran are scanned now.
        await outage.WaitForAsync(db, "queueing a scan of new files", async t =>
        {
            var session = await db.Set<WorkspaceSession>().FirstOrDefaultAsync(s => s.Id == fresh.SessionId, t);
            if (session is { RescanRequested: true, ActiveJobId: null })
            {
                session.RescanRequested = false;
                await db.SaveChangesAsync(t);
                await scheduler.EnqueueAsync(session, JobKind.Scan, null, t);
            }
        }, ct);
        return true;
    }

    /// <summary>Conversions and converted rows per day for the admin overview (these counters outlive the sessions).</summary>
    private async Task CountAsync(JobRecord job, CancellationToken ct)
    {
        if (job.Kind != JobKind.Convert || job.State is not (JobState.Succeeded or JobState.Failed))
        {
            return;
        }

        var at = job.FinishedAt ?? DateTime.UtcNow;
        try
        {
            await UsageCounters.AddAsync(db, at, UsageMetrics.Conversions, 1, ct);
            if (job.State == JobState.Failed)
            {
                await UsageCounters.AddAsync(db, at, UsageMetrics.ConversionsFailed, 1, ct);
                return;
            }

            var rows = await db.Set<ResultTable>().Where(t => t.ConversionId == job.Id).SumAsync(t => t.Rows, ct);
            await UsageCounters.AddAsync(db, at, UsageMetrics.RowsConverted, rows, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not count conversion {JobId} in the usage statistics", job.Id);
        }
    }

    /// <summary>Clears the session's active job and sets its state from how the job ended.</summary>
    internal static async Task ReleaseSessionAsync(RetDbContext db, JobRecord job, CancellationToken ct)
    {
        var session = await db.Set<WorkspaceSession>().FirstOrDefaultAsync(s => s.Id == job.SessionId, ct);
        if (session is null)
        {
            return;
        }

        if (session.ActiveJobId == job.Id)
        {
            session.ActiveJobId = null;
        }

        session.LastJobId = job.Id;
        session.UpdatedAt = DateTime.UtcNow;
        session.State = (job.Kind, job.State) switch
        {
            (JobKind.Scan, JobState.Succeeded) => WorkspaceState.Scanned,
            (JobKind.Convert, JobState.Succeeded) => WorkspaceState.Converted,
            (_, JobState.Failed) => WorkspaceState.Failed,
            _ => session.CurrentConversionId is not null ? WorkspaceState.Converted
                : session.HasScan ? WorkspaceState.Scanned
                : session.FileCount > 0 ? WorkspaceState.Uploading : WorkspaceState.Empty,
        };
    }
}

/// <summary>A job failed because of its input (a cap reached, nothing to convert, a bad option) — the message is
/// for the user.</summary>
public sealed class JobInputException(string message) : Exception(message);
