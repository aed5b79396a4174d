using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Audit;
using Ret.Server.Infrastructure.Persistence;

namespace Ret.Server.Infrastructure.Operations;

/// <summary>Recurring: removes audit entries older than <c>Audit:RetentionDays</c> and operations-log entries older
/// than <c>OpsLog:RetentionDays</c> (both can be changed by administrators at run time). The audit log refuses deletes
/// through database triggers; this job is the one sanctioned exception, and it deletes only by age: on PostgreSQL the
/// trigger lets a transaction that set <c>ret.audit_retention</c> delete; on SQLite the trigger is dropped and
/// recreated inside the same transaction, so no other writer ever sees the table unguarded.</summary>
public sealed class LogRetentionJob(RetDbContext db, IOptionsMonitor<AuditOptions> audit, IOptionsMonitor<OpsLogOptions> opsLog,
    TimeProvider clock, ILogger<LogRetentionJob> logger)
{
    public const string RecurringId = "log-retention";

    [DisableConcurrentExecution(timeoutInSeconds: 300)]
    [AutomaticRetry(Attempts = 2)]
    public async Task<(int Audit, int Ops)> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var opsCutoff = now.AddDays(-opsLog.CurrentValue.RetentionDays);
        var ops = await db.Set<OpsLogEntry>().Where(o => o.At < opsCutoff).ExecuteDeleteAsync(ct);

        var auditCutoff = now.AddDays(-audit.CurrentValue.RetentionDays);
        var auditDeleted = 0;
        if (await db.AuditLog.AnyAsync(a => a.At < auditCutoff, ct))
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            if (db.Database.IsNpgsql())
            {
                await db.Database.ExecuteSqlRawAsync("SET LOCAL ret.audit_retention = 'on'", ct);
                auditDeleted = await db.AuditLog.Where(a => a.At < auditCutoff).ExecuteDeleteAsync(ct);
            }
            else
            {
                await db.Database.ExecuteSqlRawAsync("DROP TRIGGER IF EXISTS audit_log_no_delete", ct);
                auditDeleted = await db.AuditLog.Where(a => a.At < auditCutoff).ExecuteDeleteAsync(ct);
                await db.Database.ExecuteSqlRawAsync(AuditTriggers.SqliteNoDelete, ct);
            }

            await tx.CommitAsync(ct);
        }

        if (ops + auditDeleted > 0)
        {
            logger.LogInformation("Log retention removed {Audit} audit entries and {Ops} operations-log entries", auditDeleted, ops);
        }

        return (auditDeleted, ops);
    }
}
