using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Ret.Server.Domain;

namespace Ret.Server.Infrastructure.Persistence;

/// <summary>The application database. Features query it directly (no repository layer). Each provider has a
/// subclass only so that it can own its own migrations; the model is defined once, here.</summary>
public abstract class RetDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();

    public DbSet<RefreshToken> RefreshTokens => Set<RefreshToken>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<PasswordResetRequest> PasswordResetRequests => Set<PasswordResetRequest>();

    public DbSet<PasswordResetToken> PasswordResetTokens => Set<PasswordResetToken>();

    /// <summary>Append-only: add rows through <c>IAuditLog</c>; never update or delete (the database refuses).</summary>
    public DbSet<AuditEntry> AuditLog => Set<AuditEntry>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        // Features that own their mapping (IEntityTypeConfiguration classes beside their code, e.g. Features/Workspace).
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(RetDbContext).Assembly);
        modelBuilder.Entity<User>(e =>
        {
            e.ToTable("users");
            e.HasKey(u => u.Id);
            e.Property(u => u.UserName).HasMaxLength(64).IsRequired();
            e.Property(u => u.NormalizedUserName).HasMaxLength(64).IsRequired();
            e.HasIndex(u => u.NormalizedUserName).IsUnique();
            e.Property(u => u.PasswordHash).HasMaxLength(256);
            e.Property(u => u.Role).HasMaxLength(32).IsRequired();
            e.Property(u => u.SecurityStamp).HasMaxLength(64).IsRequired().IsConcurrencyToken();
            e.Property(u => u.DisplayName).HasMaxLength(128);
            e.Property(u => u.Email).HasMaxLength(254);
            e.Property(u => u.LockReason).HasMaxLength(500);
        });

        modelBuilder.Entity<RefreshToken>(e =>
        {
            e.ToTable("refresh_tokens");
            e.HasKey(t => t.Id);
            e.Property(t => t.TokenHash).HasMaxLength(64).IsRequired();
            e.HasIndex(t => t.TokenHash).IsUnique();
            e.HasIndex(t => t.FamilyId);
            e.HasIndex(t => new { t.UserId, t.RevokedAt });
            e.Property(t => t.RevokedReason).HasMaxLength(64);
            e.Property(t => t.CreatedByIp).HasMaxLength(64);
            e.Property(t => t.UserAgent).HasMaxLength(512);
            e.HasOne<User>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ApiKey>(e =>
        {
            e.ToTable("api_keys");
            e.HasKey(k => k.Id);
            e.Property(k => k.Name).HasMaxLength(100).IsRequired();
            e.Property(k => k.Prefix).HasMaxLength(16).IsRequired();
            e.Property(k => k.KeyHash).HasMaxLength(64).IsRequired();
            e.HasIndex(k => k.KeyHash).IsUnique();
            e.HasIndex(k => k.UserId);
            e.HasOne<User>().WithMany().HasForeignKey(k => k.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<PasswordResetRequest>(e =>
        {
            e.ToTable("password_reset_requests");
            e.HasKey(r => r.Id);
            e.Property(r => r.Status).HasMaxLength(16).IsRequired();
            e.Property(r => r.Reason).HasMaxLength(500);
            e.Property(r => r.RequestedFromIp).HasMaxLength(64);
            e.HasIndex(r => new { r.Status, r.CreatedAt });
            e.HasIndex(r => r.UserId);
            e.HasOne<User>().WithMany().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<PasswordResetToken>(e =>
        {
            e.ToTable("password_reset_tokens");
            e.HasKey(t => t.Id);
            e.Property(t => t.TokenHash).HasMaxLength(64).IsRequired();
            e.HasIndex(t => t.TokenHash).IsUnique();
            e.HasIndex(t => t.UserId);
            e.Property(t => t.Purpose).HasMaxLength(16).IsRequired();
            e.HasOne<User>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<AuditEntry>(e =>
        {
            e.ToTable("audit_log");
            e.HasKey(a => a.Id);
            e.Property(a => a.Id).ValueGeneratedOnAdd();
            e.Property(a => a.ActorName).HasMaxLength(64);
            e.Property(a => a.Action).HasMaxLength(64).IsRequired();
            e.Property(a => a.TargetType).HasMaxLength(32);
            e.Property(a => a.TargetId).HasMaxLength(64);
            e.Property(a => a.Outcome).HasMaxLength(16).IsRequired();
            e.Property(a => a.Details).HasMaxLength(4000);
            e.Property(a => a.ClientIp).HasMaxLength(64);
            e.Property(a => a.RequestId).HasMaxLength(64);
            e.HasIndex(a => a.At);
            e.HasIndex(a => new { a.ActorId, a.At });
            e.HasIndex(a => new { a.Action, a.At });
            // No foreign keys: the log outlives the rows it mentions.
        });
    }

    /// <summary>Every DateTime is UTC: stored as such and read back with <see cref="DateTimeKind.Utc"/>.</summary>
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<NullableUtcDateTimeConverter>();
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

    private sealed class NullableUtcDateTimeConverter() : ValueConverter<DateTime?, DateTime?>(
        v => v.HasValue ? (v.Value.Kind == DateTimeKind.Utc ? v.Value : v.Value.ToUniversalTime()) : v,
        v => v.HasValue ? DateTime.SpecifyKind(v.Value, DateTimeKind.Utc) : v);
}

/// <summary>SQLite flavour (embedded default); migrations in Migrations/Sqlite.</summary>
public sealed class SqliteRetDbContext(DbContextOptions<SqliteRetDbContext> options) : RetDbContext(options);

/// <summary>PostgreSQL flavour (scale-out); migrations in Migrations/Postgres.</summary>
public sealed class PostgresRetDbContext(DbContextOptions<PostgresRetDbContext> options) : RetDbContext(options);
