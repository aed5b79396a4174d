using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Persistence;

namespace Ret.Server.Infrastructure.Operations;

/// <summary>Adds to the per-hour counters (<see cref="HourlyUsage"/>) with one atomic upsert, so concurrent jobs on
/// several nodes never lose an increment.</summary>
public static class UsageCounters
{
    public static string HourOf(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH", CultureInfo.InvariantCulture);

    public static async Task AddAsync(RetDbContext db, DateTime at, string metric, long amount, CancellationToken ct)
    {
        // Same statement on SQLite (≥ 3.24) and PostgreSQL.
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO usage_hourly ("Hour", "Metric", "Value") VALUES ({HourOf(at)}, {metric}, {amount})
            ON CONFLICT ("Hour", "Metric") DO UPDATE SET "Value" = usage_hourly."Value" + excluded."Value"
            """, ct);
    }
}
