using Hangfire.Storage;
using Hangfire.Storage.SQLite;

namespace Ret.Server.Infrastructure.Jobs;

/// <summary>
/// Starts a job queued on this node at once instead of at an idle worker's next poll. The SQLite job storage has no
/// notification of its own: an idle worker looks for work every <see cref="JobsOptions.PollIntervalSeconds"/>, so every
/// job waited half of that on average before it started — a scan and a conversion, run one after the other, lost a
/// quarter of a second of every upload → download journey (ADR 0503). <see cref="Notify"/> (called once the job is
/// committed to the queue) wakes every idle worker of this node, which then looks at once; the poll stays as the
/// fallback for jobs queued elsewhere (a recurring job, another process on the same file).
/// </summary>
public sealed class JobQueueWake
{
    private CancellationTokenSource _current = new();

    /// <summary>Cancelled at the next <see cref="Notify"/>. Take it <em>before</em> looking at the queue, so a job queued
    /// between the look and the wait is not missed.</summary>
    public CancellationToken Next => Volatile.Read(ref _current).Token;

    /// <remarks>The replaced source is not disposed: a worker may be linking to its token at that moment, and a source
    /// without a timer holds nothing that needs disposing.</remarks>
    public void Notify() => Interlocked.Exchange(ref _current, new CancellationTokenSource()).Cancel();
}

/// <summary>The SQLite storage's own queue, with the wait between two polls cut short by <see cref="JobQueueWake"/>. The
/// storage's dequeue waits on the token it is given, so it is given one that the wake-up also cancels; a wake-up ends
/// that dequeue and the loop here starts the next one, which looks at the queue at once.</summary>
internal sealed class WakeableSqliteQueueProvider(SQLiteStorageOptions options, JobQueueWake wake) : IPersistentJobQueueProvider
{
    private readonly SQLiteJobQueueProvider _inner = new(options);

    public IPersistentJobQueue GetJobQueue(HangfireDbContext connection) => new Queue(_inner.GetJobQueue(connection), wake);

    public IPersistentJobQueueMonitoringApi GetJobQueueMonitoringApi(HangfireDbContext connection) => _inner.GetJobQueueMonitoringApi(connection);

    private sealed class Queue(IPersistentJobQueue inner, JobQueueWake wake) : IPersistentJobQueue
    {
        public IFetchedJob Dequeue(string[] queues, CancellationToken cancellationToken)
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var woken = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, wake.Next);
                try
                {
                    return inner.Dequeue(queues, woken.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // woken: look again
                }
            }
        }

        public void Enqueue(string queue, string jobId) => inner.Enqueue(queue, jobId);
    }
}
