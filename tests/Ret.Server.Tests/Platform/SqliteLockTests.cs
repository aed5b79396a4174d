using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Tests.Infrastructure;
using Ret.Server.Tests.Workspace;

namespace Ret.Server.Tests.Platform;

/// <summary>
/// The default install's database is a file, so "the database stops" there looks like another process holding the file's
/// write lock past the busy timeout: an operator's <c>sqlite3</c> shell left in a transaction, a backup tool. Writes must
/// answer 503 with Retry-After (not 500), reads keep working (WAL), a running conversion waits to record its tables
/// (ADR 0405) and finishes once the lock is gone, and nothing is lost or written twice.
/// </summary>
public sealed class SqliteLockTests(SqliteLockTests.LockFactory factory) : IClassFixture<SqliteLockTests.LockFactory>
{
    /// <summary>Enough that the conversion is still running when the lock is taken: 300 000 records converted before it
    /// on the 2-core EPYC once the scan extracted for the conversion and the downloads were deflated after it (ADR 0111, 0507).</summary>
    private const int Records = 1_000_000;

    [SqliteFact]
    public async Task While_another_process_holds_the_write_lock_writes_answer_503_reads_work_and_a_conversion_waits()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var http = user.Client;
        var session = await WorkspaceApiTests.CreateSessionAsync(http, "before the lock");
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync($"/api/workspace/sessions/{session}/files/big.zip", new ByteArrayContent(BigItemExport.Zip(Records)))).StatusCode);
        await WorkspaceApiTests.WaitForStateAsync(http, session, "scanned");
        var start = await http.PostAsJsonAsync($"/api/workspace/sessions/{session}/conversions", new { });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var job = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await Eventually.UntilAsync(async () =>
        {
            using var doc = await WorkspaceApiTests.JsonAsync(http, $"/api/jobs/{job}");
            return doc.RootElement.GetProperty("state").GetString() != "queued";
        }, "the conversion never started");

        await using (var holder = new SqliteConnection($"Data Source={factory.DatabaseFile};Pooling=False"))
        {
            await holder.OpenAsync();
            await using (var begin = holder.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE;"; // the write lock, held until the rollback below
                await begin.ExecuteNonQueryAsync();
            }

            // A write waits the busy timeout (2 s here, 30 s by default), then answers 503 — the client retries.
            var rename = await http.PatchAsJsonAsync($"/api/workspace/sessions/{session}", new { name = "renamed while locked" });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, rename.StatusCode);
            Assert.Equal("5", rename.Headers.GetValues("Retry-After").Single());
            var problem = await rename.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("The service is temporarily unavailable. Please try again shortly.", problem.GetProperty("title").GetString());
            Assert.DoesNotContain("Sqlite", problem.ToString(), StringComparison.OrdinalIgnoreCase);

            // Reads go on: the session, its job.
            using (var detail = await WorkspaceApiTests.JsonAsync(http, $"/api/workspace/sessions/{session}"))
            {
                Assert.Equal("before the lock", detail.RootElement.GetProperty("name").GetString());
            }

            // The conversion finishes its tables on disk, then waits for the lock to record them.
            await Eventually.UntilAsync(() => Task.FromResult(factory.Capture.Lines.Any(l => l.Contains("The database is unavailable while", StringComparison.Ordinal))),
                () => "the conversion never waited for the database; the log said:\n" + string.Join("\n", factory.Capture.Lines.Where(l => l.Contains(job, StringComparison.Ordinal)).TakeLast(20)));
            using (var doc = await WorkspaceApiTests.JsonAsync(http, $"/api/jobs/{job}"))
            {
                Assert.Equal("running", doc.RootElement.GetProperty("state").GetString());
            }

            await Task.Delay(TimeSpan.FromSeconds(2)); // a retry or two while it stays locked
            await using var rollback = holder.CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            await rollback.ExecuteNonQueryAsync();
        }

        // Released: the conversion is recorded once, the refused rename never happened, and writes work again.
        await WorkspaceApiTests.WaitForStateAsync(http, session, "converted");
        Assert.Contains(factory.Capture.Lines, l => l.Contains("The database is back after", StringComparison.Ordinal));
        Assert.DoesNotContain(factory.Capture.Lines, l => l.Contains("failed unexpectedly", StringComparison.Ordinal));
        using (var doc = await WorkspaceApiTests.JsonAsync(http, $"/api/jobs/{job}"))
        {
            Assert.Equal("succeeded", doc.RootElement.GetProperty("state").GetString());
        }

        await BigItemExport.AssertConvertedOnceAsync(http, session, Records);

        using (var detail = await WorkspaceApiTests.JsonAsync(http, $"/api/workspace/sessions/{session}"))
        {
            Assert.Equal("before the lock", detail.RootElement.GetProperty("name").GetString());
        }

        Assert.Equal(HttpStatusCode.OK, (await http.PatchAsJsonAsync($"/api/workspace/sessions/{session}", new { name = "after the lock" })).StatusCode);
    }

    [SqliteFact]
    public async Task A_write_that_meets_a_short_lock_goes_on_as_soon_as_it_is_released()
    {
        // SQLite waits for the lock itself, for the connection's Default Timeout (2 s here).
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<RetDbContext>();
        await db.Database.OpenConnectionAsync();
        await using (var pragma = db.Database.GetDbConnection().CreateCommand())
        {
            pragma.CommandText = "PRAGMA busy_timeout";
            Assert.Equal(2000L, Convert.ToInt64(await pragma.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
        }

        // A lock held for 20 ms: Microsoft.Data.Sqlite alone sleeps 150 ms before each retry, so no write could finish
        // under 150 ms; with SQLite's own wait it goes on a few ms after the release. Best of three, so one stall of
        // the machine cannot fail the test.
        var waits = new List<long>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await using var holder = new SqliteConnection($"Data Source={factory.DatabaseFile};Pooling=False");
            await holder.OpenAsync();
            await using (var begin = holder.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE;";
                await begin.ExecuteNonQueryAsync();
            }

            var release = Task.Run(async () =>
            {
                await Task.Delay(20);
                await using var commit = holder.CreateCommand();
                commit.CommandText = "COMMIT;";
                await commit.ExecuteNonQueryAsync();
            });
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await db.Database.ExecuteSqlRawAsync("UPDATE users SET UserName = UserName WHERE 0");
            waits.Add(clock.ElapsedMilliseconds);
            await release;
        }

        Assert.True(waits.Min() < 150, $"every write waited 150 ms or more for a lock held 20 ms: {string.Join(", ", waits)} ms");
    }

    /// <summary>The server on its SQLite file with a 2 s busy timeout (30 s by default), one conversion thread (so the
    /// test's conversion lasts seconds) and its log captured.</summary>
    public sealed class LockFactory : RetApiFactory
    {
        public LogCapture Capture { get; } = new();

        public string DatabaseFile => Path.Combine(RuntimeRoot, "ret.db");

        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            Capture.AddTo(builder);
        }

        protected override IEnumerable<KeyValuePair<string, string?>> Settings => TestDatabase.UsePostgres ? [] :
        [
            new("Database:ConnectionString", $"Data Source={DatabaseFile};Foreign Keys=True;Default Timeout=2"),
            new("Workspace:ConversionThreads", "1"),
        ];
    }
}

/// <summary>Runs on SQLite only; skipped, with the reason, on the PostgreSQL run.</summary>
public sealed class SqliteFactAttribute : FactAttribute
{
    public SqliteFactAttribute()
    {
        if (TestDatabase.UsePostgres)
        {
            Skip = "tests the embedded SQLite database file; the PostgreSQL run has no such file.";
        }
    }
}
