using System.Collections.Concurrent;
using Hangfire.Common;
using Hangfire.States;
using Hangfire.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Ret.Server.Domain;

namespace Ret.Server.Infrastructure.Operations;

/// <summary>Start and stop of this server process.</summary>
internal sealed class LifecycleOpsRecorder(IOpsLog ops, IHostApplicationLifetime lifetime, IHostEnvironment environment) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => ops.Write(new OpsEvent(OpsLevel.Info, OpsCategory.Lifecycle, "Server started")
        {
            Details = new { environment = environment.EnvironmentName, version = typeof(OpsLog).Assembly.GetName().Version?.ToString() },
        }));
        lifetime.ApplicationStopping.Register(() => ops.Write(new OpsEvent(OpsLevel.Info, OpsCategory.Lifecycle, "Server stopping")));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Records each change of a health check's status (not every probe): degraded/unhealthy as warning/error,
/// recovery as info. The first report only sets the baseline unless it is already unhealthy.</summary>
internal sealed class HealthChangeRecorder(IOpsLog ops) : IHealthCheckPublisher
{
    private readonly ConcurrentDictionary<string, HealthStatus> _last = new();

    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        foreach (var (name, entry) in report.Entries)
        {
            var known = _last.TryGetValue(name, out var previous);
            _last[name] = entry.Status;
            if (known ? previous == entry.Status : entry.Status == HealthStatus.Healthy)
            {
                continue;
            }

            var level = entry.Status switch
            {
                HealthStatus.Healthy => OpsLevel.Info,
                HealthStatus.Degraded => OpsLevel.Warning,
                _ => OpsLevel.Error,
            };
            ops.Write(new OpsEvent(level, OpsCategory.Health, $"Health check '{name}' is {entry.Status}")
            {
                Details = new { check = name, from = known ? previous.ToString() : null, to = entry.Status.ToString(), entry.Description },
            });
        }

        return Task.CompletedTask;
    }
}

/// <summary>Hangfire filter: a background job that fails, or is scheduled for an automatic retry, is recorded.
/// (Workspace jobs catch their own failures and record them in <c>WorkspaceJobRunner</c>.)</summary>
internal sealed class JobStateOpsFilter(IOpsLog ops) : JobFilterAttribute, IApplyStateFilter
{
    public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
        var job = context.BackgroundJob;
        var name = job.Job is { } j ? $"{j.Type.Name}.{j.Method.Name}" : "unknown";
        switch (context.NewState)
        {
            case FailedState failed:
                ops.Write(new OpsEvent(OpsLevel.Error, OpsCategory.Job, $"Background job {name} failed")
                {
                    Details = new { hangfireJobId = job.Id, error = failed.Exception?.GetType().Name, message = failed.Exception?.Message },
                });
                break;
            case ScheduledState scheduled when scheduled.Reason?.StartsWith("Retry attempt", StringComparison.Ordinal) == true:
                ops.Write(new OpsEvent(OpsLevel.Warning, OpsCategory.Job, $"Background job {name} will be retried")
                {
                    Details = new { hangfireJobId = job.Id, reason = scheduled.Reason, at = scheduled.EnqueueAt },
                });
                break;
        }
    }

    public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
    }
}
