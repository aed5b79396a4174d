namespace Ret.Server.Domain;

public static class OpsLevel
{
    public const string Info = "info";
    public const string Warning = "warning";
    public const string Error = "error";

    public static readonly string[] All = [Info, Warning, Error];
}

public static class OpsCategory
{
    public const string Job = "job";
    public const string Upload = "upload";
    public const string RateLimit = "rate-limit";
    public const string Health = "health";
    public const string Lifecycle = "lifecycle";

    public static readonly string[] All = [Job, Upload, RateLimit, Health, Lifecycle];
}

/// <summary>One line of the operations log: what the system itself did or suffered (job failures and retries, rejected
/// uploads, rate-limit rejections, health changes, start and stop). Written only by the system, read by administrators;
/// removed after <c>OpsLog:RetentionDays</c>.</summary>
public sealed class OpsLogEntry
{
    public long Id { get; set; }

    public DateTime At { get; set; }

    public required string Level { get; set; }

    public required string Category { get; set; }

    public required string Message { get; set; }

    /// <summary>JSON with the facts (ids, sizes, limits). Never a secret or file content.</summary>
    public string? Details { get; set; }

    public string? RequestId { get; set; }

    /// <summary>Which server process wrote it (host name and process id), for multi-node installations.</summary>
    public string? Node { get; set; }
}

/// <summary>A setting changed by an administrator, stored as a configuration key (<c>Workspace:MaxFileBytes</c>) and its
/// value. These rows override the configuration files and environment and are applied without a restart.</summary>
public sealed class SettingEntry
{
    public required string Key { get; set; }

    public required string Value { get; set; }

    public DateTime UpdatedAt { get; set; }

    public Guid? UpdatedById { get; set; }
}

/// <summary>A per-hour counter that outlives the workspace sessions it counts (sessions and their jobs are deleted by
/// retention; the overview needs the last 24 hours, 7 days and a 30-day chart).</summary>
public sealed class HourlyUsage
{
    /// <summary>UTC hour, <c>yyyy-MM-ddTHH</c> (sorts as text; the first 10 characters are the day).</summary>
    public required string Hour { get; set; }

    public required string Metric { get; set; }

    public long Value { get; set; }
}

public static class UsageMetrics
{
    public const string Conversions = "conversions";
    public const string ConversionsFailed = "conversions_failed";
    public const string RowsConverted = "rows_converted";
}
