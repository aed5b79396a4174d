using Hangfire;
using Hangfire.States;
using Hangfire.Storage.SQLite;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Platform;

/// <summary>Jobs survive a crash: a job running when the server is killed with SIGKILL completes after restart.</summary>
public sealed class JobDurabilityTests : IDisposable
{
    private readonly string _runtime = Path.Combine(Path.GetTempPath(), "ret-tests", "jobs-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_runtime, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Job_running_when_the_server_is_killed_completes_after_restart()
    {
        var environment = new Dictionary<string, string>
        {
            ["RET_RUNTIME_ROOT"] = _runtime,
            ["RET_ADMIN_PASSWORD"] = "a-long-enough-password",
        };
        await using var first = ServerProcess.Start(environment);
        Assert.True(await first.WaitUntilLiveAsync(TimeSpan.FromSeconds(60)), first.Output);

        // Enqueue through the same durable storage the server uses: a job that takes a few seconds.
        using var storage = new SQLiteStorage(Path.Combine(_runtime, "jobs.db"), new SQLiteStorageOptions());
        var client = new BackgroundJobClient(storage);
        var jobId = client.Enqueue(() => Task.Delay(6000));

        Assert.True(await WaitForStateAsync(storage, jobId, ProcessingState.StateName, TimeSpan.FromSeconds(30)),
            "the server never started the job:\n" + first.Output);

        await first.KillAsync(); // SIGKILL mid-job
        Assert.Equal(ProcessingState.StateName, StateOf(storage, jobId));

        await using var second = ServerProcess.Start(environment);
        Assert.True(await second.WaitUntilLiveAsync(TimeSpan.FromSeconds(60)), second.Output);

        Assert.True(await WaitForStateAsync(storage, jobId, SucceededState.StateName, TimeSpan.FromSeconds(60)),
            $"job ended in {StateOf(storage, jobId)}:\n" + second.Output);
        var history = storage.GetMonitoringApi().JobDetails(jobId).History;
        Assert.Contains(history, h => h.StateName == EnqueuedState.StateName && h.Reason == "Re-queued after an unclean shutdown");
    }

    private static string? StateOf(JobStorage storage, string jobId)
    {
        using var connection = storage.GetConnection();
        return connection.GetStateData(jobId)?.Name;
    }

    private static async Task<bool> WaitForStateAsync(JobStorage storage, string jobId, string state, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (StateOf(storage, jobId) == state)
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }
}
