using Microsoft.EntityFrameworkCore;
using Ret.Server.Domain;
using Ret.Server.Infrastructure.Persistence;

namespace Ret.Server.Features.Jobs;

/// <summary>Carries progress from engine threads to the job record without slowing the engine: reports only swap
/// an in-memory snapshot; a loop persists the latest one twice a second (so every node and every reload sees it)
/// and watches for a user's cancel request, which cancels <see cref="Token"/>. With a <see cref="JobLease"/> it also
/// renews the run's claim on the job, and cancels <see cref="Token"/> when another run has taken the job over.</summary>
public sealed class JobProgressPump : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    private readonly IServiceScopeFactory _scopes;
    private readonly Guid _jobId;
    private readonly JobLease? _lease;
    private readonly bool _watchCancel;
    private DateTime _renewedAt = DateTime.UtcNow;
    private readonly CancellationTokenSource _cts;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private JobProgress _latest = new() { Phase = "starting" };
    private int _dirty;

    /// <param name="watchCancel">false once the job has ended (its preview store is filled under the lease): a late
    /// cancel request must not stop that.</param>
    public JobProgressPump(IServiceScopeFactory scopes, Guid jobId, CancellationToken shutdown, JobLease? lease = null, bool watchCancel = true)
    {
        _scopes = scopes;
        _jobId = jobId;
        _lease = lease;
        _watchCancel = watchCancel;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        _loop = Task.Run(LoopAsync, CancellationToken.None);
    }

    /// <summary>Cancelled when the user cancels the job or the server shuts down.</summary>
    public CancellationToken Token => _cts.Token;

    public bool CancelledByUser { get; private set; }

    /// <summary>Another run holds the job now (its claim was found taken); <see cref="Token"/> is cancelled.</summary>
    public bool LeaseLost { get; private set; }

    public JobProgress Latest => Volatile.Read(ref _latest);

    public void Report(JobProgress progress)
    {
        Volatile.Write(ref _latest, progress);
        Interlocked.Exchange(ref _dirty, 1);
    }

    private async Task LoopAsync()
    {
        var pause = Interval;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(pause, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            try
            {
                await FlushAsync(CancellationToken.None);
                if (LeaseLost)
                {
                    break; // nothing of this run is written any more
                }

                pause = Interval;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A missed progress write is harmless; the next tick or the final state write catches up. While the
                // database is down, ticks slow down (up to every 5 s) instead of failing (and being logged) every tick.
                if (DatabaseOutage.IsUnavailable(ex))
                {
                    pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                }
            }
        }
    }

    /// <summary>Writes the latest snapshot if it changed (renewing the run's claim with it, or on its own every quarter
    /// of the claim's length), and checks whether the user asked to cancel or another run took the job over.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RetDbContext>();
        var now = DateTime.UtcNow;
        if (Interlocked.Exchange(ref _dirty, 0) == 1)
        {
            var json = Latest.ToJson();
            if (_lease is null)
            {
                await db.Set<JobRecord>().Where(j => j.Id == _jobId).ExecuteUpdateAsync(s => s.SetProperty(j => j.ProgressJson, json).SetProperty(j => j.Version, j => j.Version + 1), cancellationToken);
            }
            else
            {
                var until = _lease.NextExpiry();
                if (await _lease.Row(db).ExecuteUpdateAsync(s => s.SetProperty(j => j.ProgressJson, json)
                        .SetProperty(j => j.Version, j => j.Version + 1).SetProperty(j => j.LeaseExpiresAt, until), cancellationToken) == 0)
                {
                    await LoseLeaseAsync();
                    return;
                }

                _renewedAt = now;
            }

            scope.ServiceProvider.GetService<JobChangeSignal>()?.Notify();
        }
        else if (_lease is not null && now - _renewedAt > _lease.Length / 4)
        {
            if (!await _lease.RenewAsync(db, cancellationToken))
            {
                await LoseLeaseAsync();
                return;
            }

            _renewedAt = now;
        }

        if (!_watchCancel)
        {
            return;
        }

        var cancel = await db.Set<JobRecord>().Where(j => j.Id == _jobId).Select(j => j.CancelRequested).FirstOrDefaultAsync(cancellationToken);
        if (cancel && !_cts.IsCancellationRequested)
        {
            CancelledByUser = true;
            await _cts.CancelAsync();
        }
    }

    private async Task LoseLeaseAsync()
    {
        LeaseLost = true;
        if (!_cts.IsCancellationRequested)
        {
            await _cts.CancelAsync();
        }
    }

    /// <summary>Ends the persisting loop and waits for a write in flight, so a late snapshot cannot overwrite the job's
    /// final state (a finished job once showed the 90 % "indexing" snapshot because the loop wrote after it). Idempotent.</summary>
    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        await _loop;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
        _cts.Dispose();
    }
}
