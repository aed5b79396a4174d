using System.ComponentModel.DataAnnotations;

namespace Ret.Server.Infrastructure.Jobs;

public enum JobStorageKind
{
    /// <summary>Follow <c>Database:Provider</c>: SQLite file under the runtime root, or PostgreSQL.</summary>
    Auto,
    Sqlite,
    Postgres,

}

/// <summary>Section <c>Jobs</c>.</summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    public JobStorageKind Storage { get; set; } = JobStorageKind.Auto;

    /// <summary>Connection string for PostgreSQL job storage; empty: <c>Database:ConnectionString</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Concurrent jobs on this node. 0: one per processor core.</summary>
    [Range(0, 64)]
    public int WorkerCount { get; set; }

    /// <summary>How often an idle worker looks for new work (fractions allowed); an idle poll is one small query. Jobs
    /// queued on this node wake the workers at once (<see cref="JobQueueWake"/>); others, such as recurring jobs, wait
    /// on average half of it before starting.</summary>
    [Range(0.1, 60.0)]
    public double PollIntervalSeconds { get; set; } = 0.25;

    /// <summary>A fetched job whose worker died becomes visible again after this long (SQLite storage).
    /// On start, a single-node SQLite install re-queues its orphaned jobs at once instead of waiting.</summary>
    [Range(1, 24 * 60)]
    public int InvisibilityTimeoutMinutes { get; set; } = 120;

    /// <summary>PostgreSQL storage: a running job keeps its claim alive with heartbeats (sliding invisibility);
    /// if its worker node dies, another node takes the job over this long after the last heartbeat. A lock the dead
    /// node held (such as the job's state lock) is reclaimed after the same time.</summary>
    [Range(10, 24 * 60 * 60)]
    public int OrphanTimeoutSeconds { get; set; } = 300;

    /// <summary>How long a running job waits for an unavailable database before its writes give up (docs/decisions/0405):
    /// the job's work is kept and its final writes are retried with growing pauses (at most 5 s) until the database
    /// answers. A job that waited in vain is marked failed once the database takes that write. Keep it below
    /// <see cref="OrphanTimeoutSeconds"/>: on PostgreSQL a job whose claim is not renewed for that long is handed to a
    /// worker again, and the waiting run and the new one would then work on the same job.</summary>
    [Range(0, 24 * 60 * 60)]
    public int DatabaseWaitSeconds { get; set; } = 240;

    /// <summary>How long a run's claim on its job lasts without a renewal (docs/decisions/0406). A running job renews it
    /// every quarter of this; a delivery of the job while the claim holds does not run it beside, and looks again
    /// this long later. After a crash, a PostgreSQL node takes the job over once both this and
    /// <see cref="OrphanTimeoutSeconds"/> have passed; a single-node SQLite install releases every claim at start.</summary>
    [Range(2, 60 * 60)]
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>Cron expression of the housekeeping job (UTC).</summary>
    [Required(AllowEmptyStrings = false)]
    public string HousekeepingCron { get; set; } = "*/15 * * * *";
}
