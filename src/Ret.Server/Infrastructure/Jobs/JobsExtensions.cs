using Hangfire;
using Hangfire.Common;
using Hangfire.PostgreSql;
using Hangfire.Storage.SQLite;
using Ret.Server.Infrastructure.Hosting;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Infrastructure.Jobs;

public static class JobsExtensions
{
    /// <summary>Hangfire with durable storage (a SQLite file under the runtime root by default, PostgreSQL for
    /// several nodes), a worker pool on nodes whose role runs jobs, and the recurring housekeeping job.</summary>
    public static WebApplicationBuilder AddJobs(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<JobsOptions>(JobsOptions.Section);
        var jobs = builder.Configuration.GetValidated<JobsOptions>(JobsOptions.Section);
        var database = builder.Configuration.GetValidated<DatabaseOptions>(DatabaseOptions.Section);
        var runtime = builder.Configuration.GetValidated<RuntimeOptions>(RuntimeOptions.Section);
        var server = builder.Configuration.GetValidated<ServerOptions>(ServerOptions.Section);
        var kind = ResolveStorage(jobs, database);
        var poll = TimeSpan.FromSeconds(jobs.PollIntervalSeconds);

        // Each host gets its own storage, job activator and filter list, registered before AddHangfire (which only
        // TryAdds its defaults): Hangfire's defaults are process-wide statics (JobStorage.Current, JobActivator.Current,
        // GlobalJobFilters), so two hosts in one process — the test suite runs dozens — enqueued into each other's
        // storage and ran jobs with each other's services (docs/decisions/0501).
        services.AddSingleton<JobQueueWake>();
        services.AddSingleton<DatabaseOutage>();
        services.AddSingleton<JobStorage>(sp =>
        {
            if (kind == JobStorageKind.Postgres)
            {
                var connection = string.IsNullOrWhiteSpace(jobs.ConnectionString) ? database.ConnectionString : jobs.ConnectionString;
                var pgOptions = new PostgreSqlStorageOptions
                {
                    QueuePollInterval = poll,
                    InvisibilityTimeout = TimeSpan.FromSeconds(jobs.OrphanTimeoutSeconds),
                    UseSlidingInvisibilityTimeout = true,
                    // A node killed while it holds a lock (a job's state lock is held from before the state is committed
                    // until after) leaves the lock row behind; Hangfire.PostgreSql reclaims it only after this, 10
                    // minutes by default, so the job it re-queues could not leave "Processing" until then. Locks here
                    // are held for one state change or one maintenance run, far below the orphan timeout.
                    DistributedLockTimeout = TimeSpan.FromSeconds(jobs.OrphanTimeoutSeconds),
                    PrepareSchemaIfNecessary = true,
                };
                return new PostgreSqlStorage(new Hangfire.PostgreSql.Factories.NpgsqlConnectionFactory(connection, pgOptions), pgOptions);
            }

            Directory.CreateDirectory(runtime.FullRoot);
            var sqliteOptions = new SQLiteStorageOptions
            {
                QueuePollInterval = poll,
                InvisibilityTimeout = TimeSpan.FromMinutes(jobs.InvisibilityTimeoutMinutes),
            };
            var storage = new SQLiteStorage(SqliteJobStoragePath(runtime), sqliteOptions);
            storage.QueueProviders.Add(new WakeableSqliteQueueProvider(sqliteOptions, sp.GetRequiredService<JobQueueWake>()), ["default"]);
            return storage;
        });
        services.AddSingleton<JobActivator>(sp => new Hangfire.AspNetCore.AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddSingleton<IJobFilterProvider>(sp => new JobFilterProviderCollection(
            GlobalJobFilters.Filters,
            new JobFilterAttributeFilterProvider(),
            new JobFilterCollection { sp.GetRequiredService<Operations.JobStateOpsFilter>() }));
        services.AddHangfire((_, config) => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());

        services.AddScoped<HousekeepingJob>();
        services.AddSingleton(new JobStorageInfo(kind, kind == JobStorageKind.Sqlite ? SqliteJobStoragePath(runtime) : null));
        if (server.RunsJobs)
        {
            // Registered before the Hangfire server so it runs first: recovery must finish before workers fetch.
            services.AddHostedService<JobsStartup>();
            services.AddHangfireServer(o =>
            {
                o.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}";
                o.WorkerCount = jobs.WorkerCount > 0 ? jobs.WorkerCount : Math.Max(1, Environment.ProcessorCount);
                o.SchedulePollingInterval = TimeSpan.FromSeconds(5);
                o.ShutdownTimeout = TimeSpan.FromSeconds(server.ShutdownTimeoutSeconds);
            });
        }

        return builder;
    }

    public static string SqliteJobStoragePath(RuntimeOptions runtime) => Path.Combine(runtime.FullRoot, "jobs.db");

    internal static JobStorageKind ResolveStorage(JobsOptions jobs, DatabaseOptions database) => jobs.Storage switch
    {
        JobStorageKind.Auto => database.Provider == DatabaseProvider.Postgres ? JobStorageKind.Postgres : JobStorageKind.Sqlite,
        var explicitKind => explicitKind,
    };

    /// <summary>The job dashboard at <c>/jobs</c>, for administrators only (bearer, API key or console-session cookie).</summary>
    public static WebApplication MapJobsDashboard(this WebApplication app)
    {
        app.MapHangfireDashboard("/jobs", new DashboardOptions
        {
            Authorization = [], // endpoint authorization below decides
            DashboardTitle = "RET jobs",
            AppPath = "/admin",
            DisplayStorageConnectionString = false,
        }).RequireAuthorization(Policies.AdminTools);
        return app;
    }
}

/// <summary>Which storage the job system uses, for health checks and recovery.</summary>
/// <param name="SqlitePath">The SQLite job database (null on PostgreSQL).</param>
public sealed record JobStorageInfo(JobStorageKind Kind, string? SqlitePath = null);
