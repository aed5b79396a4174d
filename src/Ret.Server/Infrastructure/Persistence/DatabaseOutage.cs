using System.Data.Common;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Ret.Server.Infrastructure.Jobs;

namespace Ret.Server.Infrastructure.Persistence;

/// <summary>
/// What a database outage looks like, and how background work rides one out (docs/decisions/0405). A request that
/// meets an outage answers 503 (the client retries); a job cannot answer anything, and failing it would strand its
/// record: the "failed" write needs the same database. So a job's own writes wait for the database to come back —
/// retrying with a growing pause, up to <see cref="JobsOptions.DatabaseWaitSeconds"/> — and the work done before them
/// (a conversion's tables on disk) is kept.
/// </summary>
public sealed class DatabaseOutage(IOptions<JobsOptions> options, ILogger<DatabaseOutage> logger)
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(5);

    /// <summary>Connection-level failures (server down or unreachable, file unreachable, busy, out of resources): worth
    /// retrying later. Other database errors (constraint violations, bad SQL) are not.</summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case Microsoft.Data.Sqlite.SqliteException sqlite when sqlite.SqliteErrorCode is 5 or 6 or 10 or 13 or 14:
                    return true; // BUSY, LOCKED, IOERR, FULL, CANTOPEN
                case Npgsql.PostgresException pg when pg.SqlState.StartsWith("08", StringComparison.Ordinal)
                                                     || pg.SqlState.StartsWith("53", StringComparison.Ordinal)
                                                     || pg.SqlState.StartsWith("57P", StringComparison.Ordinal):
                    return true; // connection exception, insufficient resources, operator intervention
                case Npgsql.PostgresException:
                    return false;
                case DbException db when db.IsTransient:
                case System.Net.Sockets.SocketException:
                case TimeoutException:
                    return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Runs <paramref name="write"/>; while it fails because the database is unavailable, forgets what
    /// <paramref name="db"/> tracked (the write must load what it changes) and runs it again after a pause, until it
    /// succeeds or the wait is over (then the last error propagates). <paramref name="write"/> must be idempotent: an
    /// attempt whose commit reached the database but whose answer was lost is run again.
    /// </summary>
    public async Task<T> WaitForAsync<T>(RetDbContext db, string what, Func<CancellationToken, Task<T>> write, CancellationToken ct)
    {
        var limit = TimeSpan.FromSeconds(options.Value.DatabaseWaitSeconds);
        var clock = Stopwatch.StartNew();
        var pause = FirstPause;
        var failures = 0;
        while (true)
        {
            try
            {
                var result = await write(ct);
                if (failures > 0)
                {
                    logger.LogInformation("The database is back after {Seconds:0.0} s: {What} done", clock.Elapsed.TotalSeconds, what);
                }

                return result;
            }
            catch (Exception ex) when (IsUnavailable(ex) && clock.Elapsed + pause < limit && !ct.IsCancellationRequested)
            {
                if (failures++ == 0)
                {
                    logger.LogWarning(ex, "The database is unavailable while {What}; waiting for it (at most {Seconds} s)", what, limit.TotalSeconds);
                }

                db.ChangeTracker.Clear();
                await Task.Delay(pause, ct);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestPause.Ticks));
            }
        }
    }

    /// <inheritdoc cref="WaitForAsync{T}"/>
    public Task WaitForAsync(RetDbContext db, string what, Func<CancellationToken, Task> write, CancellationToken ct)
        => WaitForAsync(db, what, async t =>
        {
            await write(t);
            return true;
        }, ct);
}
