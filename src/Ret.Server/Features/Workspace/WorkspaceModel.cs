using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Ret.Server.Domain;

namespace Ret.Server.Features.Workspace;

// EF Core mapping of the workspace entities. Applied by RetDbContext through ApplyConfigurationsFromAssembly.

internal sealed class WorkspaceSessionConfiguration : IEntityTypeConfiguration<WorkspaceSession>
{
    public void Configure(EntityTypeBuilder<WorkspaceSession> e)
    {
        e.ToTable("workspace_sessions");
        e.HasKey(s => s.Id);
        e.Property(s => s.Name).HasMaxLength(120).IsRequired();
        e.Property(s => s.State).HasConversion<string>().HasMaxLength(16);
        e.Property(s => s.TablesError).HasMaxLength(1000);
        e.Ignore(s => s.TablesReady);
        e.HasIndex(s => new { s.OwnerId, s.UpdatedAt });
        e.HasIndex(s => s.ExpiresAt);
        e.HasOne<User>().WithMany().HasForeignKey(s => s.OwnerId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class WorkspaceFileConfiguration : IEntityTypeConfiguration<WorkspaceFile>
{
    public void Configure(EntityTypeBuilder<WorkspaceFile> e)
    {
        e.ToTable("workspace_files");
        e.HasKey(f => f.Id);
        e.Property(f => f.Name).HasMaxLength(255).IsRequired();
        e.Property(f => f.StoredName).HasMaxLength(80).IsRequired();
        e.Property(f => f.State).HasConversion<string>().HasMaxLength(16);
        e.Property(f => f.Reason).HasMaxLength(500);
        e.Property(f => f.UploadId).HasMaxLength(64);
        e.HasIndex(f => f.SessionId);
        e.HasIndex(f => f.UploadId);
        e.HasOne<WorkspaceSession>().WithMany().HasForeignKey(f => f.SessionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class JobRecordConfiguration : IEntityTypeConfiguration<JobRecord>
{
    public void Configure(EntityTypeBuilder<JobRecord> e)
    {
        e.ToTable("jobs");
        e.HasKey(j => j.Id);
        e.Property(j => j.Kind).HasConversion<string>().HasMaxLength(16);
        e.Property(j => j.State).HasConversion<string>().HasMaxLength(16);
        e.Property(j => j.ProgressJson).IsRequired();
        e.Property(j => j.Error).HasMaxLength(2000);
        e.Property(j => j.HangfireJobId).HasMaxLength(64);
        e.Ignore(j => j.IsTerminal);
        e.HasIndex(j => new { j.SessionId, j.CreatedAt });
        e.HasIndex(j => new { j.State, j.FinishedAt });
        e.HasOne<WorkspaceSession>().WithMany().HasForeignKey(j => j.SessionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ResultTableConfiguration : IEntityTypeConfiguration<ResultTable>
{
    public void Configure(EntityTypeBuilder<ResultTable> e)
    {
        e.ToTable("result_tables");
        e.HasKey(t => t.Id);
        e.Property(t => t.Name).HasMaxLength(300).IsRequired();
        e.Property(t => t.Group).HasMaxLength(200).IsRequired();
        e.Property(t => t.Parent).HasMaxLength(300);
        e.HasIndex(t => new { t.SessionId, t.Name }).IsUnique();
        e.HasOne<WorkspaceSession>().WithMany().HasForeignKey(t => t.SessionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class PatchLogEntryConfiguration : IEntityTypeConfiguration<PatchLogEntry>
{
    public void Configure(EntityTypeBuilder<PatchLogEntry> e)
    {
        e.ToTable("patch_log");
        e.HasKey(p => p.Id);
        e.Property(p => p.UserName).HasMaxLength(64).IsRequired();
        e.Property(p => p.Table).HasMaxLength(300).IsRequired();
        e.Property(p => p.Op).HasMaxLength(16).IsRequired();
        e.Property(p => p.Column).HasMaxLength(1000);
        e.HasIndex(p => new { p.SessionId, p.Id });
        e.HasIndex(p => p.EditId);
        e.HasOne<WorkspaceSession>().WithMany().HasForeignKey(p => p.SessionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class DownloadTicketConfiguration : IEntityTypeConfiguration<DownloadTicket>
{
    public void Configure(EntityTypeBuilder<DownloadTicket> e)
    {
        e.ToTable("download_tickets");
        e.HasKey(t => t.Id);
        e.Property(t => t.Id).HasMaxLength(64);
        e.Property(t => t.RequestJson).HasMaxLength(2000).IsRequired();
        e.HasIndex(t => t.ExpiresAt);
        e.HasOne<WorkspaceSession>().WithMany().HasForeignKey(t => t.SessionId).OnDelete(DeleteBehavior.Cascade);
    }
}
