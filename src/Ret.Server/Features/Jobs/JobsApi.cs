using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Infrastructure.Security;

namespace Ret.Server.Features.Jobs;

/// <summary><c>/api/jobs</c>: read a job, follow it live (Server-Sent Events), cancel, retry. Owner only.</summary>
public static class JobsApi
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(400);
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/jobs").WithTags("Jobs").RequireAuthorization(Policies.User);
        group.MapGet("/{id:guid}", GetAsync).WithName("GetJob");
        group.MapGet("/{id:guid}/events", EventsAsync).Produces(200, contentType: "text/event-stream");
        group.MapPost("/{id:guid}/cancel", CancelAsync);
        group.MapPost("/{id:guid}/retry", RetryAsync);
        return app;
    }

    private static IQueryable<JobRecord> Owned(RetDbContext db, HttpContext http)
    {
        var userId = http.User.RequiredUserId();
        return db.Set<JobRecord>().Where(j => j.OwnerId == userId);
    }

    internal static async Task<Results<Ok<JobDto>, NotFound>> GetAsync(Guid id, HttpContext http, RetDbContext db, CancellationToken ct)
    {
        var job = await Owned(db, http).AsNoTracking().FirstOrDefaultAsync(j => j.Id == id, ct);
        return job is null ? TypedResults.NotFound() : TypedResults.Ok(JobDto.From(job));
    }

    /// <summary>Streams the job as <c>text/event-stream</c>: the current state first, then every change, a keep-alive
    /// comment every 15 s, and the stream ends after a terminal state. It reads the persisted record, so it works on
    /// any node and survives a worker restart.</summary>
    internal static async Task EventsAsync(Guid id, HttpContext http, RetDbContext db, JobChangeSignal changes, CancellationToken ct)
    {
        var query = Owned(db, http).AsNoTracking().Where(j => j.Id == id);
        var next = changes.Next;
        var job = await query.FirstOrDefaultAsync(ct);
        if (job is null)
        {
            await TypedResults.Problem(statusCode: 404, title: "Job not found.").ExecuteAsync(http);
            return;
        }

        var response = http.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        long sentVersion = -1;
        var sentState = (JobState)(-1);
        var lastWrite = DateTime.UtcNow;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (job.Version != sentVersion || job.State != sentState)
                {
                    var kind = job.State != sentState ? "state" : "progress";
                    await WriteEventAsync(response, kind, JobDto.From(job), ct);
                    sentVersion = job.Version;
                    sentState = job.State;
                    lastWrite = DateTime.UtcNow;
                    if (job.IsTerminal)
                    {
                        return;
                    }
                }
                else if (DateTime.UtcNow - lastWrite >= KeepAlive)
                {
                    await response.WriteAsync(": keep-alive\n\n", ct);
                    await response.Body.FlushAsync(ct);
                    lastWrite = DateTime.UtcNow;
                }

                // Woken at once by a write on this node; other nodes' writes arrive with the poll.
                await JobChangeSignal.WaitAsync(next, PollInterval, ct);
                next = changes.Next;
                job = await query.FirstOrDefaultAsync(ct);
                if (job is null)
                {
                    return; // the session was deleted meanwhile
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the browser went away
        }
    }

    private static async Task WriteEventAsync(HttpResponse response, string kind, JobDto job, CancellationToken ct)
    {
        var json = System.Text.Json.JsonSerializer.Serialize(job, JobProgress.Json);
        var builder = new StringBuilder(json.Length + 32).Append("event: ").Append(kind).Append('\n')
            .Append("data: ").Append(json).Append("\n\n");
        await response.WriteAsync(builder.ToString(), ct);
        await response.Body.FlushAsync(ct);
    }

    internal static async Task<Results<Accepted<JobDto>, NotFound, Conflict<Microsoft.AspNetCore.Mvc.ProblemDetails>>> CancelAsync(
        Guid id, HttpContext http, RetDbContext db, CancellationToken ct)
    {
        var job = await Owned(db, http).FirstOrDefaultAsync(j => j.Id == id, ct);
        if (job is null)
        {
            return TypedResults.NotFound();
        }

        if (job.IsTerminal)
        {
            return TypedResults.Conflict(new Microsoft.AspNetCore.Mvc.ProblemDetails { Title = "The job has already finished.", Status = 409 });
        }

        job.CancelRequested = true;
        job.Version++;
        if (job.State == JobState.Queued)
        {
            // Not started: cancel at once. If a worker picks it up later it sees the terminal state and skips it.
            job.State = JobState.Cancelled;
            job.FinishedAt = DateTime.UtcNow;
            job.ProgressJson = (JobProgress.FromJson(job.ProgressJson) with { Phase = "cancelled" }).ToJson();
            await WorkspaceJobRunner.ReleaseSessionAsync(db, job, ct);
        }

        await db.SaveChangesAsync(ct);
        return TypedResults.Accepted($"/api/jobs/{job.Id}", JobDto.From(job));
    }

    internal static async Task<Results<Accepted<JobDto>, NotFound, Conflict<Microsoft.AspNetCore.Mvc.ProblemDetails>>> RetryAsync(
        Guid id, HttpContext http, RetDbContext db, JobScheduler scheduler, CancellationToken ct)
    {
        var job = await Owned(db, http).AsNoTracking().FirstOrDefaultAsync(j => j.Id == id, ct);
        if (job is null)
        {
            return TypedResults.NotFound();
        }

        if (job.State is not (JobState.Failed or JobState.Cancelled))
        {
            return TypedResults.Conflict(new Microsoft.AspNetCore.Mvc.ProblemDetails { Title = "Only a failed or cancelled job can be retried.", Status = 409 });
        }

        var session = await db.Set<WorkspaceSession>().FirstOrDefaultAsync(s => s.Id == job.SessionId && s.OwnerId == job.OwnerId, ct);
        if (session is null)
        {
            return TypedResults.NotFound();
        }

        var retry = await scheduler.EnqueueAsync(session, job.Kind, job.OptionsJson, ct);
        return retry is null
            ? TypedResults.Conflict(new Microsoft.AspNetCore.Mvc.ProblemDetails { Title = "Another job of this session is running.", Status = 409 })
            : TypedResults.Accepted($"/api/jobs/{retry.Id}", JobDto.From(retry));
    }
}
