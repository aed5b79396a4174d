namespace Ret.Server.Features.Jobs;

/// <summary>
/// Wakes this node's job event streams as soon as a job record is written here, instead of at their next poll (the
/// streams poll the database every 400 ms, which made every finished job look up to that much later in the browser).
/// One signal for all jobs: a write completes the current <see cref="Next"/> and starts a new one; a woken stream simply
/// reads its job again. Writes on other nodes still arrive by polling.
/// </summary>
public sealed class JobChangeSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next <see cref="Notify"/>. Take it <em>before</em> reading the job, so a write between the
    /// read and the wait is not missed.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Notify()
        => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Waits for <paramref name="next"/> or <paramref name="timeout"/>, whichever comes first.</summary>
    public static async Task WaitAsync(Task next, TimeSpan timeout, CancellationToken ct)
    {
        using var delay = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var timer = Task.Delay(timeout, delay.Token);
        await Task.WhenAny(next, timer);
        delay.Cancel(); // no timer left behind per wake-up
        ct.ThrowIfCancellationRequested();
    }
}
