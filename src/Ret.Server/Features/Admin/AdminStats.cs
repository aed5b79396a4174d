using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Audit;
using Ret.Server.Infrastructure.Operations;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Features.Admin;

public sealed record UserCounts(int Total, int Admins, int Active, int Disabled, int Locked, int PendingSetup);

public sealed record SignInSessionCounts(int Active);

public sealed record WorkspaceCounts(int Sessions, long StorageBytes);

public sealed record JobCounts(int Queued, int Running, int Failed24h, int Succeeded24h);

public sealed record ConversionCounts(long Last24h, long Failed24h, long Last7d, long Failed7d);

public sealed record ConversionsPoint(string Day, long Count, long Failed);

public sealed record RowsPoint(string Day, long Rows);

public sealed record SignInsPoint(string Day, int Succeeded, int Failed);

public sealed record StatsSeries(
    IReadOnlyList<ConversionsPoint> ConversionsPerDay,
    IReadOnlyList<RowsPoint> RowsConvertedPerDay,
    IReadOnlyList<SignInsPoint> SignInsPerDay);

public sealed record AdminStatsDto(
    UserCounts Users,
    SignInSessionCounts SignInSessions,
    WorkspaceCounts Workspace,
    JobCounts Jobs,
    ConversionCounts Conversions,
    StatsSeries Series);

/// <summary>The overview: counts now, and 30 days of per-day series (UTC days, oldest first, zero-filled).</summary>
public sealed class AdminStats(RetDbContext db, TimeProvider clock)
{
    public const int SeriesDays = 30;

    public async Task<AdminStatsDto> GetAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var users = db.Users.AsNoTracking().Where(u => u.DeletedAt == null);
        var userCounts = new UserCounts(
            await users.CountAsync(ct),
            await users.CountAsync(u => u.Role == Roles.Admin, ct),
            await users.CountAsync(u => u.IsActive && !u.IsLocked && (u.LockoutEnd == null || u.LockoutEnd <= now), ct),
            await users.CountAsync(u => !u.IsActive, ct),
            await users.CountAsync(u => u.IsLocked || u.LockoutEnd > now, ct),
            await users.CountAsync(u => u.PasswordHash == null, ct));

        var activeSessions = await db.RefreshTokens.AsNoTracking()
            .CountAsync(t => t.ReplacedById == null && t.RevokedAt == null && t.ExpiresAt > now && t.IdleExpiresAt > now, ct);

        var workspace = db.Set<WorkspaceSession>().AsNoTracking();
        var workspaceCounts = new WorkspaceCounts(await workspace.CountAsync(ct), await workspace.SumAsync(s => s.SizeBytes, ct));

        var jobs = db.Set<JobRecord>().AsNoTracking();
        var dayAgo = now.AddDays(-1);
        var jobCounts = new JobCounts(
            await jobs.CountAsync(j => j.State == JobState.Queued, ct),
            await jobs.CountAsync(j => j.State == JobState.Running, ct),
            await jobs.CountAsync(j => j.State == JobState.Failed && j.FinishedAt >= dayAgo, ct),
            await jobs.CountAsync(j => j.State == JobState.Succeeded && j.FinishedAt >= dayAgo, ct));

        var firstDay = now.Date.AddDays(-(SeriesDays - 1));
        var firstHour = UsageCounters.HourOf(firstDay);
        var usage = await db.Set<HourlyUsage>().AsNoTracking()
            .Where(u => string.Compare(u.Hour, firstHour) >= 0)
            .ToListAsync(ct);
        var hour24 = UsageCounters.HourOf(now.AddHours(-23));
        var hour7d = UsageCounters.HourOf(now.AddHours(-(7 * 24) + 1));
        long Sum(string metric, string fromHour) => usage
            .Where(u => u.Metric == metric && string.CompareOrdinal(u.Hour, fromHour) >= 0).Sum(u => u.Value);
        var conversions = new ConversionCounts(
            Sum(UsageMetrics.Conversions, hour24), Sum(UsageMetrics.ConversionsFailed, hour24),
            Sum(UsageMetrics.Conversions, hour7d), Sum(UsageMetrics.ConversionsFailed, hour7d));

        var days = Enumerable.Range(0, SeriesDays).Select(i => firstDay.AddDays(i).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).ToList();
        var perDay = usage.GroupBy(u => (Day: u.Hour[..10], u.Metric)).ToDictionary(g => g.Key, g => g.Sum(u => u.Value));
        long Day(string day, string metric) => perDay.GetValueOrDefault((day, metric));

        // Sign-ins come from the audit log (kept for Audit:RetentionDays); only the time and action are read.
        var signIns = await db.AuditLog.AsNoTracking()
            .Where(a => a.At >= firstDay && (a.Action == AuditActions.LoginSucceeded || a.Action == AuditActions.LoginFailed))
            .Select(a => new { a.At, a.Action })
            .ToListAsync(ct);
        var signInsByDay = signIns
            .GroupBy(a => (Day: a.At.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), a.Action))
            .ToDictionary(g => g.Key, g => g.Count());

        var series = new StatsSeries(
            days.Select(d => new ConversionsPoint(d, Day(d, UsageMetrics.Conversions), Day(d, UsageMetrics.ConversionsFailed))).ToList(),
            days.Select(d => new RowsPoint(d, Day(d, UsageMetrics.RowsConverted))).ToList(),
            days.Select(d => new SignInsPoint(d,
                signInsByDay.GetValueOrDefault((d, AuditActions.LoginSucceeded)),
                signInsByDay.GetValueOrDefault((d, AuditActions.LoginFailed)))).ToList());

        return new AdminStatsDto(userCounts, new SignInSessionCounts(activeSessions), workspaceCounts, jobCounts, conversions, series);
    }
}

internal static class AdminStatsEndpoints
{
    public static async Task<Ok<AdminStatsDto>> Get(AdminStats stats, CancellationToken ct) => TypedResults.Ok(await stats.GetAsync(ct));
}
