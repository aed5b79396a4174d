using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Ret.Server.Domain;
using Ret.Server.Features.Jobs;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Tests.Infrastructure;
using Ret.Server.Tests.Workspace;

namespace Ret.Server.Tests.Platform;

/// <summary>
/// ADR 0406: one run at a time per job. The queue can deliver a job again while a run still works on it (a claim that
/// lapsed in a database outage, an invisibility timeout shorter than the job); the second delivery must leave the job to
/// the run that holds it, and a run whose job was taken over must stop without writing. On both databases.
/// </summary>
public sealed class JobLeaseTests(JobLeaseTests.LeaseFactory factory) : IClassFixture<JobLeaseTests.LeaseFactory>
{
    private const int Records = 1_000_000; // a conversion of them on one thread lasts seconds even on a fast machine

    [Fact]
    public async Task A_second_delivery_while_a_run_holds_the_job_leaves_it_to_that_run()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var (session, job) = await RunningConversionAsync(user.Client, "delivered twice");

        // The queue delivers the job once more while it runs (as Hangfire does when a claim lapses).
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await DeliverAsync(job);
        clock.Stop();
        var state = await StateAsync(job);
        Assert.True(state.State == JobState.Running,
            $"the duplicate delivery returned after {clock.Elapsed.TotalSeconds:0.0} s with the job {state.State}: it ran the job instead of leaving it");
        Assert.Contains(factory.Capture.Lines, l => l.Contains($"Job {job} (Convert) was delivered again while another run holds it", StringComparison.Ordinal));
        // … and it looks again later, in case the run that holds the job dies.
        var monitoring = factory.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        Assert.Contains(monitoring.ScheduledJobs(0, 100), s => s.Value.Job.Args.Contains(job));

        await WorkspaceApiTests.WaitForStateAsync(user.Client, session.ToString(), "converted");
        state = await StateAsync(job);
        Assert.Equal(JobState.Succeeded, state.State);
        Assert.Equal(1, state.Attempts); // one run started it
        Assert.Single(factory.Capture.Lines, l => l.Contains($"Conversion {job}: ", StringComparison.Ordinal) && l.Contains(" tables, ", StringComparison.Ordinal));
        await BigItemExport.AssertConvertedOnceAsync(user.Client, session.ToString(), Records);
        await Eventually.UntilAsync(async () => (await StateAsync(job)).LeaseId is null, "the run never gave the job up after filling its preview store");

