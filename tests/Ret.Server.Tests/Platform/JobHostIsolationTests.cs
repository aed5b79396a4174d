using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Platform;

/// <summary>Two servers in one process (the test suite runs dozens) must not share Hangfire's process-wide defaults:
/// each has its own job storage, job activator (its own services) and filters (docs/decisions/0501). Before, the
/// last host configured won, so a host enqueued into another's storage and ran jobs against another's database.</summary>
public sealed class JobHostIsolationTests
{
    [Fact]
    public async Task Each_host_has_its_own_job_storage_activator_and_filters()
    {
        await using var first = new RetApiFactory();
        await using var second = new RetApiFactory();
        first.CreateClient().Dispose();
        second.CreateClient().Dispose();

        Assert.NotSame(first.Services.GetRequiredService<JobStorage>(), second.Services.GetRequiredService<JobStorage>());
        Assert.NotSame(first.Services.GetRequiredService<JobActivator>(), second.Services.GetRequiredService<JobActivator>());
        Assert.NotSame(first.Services.GetRequiredService<Hangfire.Common.IJobFilterProvider>(),
            second.Services.GetRequiredService<Hangfire.Common.IJobFilterProvider>());

        // The client each host hands out writes to that host's storage.
        var marker = "isolation " + Guid.NewGuid().ToString("N");
        var id = first.Services.GetRequiredService<IBackgroundJobClient>().Schedule(() => Console.WriteLine(marker), TimeSpan.FromDays(1));
        Assert.Contains(marker, ArgumentsOf(first, id));
        Assert.DoesNotContain(marker, ArgumentsOf(second, id)); // job ids are per storage, so the id may exist there as another job
    }

    private static IReadOnlyList<object?> ArgumentsOf(RetApiFactory host, string jobId)
        => host.Services.GetRequiredService<JobStorage>().GetMonitoringApi().JobDetails(jobId)?.Job?.Args ?? [];
}
