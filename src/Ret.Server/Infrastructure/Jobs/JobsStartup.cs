using Hangfire;
using Microsoft.Extensions.Options;

namespace Ret.Server.Infrastructure.Jobs;

/// <summary>Runs before the job server starts on this node: re-queues jobs orphaned by a crash (single-node
/// SQLite mode) and registers the recurring jobs.</summary>
public sealed class JobsStartup(
    JobStorage storage,
    JobStorageInfo info,
    IBackgroundJobClient client,
    IRecurringJobManager recurring,
    IOptions<JobsOptions> options,
    ILogger<JobsStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (info.Kind == JobStorageKind.Sqlite)
        {
            RequeueOrphans();
        }

        recurring.AddOrUpdate<HousekeepingJob>(HousekeepingJob.RecurringId, j => j.RunAsync(CancellationToken.None),
            options.Value.HousekeepingCron, new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        recurring.AddOrUpdate<Features.Workspace.WorkspaceRetentionJob>(Features.Workspace.WorkspaceRetentionJob.RecurringId,
            j => j.RunAsync(CancellationToken.None), options.Value.HousekeepingCron, new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        recurring.AddOrUpdate<Operations.LogRetentionJob>(Operations.LogRetentionJob.RecurringId,
            j => j.RunAsync(CancellationToken.None), options.Value.HousekeepingCron, new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>With SQLite storage only one process can own the runtime folder (see <see cref="RuntimeLock"/>),
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
