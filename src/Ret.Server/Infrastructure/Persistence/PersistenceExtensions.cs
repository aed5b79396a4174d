using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Ret.Server.Infrastructure.Hosting;
using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Infrastructure.Persistence;

public static class PersistenceExtensions
{
    private static readonly SqliteBusyTimeout BusyTimeout = new();

    /// <summary>Registers <see cref="RetDbContext"/> on the configured provider.</summary>
    public static WebApplicationBuilder AddPersistence(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<DatabaseOptions>(DatabaseOptions.Section);
        var database = builder.Configuration.GetValidated<DatabaseOptions>(DatabaseOptions.Section);
        var runtime = builder.Configuration.GetValidated<RuntimeOptions>(RuntimeOptions.Section);

        switch (database.Provider)
        {
            case DatabaseProvider.Postgres:
                builder.Services.AddDbContext<PostgresRetDbContext>(o => o.UseNpgsql(database.ConnectionString));
                builder.Services.AddScoped<RetDbContext>(sp => sp.GetRequiredService<PostgresRetDbContext>());
                break;
            default:
                var connection = SqliteConnectionString(database, runtime);
                builder.Services.AddDbContext<SqliteRetDbContext>(o => o.UseSqlite(connection).AddInterceptors(BusyTimeout));
                builder.Services.AddScoped<RetDbContext>(sp => sp.GetRequiredService<SqliteRetDbContext>());
                break;
        }

        return builder;
    }

    internal static string SqliteConnectionString(DatabaseOptions database, RuntimeOptions runtime)
    {
        if (!string.IsNullOrWhiteSpace(database.ConnectionString))
        {
            return database.ConnectionString;
        }

        Directory.CreateDirectory(runtime.FullRoot);
        return $"Data Source={Path.Combine(runtime.FullRoot, "ret.db")};Foreign Keys=True;Default Timeout=30";
    }

    /// <summary>Applies migrations (unless disabled) and creates the first administrator on an empty database.</summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RetDbContext>();
        if (db.Database.IsSqlite())
        {
            // One server per embedded database; held until the process exits (see RuntimeLock).
            var root = scope.ServiceProvider.GetRequiredService<IOptions<RuntimeOptions>>().Value.FullRoot;
            app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped
                .Register(RuntimeLock.Acquire(root).Dispose);
        }

        if (scope.ServiceProvider.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStart)
        {
            if (db.Database.IsSqlite())
            {
                // WAL lets readers continue while a writer works: the web and job threads share the file.
                await db.Database.OpenConnectionAsync();
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
                await db.Database.CloseConnectionAsync();
            }

            await db.Database.MigrateAsync();
        }

        // Settings stored by administrators apply from the first request (and are validated with the rest at start).
        await scope.ServiceProvider.GetRequiredService<Settings.DatabaseSettings>().LoadAsync(app.Lifetime.ApplicationStopping);
        await scope.ServiceProvider.GetRequiredService<FirstAdminSeeder>().SeedAsync(app.Lifetime.ApplicationStopping);
    }
}
