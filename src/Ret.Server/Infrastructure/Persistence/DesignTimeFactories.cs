using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Ret.Server.Infrastructure.Persistence;

/// <summary>Used only by <c>dotnet ef migrations add</c>; no database is contacted.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteRetDbContext>
{
    public SqliteRetDbContext CreateDbContext(string[] args)
        => new(new DbContextOptionsBuilder<SqliteRetDbContext>().UseSqlite("Data Source=design.db").Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresRetDbContext>
{
    public PostgresRetDbContext CreateDbContext(string[] args)
        => new(new DbContextOptionsBuilder<PostgresRetDbContext>().UseNpgsql("Host=localhost;Database=ret_design").Options);
}
