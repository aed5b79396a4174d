using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Ret.Server.Domain;

namespace Ret.Server.Infrastructure.Persistence;

/// <summary>The application database. Features query it directly (no repository layer). Each provider has a
/// subclass only so that it can own its own migrations; the model is defined once, here.</summary>
public abstract class RetDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
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
