using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Persistence;

namespace Ret.Server.Infrastructure.Jobs;

/// <summary>Runs before the job server starts on this node: re-queues jobs orphaned by a crash (single-node
/// SQLite mode: their Hangfire entries and their runs' claims on the job records) and registers the recurring jobs.</summary>
public sealed class JobsStartup(
    JobStorage storage,
    JobStorageInfo info,
    IBackgroundJobClient client,
    IRecurringJobManager recurring,
    IOptions<JobsOptions> options,
    IServiceScopeFactory scopes,
    ILogger<JobsStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (info.Kind == JobStorageKind.Sqlite)
        {
            ClearStaleLocks();
            await ReleaseClaimsAsync(cancellationToken);
            RequeueOrphans();
        }

        recurring.AddOrUpdate<HousekeepingJob>(HousekeepingJob.RecurringId, j => j.RunAsync(CancellationToken.None),
            options.Value.HousekeepingCron, new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        recurring.AddOrUpdate<Features.Workspace.WorkspaceRetentionJob>(Features.Workspace.WorkspaceRetentionJob.RecurringId,
            j => j.RunAsync(CancellationToken.None), options.Value.HousekeepingCron, new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        recurring.AddOrUpdate<Operations.LogRetentionJob>(Operations.LogRetentionJob.RecurringId,
            j => j.RunAsync(CancellationToken.None), options.Value.HousekeepingCron, new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Hangfire's SQLite locks are rows with an expiry; a process killed while holding one (a job's state lock,
    /// a recurring-job lock) leaves it behind, and the next process waited on it until it expired — once a CI run's
    /// restarted server stayed unreachable for over a minute in its recurring-job registration after a SIGKILL. With
    /// SQLite only this process owns the runtime (<see cref="Hosting.RuntimeLock"/>), so every lock in the table is a dead
    /// process's: remove them before anything takes one.</summary>
    private void ClearStaleLocks()
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={info.SqlitePath}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'DistributedLock'";
        if (Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            return; // the storage has not created its tables yet: nothing can be held
        }

        command.CommandText = "DELETE FROM DistributedLock";
        var removed = command.ExecuteNonQuery();
        if (removed > 0)
        {
            logger.LogWarning("Removed {Count} job-system lock(s) left by a previous process", removed);
        }
    }

    /// <summary>With SQLite job storage and database this process is the only one that runs jobs, so a claim on a job record
    /// (docs/decisions/0406) was made by a process that died: release them all, so the re-queued jobs resume at once
    /// instead of after <see cref="JobsOptions.LeaseSeconds"/>.</summary>
    private async Task ReleaseClaimsAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RetDbContext>();
        if (!db.Database.IsSqlite())
        {
            return; // a shared database: other nodes' runs may hold claims (they lapse after LeaseSeconds)
        }

        var released = await db.Set<JobRecord>().Where(j => j.LeaseId != null)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseId, (Guid?)null).SetProperty(j => j.LeaseExpiresAt, (DateTime?)null), ct);
        if (released > 0)
        {
            logger.LogWarning("Released {Count} job claim(s) left by a previous process", released);
        }
    }

    /// <summary>With SQLite storage only one process can own the runtime folder (see <see cref="Hosting.RuntimeLock"/>),
    /// so before our workers start, every job still marked Processing belonged to a process that died.
    /// Hand those back to the queue now rather than after the invisibility timeout.</summary>
    private void RequeueOrphans()
    {
        var monitoring = storage.GetMonitoringApi();
        var processing = monitoring.ProcessingJobs(0, 10_000);
        foreach (var (jobId, _) in processing)
        {
            if (client.ChangeState(jobId, new Hangfire.States.EnqueuedState { Reason = "Re-queued after an unclean shutdown" },
                    Hangfire.States.ProcessingState.StateName))
            {
                logger.LogWarning("Re-queued job {JobId} left running by a previous process", jobId);
            }
        }
    }
}
