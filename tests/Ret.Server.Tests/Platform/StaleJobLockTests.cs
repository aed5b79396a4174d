using Microsoft.Data.Sqlite;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Platform;

/// <summary>Hangfire's SQLite locks are rows with an expiry. A server killed while holding one left it behind, and the
/// restarted server could wait on it (once, in a CI run, for over a minute before it answered). Single-node SQLite
/// owns its runtime, so the restart removes every such row before taking a lock.</summary>
public sealed class StaleJobLockTests : IDisposable
{
    private readonly TestRuntimeFolder _folder = new("locks");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Locks_left_by_a_killed_server_are_removed_when_it_restarts()
    {
        var environment = new Dictionary<string, string> { ["RET_RUNTIME_ROOT"] = _folder.Path, ["RET_ADMIN_PASSWORD"] = "a-long-enough-password" };
        await using (var first = ServerProcess.Start(environment))
        {
            Assert.True(await first.WaitUntilLiveAsync(TimeSpan.FromSeconds(60)), first.Output);
            await first.KillAsync();
        }

        // What a SIGKILL in the middle of a state change or a recurring-job update leaves: locks valid for another hour.
        var expires = DateTime.UtcNow.AddHours(1).Ticks;
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(_folder.Path, "jobs.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            foreach (var resource in new[] { "lock:recurring-job:housekeeping", "HangFire:lock:recurring-job:housekeeping" })
            {
                await using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO DistributedLock (Id, Resource, ResourceKey, ExpireAt) VALUES ($id, $resource, $resource, $expires)";
                insert.Parameters.AddWithValue("$id", Guid.NewGuid().ToString());
                insert.Parameters.AddWithValue("$resource", resource);
                insert.Parameters.AddWithValue("$expires", expires);
                await insert.ExecuteNonQueryAsync();
            }
        }

        await using var second = ServerProcess.Start(environment);
        Assert.True(await second.WaitUntilLiveAsync(TimeSpan.FromSeconds(60)), second.Output);
        Assert.Contains("Removed 2 job-system lock(s) left by a previous process", second.Output, StringComparison.Ordinal);
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(_folder.Path, "jobs.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var count = connection.CreateCommand();
            count.CommandText = "SELECT count(*) FROM DistributedLock WHERE ExpireAt = $expires";
            count.Parameters.AddWithValue("$expires", expires);
            Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
        }
    }
}