        // The later look finds the job ended and does nothing.
        await Eventually.UntilAsync(() => monitoring.ScheduledJobs(0, 100).All(s => !s.Value.Job.Args.Contains(job)), "the later look never ran");
        await Eventually.UntilAsync(() => monitoring.ProcessingCount() == 0, "a delivery is still running");
        Assert.Equal(1, (await StateAsync(job)).Attempts);
        Assert.Single(factory.Capture.Lines, l => l.Contains($"Conversion {job}: preview store \"ready\"", StringComparison.Ordinal)); // filled once
    }

    [Fact]
    public async Task A_run_whose_job_was_taken_over_stops_without_writing_and_a_later_delivery_finishes_it()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var (session, job) = await RunningConversionAsync(user.Client, "taken over");

        // Another run claims the job (this run's claim lapsed, say, during an outage); the job is that run's now.
        var thief = Guid.NewGuid();
        await WithDbAsync(db => db.Set<JobRecord>().Where(j => j.Id == job).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.LeaseId, thief).SetProperty(j => j.LeaseExpiresAt, DateTime.UtcNow.AddHours(1))));

        await Eventually.UntilAsync(() => factory.Capture.Lines.Any(l => l.Contains($"Job {job} (Convert): another run took the job over; this run stopped without writing", StringComparison.Ordinal)),
            "the run never noticed that it had lost the job");
        await Eventually.UntilAsync(() => factory.Services.GetRequiredService<JobStorage>().GetMonitoringApi().ProcessingCount() == 0, "the run never stopped");

        // Nothing of the stopped run is visible: the job is still the other run's, the session has no tables, no folder is left.
        var state = await StateAsync(job);
        Assert.Equal(JobState.Running, state.State);
        Assert.Equal(thief, state.LeaseId);
        Assert.Null(state.FinishedAt);
        using (var detail = await WorkspaceApiTests.JsonAsync(user.Client, $"/api/workspace/sessions/{session}"))
        {
            Assert.Equal("converting", detail.RootElement.GetProperty("state").GetString());
        }

        using (var tables = await WorkspaceApiTests.JsonAsync(user.Client, $"/api/workspace/sessions/{session}/tables"))
        {
            Assert.Empty(tables.RootElement.EnumerateArray());
        }

        Assert.Empty(RunFolders(session));
        Assert.DoesNotContain(factory.Capture.Lines, l => l.Contains($"Conversion {job}: ", StringComparison.Ordinal));

        // The other run dies (its claim lapses): the next delivery takes the job over and finishes it, once.
        await WithDbAsync(db => db.Set<JobRecord>().Where(j => j.Id == job).ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseExpiresAt, DateTime.UtcNow.AddSeconds(-1))));
        await DeliverAsync(job);
        state = await StateAsync(job);
        Assert.Equal(JobState.Succeeded, state.State);
        Assert.Equal(2, state.Attempts);
        Assert.Null(state.LeaseId); // given up once its store was filled, in the same delivery
        await WorkspaceApiTests.WaitForStateAsync(user.Client, session.ToString(), "converted");
        await BigItemExport.AssertConvertedOnceAsync(user.Client, session.ToString(), Records);
        Assert.Equal(new[] { job.ToString("N") }, RunFolders(session).Select(f => Path.GetFileName(f)).ToArray());
    }

    [Fact]
    public async Task A_claim_is_taken_only_when_free_or_lapsed_and_renewed_only_by_its_holder()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var session = Guid.Parse(await WorkspaceApiTests.CreateSessionAsync(user.Client, "claims"));
        var job = new JobRecord { SessionId = session, OwnerId = user.UserId, Kind = JobKind.Scan };
        await WithDbAsync(async db =>
        {
            db.Add(job);
            await db.SaveChangesAsync();
        });

        await WithDbAsync(async db =>
        {
            var length = TimeSpan.FromMinutes(1);
            var first = await JobLease.TryClaimAsync(db, job.Id, length, CancellationToken.None);
            Assert.NotNull(first);
            Assert.Null(await JobLease.TryClaimAsync(db, job.Id, length, CancellationToken.None)); // held
            Assert.True(await first.RenewAsync(db, CancellationToken.None));

            await db.Set<JobRecord>().Where(j => j.Id == job.Id).ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseExpiresAt, DateTime.UtcNow.AddSeconds(-1)));
            var second = await JobLease.TryClaimAsync(db, job.Id, length, CancellationToken.None); // lapsed: taken over
            Assert.NotNull(second);
            Assert.NotEqual(first.Id, second.Id);
            Assert.False(await first.RenewAsync(db, CancellationToken.None));
            await Assert.ThrowsAsync<JobLeaseLostException>(() => first.HoldAsync(db, CancellationToken.None));
            await second.HoldAsync(db, CancellationToken.None);

            // An ended job is never claimed, even with no holder.
            await db.Set<JobRecord>().Where(j => j.Id == job.Id).ExecuteUpdateAsync(s => s
                .SetProperty(j => j.LeaseId, (Guid?)null).SetProperty(j => j.State, JobState.Cancelled));
            Assert.Null(await JobLease.TryClaimAsync(db, job.Id, length, CancellationToken.None));
        });
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private async Task<(Guid Session, Guid Job)> RunningConversionAsync(HttpClient http, string name)
    {
        var session = await WorkspaceApiTests.CreateSessionAsync(http, name);
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync($"/api/workspace/sessions/{session}/files/big.zip", new ByteArrayContent(BigItemExport.Zip(Records)))).StatusCode);
        await WorkspaceApiTests.WaitForStateAsync(http, session, "scanned");
        var start = await http.PostAsJsonAsync($"/api/workspace/sessions/{session}/conversions", new { });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var job = Guid.Parse((await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        await Eventually.UntilAsync(async () => (await StateAsync(job)).State != JobState.Queued, "the conversion never started");
        Assert.Equal(JobState.Running, (await StateAsync(job)).State); // a million records take seconds: it is mid-run
        return (Guid.Parse(session), job);
    }

    /// <summary>Runs the job's queue entry point in this process, as a second worker that fetched it would.</summary>
    private async Task DeliverAsync(Guid job)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<WorkspaceJobRunner>().RunAsync(job, CancellationToken.None);
    }

    private async Task<JobRecord> StateAsync(Guid job)
    {
        JobRecord? record = null;
        await WithDbAsync(async db => record = await db.Set<JobRecord>().AsNoTracking().SingleAsync(j => j.Id == job));
        return record!;
    }

    private async Task WithDbAsync(Func<RetDbContext, Task> action)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        await action(scope.ServiceProvider.GetRequiredService<RetDbContext>());
    }

    private string[] RunFolders(Guid session)
    {
        var runs = Path.Combine(factory.Services.GetRequiredService<Features.Workspace.WorkspaceStorage>().SessionDir(session), "runs");
        return Directory.Exists(runs) ? Directory.GetDirectories(runs) : [];
    }

    /// <summary>The server with its log captured, one conversion thread (so a conversion of the test's export lasts
    /// seconds) and a short claim, so the later look of a duplicate delivery comes within the test.</summary>
    public sealed class LeaseFactory : RetApiFactory
    {
        public LogCapture Capture { get; } = new();

        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            Capture.AddTo(builder);
        }

        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [
            new("Jobs:LeaseSeconds", "4"),
            new("Workspace:ConversionThreads", "1"),
        ];
    }
}
