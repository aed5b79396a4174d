using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Hosting;

namespace Ret.Server.Infrastructure.Operations;

/// <summary>Section <c>OpsLog</c>.</summary>
public sealed class OpsLogOptions
{
    public const string Section = "OpsLog";

    /// <summary>Entries older than this are removed by the log-retention job (default 30 days).</summary>
    [Range(1, 3650)]
    public int RetentionDays { get; set; } = 30;
}

public static class OperationsExtensions
{
    /// <summary>The operations log and what feeds it: start/stop, health-status changes, failing background jobs
    /// (rejected uploads, rate-limit rejections and workspace job failures write from where they happen).</summary>
    public static WebApplicationBuilder AddOperationsLog(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<OpsLogOptions>(OpsLogOptions.Section);
        services.AddHttpContextAccessor();
        services.AddSingleton<OpsLog>();
        services.AddSingleton<IOpsLog>(sp => sp.GetRequiredService<OpsLog>());
        services.AddHostedService<OpsLogWriter>();
        services.AddHostedService<LifecycleOpsRecorder>();
        services.AddSingleton<IHealthCheckPublisher, HealthChangeRecorder>();
        services.Configure<HealthCheckPublisherOptions>(o =>
        {
            o.Delay = TimeSpan.FromSeconds(5);
            o.Period = TimeSpan.FromSeconds(30);
        });
        services.AddSingleton<JobStateOpsFilter>();
        services.AddScoped<LogRetentionJob>();
        return builder;
    }
}

internal sealed class OpsLogEntryConfiguration : IEntityTypeConfiguration<OpsLogEntry>
{
    public void Configure(EntityTypeBuilder<OpsLogEntry> e)
    {
        e.ToTable("ops_log");
        e.HasKey(o => o.Id);
        e.Property(o => o.Id).ValueGeneratedOnAdd();
        e.Property(o => o.Level).HasMaxLength(16).IsRequired();
        e.Property(o => o.Category).HasMaxLength(32).IsRequired();
        e.Property(o => o.Message).HasMaxLength(500).IsRequired();
        e.Property(o => o.Details).HasMaxLength(4000);
        e.Property(o => o.RequestId).HasMaxLength(64);
        e.Property(o => o.Node).HasMaxLength(128);
        e.HasIndex(o => o.At);
        e.HasIndex(o => new { o.Category, o.At });
        e.HasIndex(o => new { o.Level, o.At });
    }
}

internal sealed class SettingEntryConfiguration : IEntityTypeConfiguration<SettingEntry>
{
    public void Configure(EntityTypeBuilder<SettingEntry> e)
    {
        e.ToTable("settings");
        e.HasKey(s => s.Key);
        e.Property(s => s.Key).HasMaxLength(128);
        e.Property(s => s.Value).HasMaxLength(1000).IsRequired();
    }
}

internal sealed class HourlyUsageConfiguration : IEntityTypeConfiguration<HourlyUsage>
{
    public void Configure(EntityTypeBuilder<HourlyUsage> e)
    {
        e.ToTable("usage_hourly");
        e.HasKey(u => new { u.Hour, u.Metric });
        e.Property(u => u.Hour).HasMaxLength(13);
        e.Property(u => u.Metric).HasMaxLength(32);
    }
}
