using Hangfire;
using Microsoft.EntityFrameworkCore;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Jobs;
using Ret.Server.Infrastructure.Persistence;

namespace Ret.Server.Features.Jobs;

/// <summary>Creates job records and hands them to the queue. The record is saved first, so a job is never queued
/// without the record that shows its progress; the queued work carries only the job id.</summary>
public sealed class JobScheduler(RetDbContext db, IBackgroundJobClient queue, JobQueueWake wake)
{
    /// <summary>Queues a job for <paramref name="session"/> unless one is already active (then returns null).</summary>
    public async Task<JobRecord?> EnqueueAsync(WorkspaceSession session, JobKind kind, string? optionsJson, CancellationToken cancellationToken)
    {
        if (session.ActiveJobId is { } active && await IsActiveAsync(active, cancellationToken))
        {
            return null;
        }

        var job = new JobRecord
        {
            SessionId = session.Id,
            OwnerId = session.OwnerId,
            Kind = kind,
            OptionsJson = optionsJson,
            ProgressJson = new JobProgress { Phase = "queued" }.ToJson(),
        };
        db.Add(job);
        session.ActiveJobId = job.Id;
        session.UpdatedAt = DateTime.UtcNow;
        session.State = kind == JobKind.Scan ? WorkspaceState.Scanning : WorkspaceState.Converting;
        await db.SaveChangesAsync(cancellationToken);

        job.HangfireJobId = queue.Enqueue<WorkspaceJobRunner>(r => r.RunAsync(job.Id, CancellationToken.None));
        wake.Notify(); // committed: an idle worker of this node starts it now, not at its next poll
        await db.SaveChangesAsync(cancellationToken);
        return job;
    }

    /// <summary>The job has not ended (queued or running).</summary>
    internal Task<bool> IsActiveAsync(Guid jobId, CancellationToken cancellationToken)
        => db.Set<JobRecord>().AnyAsync(j => j.Id == jobId && j.State != JobState.Succeeded
            && j.State != JobState.Failed && j.State != JobState.Cancelled, cancellationToken);

    /// <summary>Delivers the job to a worker again after <paramref name="delay"/> (a duplicate delivery found it held by
    /// another run; if that run dies, this delivery takes the job over once its claim lapses — ADR 0406).</summary>
    public void CheckAgain(Guid jobId, TimeSpan delay)
        => queue.Schedule<WorkspaceJobRunner>(r => r.RunAsync(jobId, CancellationToken.None), delay);
}
