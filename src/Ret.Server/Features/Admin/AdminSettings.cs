using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Ret.Server.Features.Auth;
using Ret.Server.Features.Workspace;
using Ret.Server.Infrastructure.Audit;
using Ret.Server.Infrastructure.Operations;
using Ret.Server.Infrastructure.RateLimiting;
using Ret.Server.Infrastructure.Security;
using Ret.Server.Infrastructure.Settings;

namespace Ret.Server.Features.Admin;

public sealed record UploadSettings(long MaxFileMb, long UserQuotaMb);

public sealed record RetentionSettings(int WorkspaceHours, int AuditDays, int OpsLogDays);

public sealed record LockoutSettings(int MaxFailures, int LockoutMinutes);

public sealed record RateLimitSettings(int LoginPerMinutePerIp, int LoginPerMinutePerAccount, int HeavyPerMinutePerUser);

public sealed record ConversionDefaultSettings(string Format, string Mode, bool NeutraliseFormulas, bool Bom);

/// <summary>What administrators change at run time (docs/api/admin.md). Each field is one configuration key.</summary>
public sealed record AdminSettingsDto(
    UploadSettings? Uploads,
    RetentionSettings? Retention,
    LockoutSettings? Lockout,
    RateLimitSettings? RateLimits,
    ConversionDefaultSettings? ConversionDefaults);

