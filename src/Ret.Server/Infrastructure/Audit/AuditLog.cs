using System.Text.Json;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Hosting;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Infrastructure.Audit;

/// <summary>Action names written to the audit log.</summary>
public static class AuditActions
{
    public const string LoginSucceeded = "login_succeeded";
    public const string LoginFailed = "login_failed";
    public const string AccountLocked = "account_locked";
    public const string AccountUnlocked = "account_unlocked";
    public const string Logout = "logout";
    public const string LogoutAll = "logout_all";
    public const string RefreshTokenReuse = "refresh_token_reuse";
    public const string PasswordChanged = "password_changed";
    public const string PasswordResetRequested = "password_reset_requested";
    public const string PasswordResetCompleted = "password_reset_completed";
    public const string ResetTokenIssued = "reset_token_issued";
    public const string ApiKeyCreated = "api_key_created";
    public const string ApiKeyRevoked = "api_key_revoked";
    public const string UserCreated = "user_created";
    public const string UserUpdated = "user_updated";
    public const string ConsoleSessionStarted = "console_session_started";
    public const string UserDeleted = "user_deleted";
    public const string UserSignedOutEverywhere = "user_signed_out_everywhere";
    public const string ResetRequestRejected = "reset_request_rejected";
    public const string SessionRevoked = "session_revoked";
    public const string SessionsCleanedUp = "sessions_cleaned_up";
    public const string SettingsChanged = "settings_changed";
    public const string AuditExported = "audit_exported";
    public const string UserViewed = "user_viewed";
}

/// <summary>Section <c>Audit</c>.</summary>
public sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>Entries older than this are removed by the log-retention job (default 365 days).</summary>
    [System.ComponentModel.DataAnnotations.Range(30, 3650)]
    public int RetentionDays { get; set; } = 365;
}

/// <summary>The SQL of the append-only guards (also used by the retention job to restore the SQLite delete guard).</summary>
public static class AuditTriggers
{
    public const string SqliteNoDelete =
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;";
}

/// <summary>What happened, to whom, by whom. <see cref="Details"/> is serialised to JSON: reasons and old→new values,
/// never a password, token or key.</summary>
public sealed record AuditEvent(string Action, string Outcome = AuditOutcome.Success)
{
    public Guid? ActorId { get; init; }

    public string? ActorName { get; init; }

    public string? TargetType { get; init; }

    public string? TargetId { get; init; }

    public object? Details { get; init; }

    /// <summary>Only for writes outside a request (background jobs); inside one, the request's values are used.</summary>
    public string? ClientIp { get; init; }

    public string? RequestId { get; init; }

    public static AuditEvent ForUser(string action, User user, string outcome = AuditOutcome.Success) => new(action, outcome)
    {
        TargetType = "user",
        TargetId = user.Id.ToString(),
    };
}

/// <summary>The append-only audit log. Features record through this; nothing updates or deletes rows.</summary>
public interface IAuditLog
{
    /// <summary>Writes the entry now (its own SaveChanges on the request's context). The actor defaults to the
    /// signed-in user, the client IP and request id to the current request's.</summary>
    Task WriteAsync(AuditEvent entry, CancellationToken cancellationToken = default);
}

public sealed class AuditLog(RetDbContext db, IHttpContextAccessor http, TimeProvider clock, ILogger<AuditLog> logger) : IAuditLog
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task WriteAsync(AuditEvent entry, CancellationToken cancellationToken = default)
    {
        var context = http.HttpContext;
        var user = context?.User;
        var row = new AuditEntry
        {
            At = clock.GetUtcNow().UtcDateTime,
            Action = entry.Action,
            Outcome = entry.Outcome,
            ActorId = entry.ActorId ?? user?.UserId(),
            ActorName = Truncate(entry.ActorName ?? user?.UserName(), 64),
            TargetType = entry.TargetType,
            TargetId = Truncate(entry.TargetId, 64),
            Details = entry.Details is null ? null : Truncate(JsonSerializer.Serialize(entry.Details, Json), 4000),
            ClientIp = entry.ClientIp ?? context?.Connection.RemoteIpAddress?.ToString(),
            RequestId = entry.RequestId ?? context?.TraceIdentifier,
        };
        db.AuditLog.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        // The attempted username of a failed sign-in may be a mistyped password: it stays in the table, out of logs.
        logger.LogInformation("Audit {Action} {Outcome} actor={ActorId} target={TargetType}:{TargetId}",
            row.Action, row.Outcome, row.ActorId, row.TargetType, row.TargetId);
    }

    private static string? Truncate(string? value, int max) => value is null || value.Length <= max ? value : value[..max];
}

public static class AuditExtensions
{
    public static WebApplicationBuilder AddAudit(this WebApplicationBuilder builder)
    {
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<IAuditLog, AuditLog>();
        builder.Services.AddValidatedOptions<AuditOptions>(AuditOptions.Section);
        return builder;
    }
}
