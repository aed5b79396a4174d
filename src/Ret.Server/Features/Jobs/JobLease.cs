using Microsoft.EntityFrameworkCore;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Persistence;

namespace Ret.Server.Features.Jobs;

/// <summary>
/// One run's hold on a job record (docs/decisions/0406). The queue can deliver a job while an earlier delivery still runs
/// it (a claim that lapsed during a database outage, an invisibility timeout shorter than the job); two runs of one job
/// would share its run folder and race for its commit. So a run first claims the record — one conditional UPDATE, which
/// succeeds only when nobody holds it or the holder's claim lapsed — renews the claim while it works, and every write
/// that makes its work visible (the scan, the tables, the final state) first renews it inside the same transaction.
/// A run that finds the claim gone stops without writing.
/// </summary>
public sealed class JobLease
{
    private JobLease(Guid jobId, Guid id, TimeSpan length)
    {
        JobId = jobId;
        Id = id;
        Length = length;
    }

    /// <summary>A lease this run does not hold (nothing claimed): every write through it matches no row. For the
    /// request-path warm-up, which runs a job's lease queries for a job that does not exist.</summary>
    internal static JobLease Unclaimed(Guid jobId, TimeSpan length) => new(jobId, Guid.NewGuid(), length);

    public Guid JobId { get; }

    /// <summary>This run's id, stored in <see cref="JobRecord.LeaseId"/> while it holds the job.</summary>
    public Guid Id { get; }

    /// <summary>How long the claim lasts without a renewal.</summary>
    public TimeSpan Length { get; }

    /// <summary>Claims the job for a new run: null when another run holds it (its claim has not lapsed) or the job has
    /// ended. With <paramref name="succeededConversion"/>, claims instead a conversion that has succeeded, to fill its
    /// preview store (ADR 0502). Atomic on both databases (a single conditional UPDATE).</summary>
    public static async Task<JobLease?> TryClaimAsync(RetDbContext db, Guid jobId, TimeSpan length, CancellationToken ct,
        bool succeededConversion = false)
    {
        var lease = new JobLease(jobId, Guid.NewGuid(), length);
        var now = DateTime.UtcNow;
        var until = now + length;
        var claimed = await db.Set<JobRecord>()
            .Where(j => j.Id == jobId
                        && (succeededConversion
                            ? j.State == JobState.Succeeded && j.Kind == JobKind.Convert
                            : j.State != JobState.Succeeded && j.State != JobState.Failed && j.State != JobState.Cancelled)
                        && (j.LeaseId == null || j.LeaseExpiresAt == null || j.LeaseExpiresAt < now))
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseId, lease.Id).SetProperty(j => j.LeaseExpiresAt, until), ct);
        return claimed == 1 ? lease : null;
    }

    /// <summary>The job's row while this run holds it (empty once another run has claimed the job): every write of the
    /// run that must not outlive its claim goes through it.</summary>
    public IQueryable<JobRecord> Row(RetDbContext db)
    {
        var id = Id;
        return db.Set<JobRecord>().Where(j => j.Id == JobId && j.LeaseId == id);
    }

    /// <summary>The expiry a renewal made now sets.</summary>
    public DateTime NextExpiry() => DateTime.UtcNow + Length;

    /// <summary>Extends the claim; false when this run no longer holds the job. Inside a transaction the row stays
    /// locked until it ends, so a write made after a true answer cannot interleave with another run's claim.</summary>
    public async Task<bool> RenewAsync(RetDbContext db, CancellationToken ct)
    {
        var until = NextExpiry();
        return await Row(db).ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseExpiresAt, until), ct) == 1;
    }

    /// <summary>Gives the job up (when this run still holds it).</summary>
    public async Task ReleaseAsync(RetDbContext db, CancellationToken ct)
    {
        await Row(db).ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseId, (Guid?)null).SetProperty(j => j.LeaseExpiresAt, (DateTime?)null), ct);
    }

    /// <summary><see cref="RenewAsync"/>, throwing <see cref="JobLeaseLostException"/> when the job is no longer held.</summary>
    public async Task HoldAsync(RetDbContext db, CancellationToken ct)
    {
        if (!await RenewAsync(db, ct))
        {
            throw new JobLeaseLostException(JobId);
        }
    }
}

/// <summary>This run no longer holds its job (<see cref="JobLease"/>): another run took it over, so this one stops
/// without writing anything the user could see.</summary>
public sealed class JobLeaseLostException(Guid jobId)
    : Exception($"Job {jobId} is held by another run; this run stops without writing.");
