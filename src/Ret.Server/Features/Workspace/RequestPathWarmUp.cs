using System.Diagnostics;
using System.Security.Claims;
using System.Text.Json;
using Hangfire.Common;
using Hangfire.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Ret.Server.Domain;
using Ret.Server.Features.Jobs;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Features.Workspace;

/// <summary>
/// Builds, once after start, what EF Core and Hangfire otherwise build inside a user's first requests, without writing
/// anything. A trace of a fresh server's first upload (PUT, 0.39 s of handler time against ~0.1 s later; bench/README.md,
/// session 17) spent it compiling: EF Core's property accessors and snapshots of each entity type the first time one is
/// tracked (0.09 s in <c>DbContext.Add</c> alone), its first queries of each shape, and Hangfire turning the job's
/// expression into a serialised job (0.08 s).
/// So, on a throw-away context: every entity type is tracked as added, then as unchanged and changed (accessors,
/// original-value snapshots, change detection), and the tracker cleared — no <c>SaveChanges</c>; the lookups of an
/// upload and of queuing its scan run for ids nobody has; and the workspace job's expression is turned into a Hangfire job
/// and serialised, without a storage. Then a job's own paths (lookup, claim, progress writes, the event stream) and a
/// download ticket's redemption run for a job and a ticket nobody has: their UPDATEs are conditional on those ids, so
/// they match no row.
/// </summary>
public sealed class RequestPathWarmUp(IServiceScopeFactory scopes, IOptions<WorkspaceOptions> options, IHostApplicationLifetime lifetime,
    ILogger<RequestPathWarmUp> logger, EngineWarmUp? engine = null) : StartupWarmUp(options, lifetime, logger)
{
    /// <summary>Entity types the warm-up tracked; for tests and the log.</summary>
    public int EntityTypes { get; private set; }

    /// <summary>Entity types it could not track, with the reason; for tests and the log.</summary>
    public List<string> NotTracked { get; } = [];

    protected override string FailureMessage => "The request-path warm-up failed; the first requests compile those paths instead";

    protected override async Task WarmUpAsync(CancellationToken stoppingToken)
    {
        // After the engine's warm-up, on nodes that run one: run beside it, this warm-up's compilations delayed the
        // engine's, and the first scan of a fresh server took 1.54–1.73 s instead of 1.29–1.62 s (4 pairs;
        // bench/README.md, session 17).
        if (engine is not null)
        {
            await engine.Completed.Task.WaitAsync(stoppingToken);
        }

        var clock = Stopwatch.StartNew();
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<RetDbContext>();
            EntityTypes = TrackEveryEntityType(db);
            await QueryAsNobodyAsync(scope.ServiceProvider, db, stoppingToken);
            await RunJobPathsAsNobodyAsync(scope.ServiceProvider, db, stoppingToken);
        }

        SerialiseJob();
        Logger.LogInformation("Request paths warmed up in {Seconds:0.00} s ({EntityTypes} entity types)", clock.Elapsed.TotalSeconds, EntityTypes);
    }

    /// <summary>Tracks a new instance of each entity type with a parameterless constructor as added, then as unchanged,
    /// marks one property changed and detects changes; clears the tracker at the end. Nothing is saved.</summary>
    private int TrackEveryEntityType(RetDbContext db)
    {
        var count = 0;
        foreach (var type in db.Model.GetEntityTypes())
        {
            if (type.IsOwned() || type.HasSharedClrType || type.ClrType.IsAbstract || type.ClrType.GetConstructor(Type.EmptyTypes) is null)
            {
                NotTracked.Add($"{type.DisplayName()}: owned, shared, abstract or without a public parameterless constructor");
                continue;
            }

            try
            {
                var entry = db.Entry(Activator.CreateInstance(type.ClrType)!);
                // A key no row has, set by hand: a store-generated key would otherwise stay temporary (it cannot turn
                // unchanged), and a string key null (it cannot be tracked at all).
                foreach (var key in type.FindPrimaryKey()?.Properties ?? [])
                {
                    if (UnusedKey(key.ClrType) is { } value)
                    {
                        entry.Property(key.Name).CurrentValue = value;
                    }
                }

                entry.State = EntityState.Added;
                db.ChangeTracker.DetectChanges();
                entry.State = EntityState.Unchanged;
                var property = type.GetProperties().FirstOrDefault(p => !p.IsKey() && !p.IsForeignKey() && !p.IsShadowProperty());
                if (property is not null)
                {
                    entry.Property(property.Name).IsModified = true;
                }

                db.ChangeTracker.DetectChanges();
                count++;
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
            {
                NotTracked.Add($"{type.DisplayName()}: {ex.Message}");
                Logger.LogDebug(ex, "Warm-up could not track {EntityType}", type.DisplayName());
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
        }

        return count;
    }

    private static object? UnusedKey(Type type) => Type.GetTypeCode(Nullable.GetUnderlyingType(type) ?? type) switch
    {
        TypeCode.Int32 => -1,
        TypeCode.Int64 => -1L,
        TypeCode.String => "warm-up-" + Guid.NewGuid().ToString("N"),
        _ when type == typeof(Guid) => Guid.NewGuid(),
        _ => null,
    };

    /// <summary>The lookups of an upload and of queuing its scan — the same methods, so the same query shapes — for an
    /// owner, a session and a job that do not exist.</summary>
    private async Task QueryAsNobodyAsync(IServiceProvider services, RetDbContext db, CancellationToken ct)
    {
        var nobody = Guid.NewGuid();
        var principal = Nobody(nobody);
        var sessions = services.GetRequiredService<WorkspaceSessions>();
        await sessions.FindAsync(principal, nobody, ct);
        await UploadEndpoints.RemainingQuotaAsync(nobody, sessions, db, Options, ct);
        await services.GetRequiredService<UploadCompletion>().CompleteFilesAsync(nobody, ct);
        await services.GetRequiredService<JobScheduler>().IsActiveAsync(nobody, ct);
        db.ChangeTracker.Clear();
    }

    /// <summary>The queries a job run makes around the engine (bench/README.md, session 18: a fresh server's first scan
    /// and conversion compiled ~280 dynamic methods, EF Core's compiled queries, and ~140 of the runner's own, on the job's time), for a job
    /// that does not exist: its lookup, the claim and its renewals, the progress writes, the event stream's read and a
    /// download ticket's redemption. Every UPDATE among them is conditional on that job's id, so none matches a row.</summary>
    private async Task RunJobPathsAsNobodyAsync(IServiceProvider services, RetDbContext db, CancellationToken ct)
    {
        var nobody = Guid.NewGuid();
        var length = TimeSpan.FromMinutes(1);
        await services.GetRequiredService<WorkspaceJobRunner>().RunAsync(nobody, ct);
        await JobLease.TryClaimAsync(db, nobody, length, ct);
        await JobLease.TryClaimAsync(db, nobody, length, ct, succeededConversion: true);
        var lease = JobLease.Unclaimed(nobody, length);
        await lease.RenewAsync(db, ct);
        await lease.ReleaseAsync(db, ct);
        await WorkspaceJobRunner.ReleaseSessionAsync(db, new JobRecord { Id = nobody, SessionId = nobody }, ct);

        var scopes = services.GetRequiredService<IServiceScopeFactory>();
        var progress = new JobProgress { Phase = "warm-up", FilesDone = 1, FilesTotal = 2 };
        await using (var held = new JobProgressPump(scopes, nobody, ct, lease))
        {
            held.Report(progress);
            await held.FlushAsync(ct);
        }

        await using (var unheld = new JobProgressPump(scopes, nobody, ct))
        {
            unheld.Report(progress);
            await unheld.FlushAsync(ct);
        }

        var http = new DefaultHttpContext { RequestServices = services, User = Nobody(nobody) };
        http.Response.Body = Stream.Null;
        await JobsApi.GetAsync(nobody, http, db, ct);
        await JobsApi.EventsAsync(nobody, http, db, services.GetRequiredService<JobChangeSignal>(), ct);
        _ = JsonSerializer.Serialize(JobDto.From(new JobRecord { Id = nobody, ProgressJson = progress.ToJson() }), JobProgress.Json);

        http = new DefaultHttpContext { RequestServices = services };
        http.Response.Body = Stream.Null;
        await DownloadEndpoints.RedeemAsync(SecretToken.New(), http, db, services.GetRequiredService<SessionTables>(),
            services.GetRequiredService<WorkspaceStorage>(), services.GetRequiredService<Tables.DownloadPrecompressor>(), TimeProvider.System, ct);
        db.ChangeTracker.Clear();
    }

    private static ClaimsPrincipal Nobody(Guid id) => new(new ClaimsIdentity([new Claim(RetClaims.Subject, id.ToString())], "warm-up"));

    /// <summary>What <c>Enqueue</c> does before it reaches the storage: the expression parsed into a job, and the job
    /// serialised (Newtonsoft.Json's contracts for its arguments).</summary>
    private static void SerialiseJob()
    {
        var job = Job.FromExpression<WorkspaceJobRunner>(r => r.RunAsync(Guid.Empty, CancellationToken.None));
        InvocationData.SerializeJob(job).SerializePayload();
    }
}