/// <summary>Reads the effective settings (files, environment and stored overrides together) and stores changes: validated,
/// audited field by field (old → new), applied on every node without a restart (see <see cref="DatabaseSettings"/>).</summary>
public sealed class AdminSettingsService(
    DatabaseSettings stored,
    IOptionsMonitor<WorkspaceOptions> workspace,
    IOptionsMonitor<AuditOptions> audit,
    IOptionsMonitor<OpsLogOptions> opsLog,
    IOptionsMonitor<LockoutOptions> lockout,
    IOptionsMonitor<RateLimitOptions> rateLimits,
    IOptionsMonitor<ConversionDefaultsOptions> conversion,
    IAuditLog auditLog)
{
    private const long Mb = 1024 * 1024;

    public AdminSettingsDto Get()
    {
        var w = workspace.CurrentValue;
        var l = lockout.CurrentValue;
        var r = rateLimits.CurrentValue;
        var c = conversion.CurrentValue;
        return new AdminSettingsDto(
            new UploadSettings(w.MaxFileBytes / Mb, w.QuotaBytesPerUser / Mb),
            new RetentionSettings(w.RetentionHours, audit.CurrentValue.RetentionDays, opsLog.CurrentValue.RetentionDays),
            new LockoutSettings(l.MaxFailedAttempts, l.LockoutMinutes),
            new RateLimitSettings(PerMinute(r.LoginPerIp), PerMinute(r.LoginPerAccount), PerMinute(r.HeavyPerUser)),
            new ConversionDefaultSettings(c.Format, c.Mode, c.NeutraliseFormulas, c.Bom));
    }

    public async Task<AdminResult<AdminSettingsDto>> UpdateAsync(AdminSettingsDto next, Guid actorId, CancellationToken ct)
    {
        var errors = Validate(next);
        if (errors.Count > 0)
        {
            return AdminResult<AdminSettingsDto>.Invalid(errors);
        }

        var before = Flatten(Get());
        var after = Flatten(next);
        var changes = new Dictionary<string, object>();
        var keys = new Dictionary<string, string?>();
        foreach (var (field, (key, value)) in after)
        {
            if (before[field].Value == value)
            {
                continue;
            }

            changes[field] = new { from = before[field].Value, to = value };
            keys[key] = value;
            if (key.StartsWith("RateLimits:", StringComparison.Ordinal))
            {
                // Stored as a per-minute window, whatever window the files used.
                keys[key.Replace(":PermitLimit", ":WindowSeconds", StringComparison.Ordinal)] = "60";
            }
        }

        if (keys.Count == 0)
        {
            return AdminResult<AdminSettingsDto>.Ok(Get());
        }

        await stored.SaveAsync(keys, actorId, ct);
        await auditLog.WriteAsync(new AuditEvent(AuditActions.SettingsChanged) { TargetType = "settings", Details = new { changes } }, ct);
        return AdminResult<AdminSettingsDto>.Ok(Get());
    }

    private static Dictionary<string, string[]> Validate(AdminSettingsDto s)
    {
        var errors = new Dictionary<string, string[]>();
        void Range(string field, long value, long min, long max, string unit)
        {
            if (value < min || value > max)
            {
                errors[field] = [$"Use {min.ToString("N0", CultureInfo.InvariantCulture)}–{max.ToString("N0", CultureInfo.InvariantCulture)} {unit}."];
            }
        }

        if (s.Uploads is not { } u)
        {
            errors["uploads"] = ["Required."];
        }
        else
        {
            Range("uploads.maxFileMb", u.MaxFileMb, 1, 1024 * 1024, "MB");
            Range("uploads.userQuotaMb", u.UserQuotaMb, 1, 16 * 1024 * 1024, "MB");
            if (!errors.ContainsKey("uploads.userQuotaMb") && !errors.ContainsKey("uploads.maxFileMb") && u.UserQuotaMb < u.MaxFileMb)
            {
                errors["uploads.userQuotaMb"] = ["The quota must be at least the largest file, or that file could never be uploaded."];
            }
        }

        if (s.Retention is not { } r)
        {
            errors["retention"] = ["Required."];
        }
        else
        {
            Range("retention.workspaceHours", r.WorkspaceHours, 1, 24 * 365, "hours");
            Range("retention.auditDays", r.AuditDays, 30, 3650, "days");
            Range("retention.opsLogDays", r.OpsLogDays, 1, 3650, "days");
        }

        if (s.Lockout is not { } l)
        {
            errors["lockout"] = ["Required."];
        }
        else
        {
            Range("lockout.maxFailures", l.MaxFailures, 3, 1000, "attempts");
            Range("lockout.lockoutMinutes", l.LockoutMinutes, 1, 1440, "minutes");
        }

        if (s.RateLimits is not { } rl)
        {
            errors["rateLimits"] = ["Required."];
        }
        else
        {
            Range("rateLimits.loginPerMinutePerIp", rl.LoginPerMinutePerIp, 1, 100_000, "per minute");
            Range("rateLimits.loginPerMinutePerAccount", rl.LoginPerMinutePerAccount, 1, 100_000, "per minute");
            Range("rateLimits.heavyPerMinutePerUser", rl.HeavyPerMinutePerUser, 1, 100_000, "per minute");
        }

        if (s.ConversionDefaults is not { } c)
        {
            errors["conversionDefaults"] = ["Required."];
        }
        else
        {
            if (c.Format is not ("csv" or "xlsx"))
            {
                errors["conversionDefaults.format"] = ["Use csv or xlsx."];
            }

            if (c.Mode is not ("wide" or "relational"))
            {
                errors["conversionDefaults.mode"] = ["Use wide or relational."];
            }
        }

        return errors;
    }

    /// <summary>Field path → (configuration key, value as stored).</summary>
    private static Dictionary<string, (string Key, string Value)> Flatten(AdminSettingsDto s)
    {
        static string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        static string B(bool v) => v ? "true" : "false";
        return new()
        {
            ["uploads.maxFileMb"] = ("Workspace:MaxFileBytes", I(s.Uploads!.MaxFileMb * Mb)),
            ["uploads.userQuotaMb"] = ("Workspace:QuotaBytesPerUser", I(s.Uploads.UserQuotaMb * Mb)),
            ["retention.workspaceHours"] = ("Workspace:RetentionHours", I(s.Retention!.WorkspaceHours)),
            ["retention.auditDays"] = ("Audit:RetentionDays", I(s.Retention.AuditDays)),
            ["retention.opsLogDays"] = ("OpsLog:RetentionDays", I(s.Retention.OpsLogDays)),
            ["lockout.maxFailures"] = ("Auth:Lockout:MaxFailedAttempts", I(s.Lockout!.MaxFailures)),
            ["lockout.lockoutMinutes"] = ("Auth:Lockout:LockoutMinutes", I(s.Lockout.LockoutMinutes)),
            ["rateLimits.loginPerMinutePerIp"] = ("RateLimits:LoginPerIp:PermitLimit", I(s.RateLimits!.LoginPerMinutePerIp)),
            ["rateLimits.loginPerMinutePerAccount"] = ("RateLimits:LoginPerAccount:PermitLimit", I(s.RateLimits.LoginPerMinutePerAccount)),
            ["rateLimits.heavyPerMinutePerUser"] = ("RateLimits:HeavyPerUser:PermitLimit", I(s.RateLimits.HeavyPerMinutePerUser)),
            ["conversionDefaults.format"] = ("Conversion:Defaults:Format", s.ConversionDefaults!.Format),
            ["conversionDefaults.mode"] = ("Conversion:Defaults:Mode", s.ConversionDefaults.Mode),
            ["conversionDefaults.neutraliseFormulas"] = ("Conversion:Defaults:NeutraliseFormulas", B(s.ConversionDefaults.NeutraliseFormulas)),
            ["conversionDefaults.bom"] = ("Conversion:Defaults:Bom", B(s.ConversionDefaults.Bom)),
        };
    }

    private static int PerMinute(WindowLimit limit)
        => (int)Math.Max(1, Math.Round(limit.PermitLimit * 60.0 / Math.Max(1, limit.WindowSeconds)));
}

internal static class AdminSettingsEndpoints
{
    public static Ok<AdminSettingsDto> Get(AdminSettingsService settings) => TypedResults.Ok(settings.Get());

    public static async Task<Results<Ok<AdminSettingsDto>, ValidationProblem>> Put(AdminSettingsDto body, ClaimsPrincipal principal,
        AdminSettingsService settings, CancellationToken ct)
    {
        var result = await settings.UpdateAsync(body, principal.RequiredUserId(), ct);
        return result.Errors is { } errors ? TypedResults.ValidationProblem(errors) : TypedResults.Ok(result.Value!);
    }
}
