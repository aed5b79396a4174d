using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Storage;

namespace Ret.Server.Infrastructure.Health;

/// <summary>The database answers a query.</summary>
internal sealed class DatabaseHealthCheck(RetDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            return await db.Database.CanConnectAsync(timeout.Token)
                ? HealthCheckResult.Healthy($"{db.Database.ProviderName} reachable")
                : HealthCheckResult.Unhealthy("database unreachable");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return HealthCheckResult.Unhealthy("database unreachable", ex);
        }
    }
}

/// <summary>The storage root accepts a write (create, flush, delete a probe file) and has room: Degraded below
/// <c>Storage:LowSpaceBytes</c> free, Unhealthy when full.</summary>
internal sealed class StorageHealthCheck(RuntimePaths paths, IOptionsMonitor<StorageOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var probe = Path.Combine(paths.TempRoot, $".health-{Guid.NewGuid():N}");
        try
        {
            await File.WriteAllBytesAsync(probe, [1, 2, 3, 4], cancellationToken);
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return HealthCheckResult.Unhealthy(DiskSpace.IsFull(ex) ? "storage full" : "storage not writable", ex);
        }

        var free = DiskSpace.FreeBytes(paths.StorageRoot);
        var data = free is { } bytes ? new Dictionary<string, object> { ["freeBytes"] = bytes } : null;
        var low = options.CurrentValue.LowSpaceBytes;
        return free < low
            ? HealthCheckResult.Degraded($"storage writable, but only {free / (1024 * 1024)} MB free (below Storage:LowSpaceBytes)", data: data)
            : HealthCheckResult.Healthy("storage writable", data);
    }
}

/// <summary>At least one job server (this node or a worker node) has sent a heartbeat recently.</summary>
internal sealed class JobServerHealthCheck(JobStorage storage, TimeProvider time) : IHealthCheck
{
    internal static readonly TimeSpan MaxHeartbeatAge = TimeSpan.FromMinutes(2);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var now = time.GetUtcNow().UtcDateTime;
            var servers = storage.GetMonitoringApi().Servers();
            var alive = servers.Count(s => s.Heartbeat is { } beat && now - beat < MaxHeartbeatAge);
            return Task.FromResult(alive > 0
                ? HealthCheckResult.Healthy($"{alive} job server(s) alive")
                : HealthCheckResult.Unhealthy("no job server heartbeat"));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("job storage unreachable", ex));
        }
    }
}
