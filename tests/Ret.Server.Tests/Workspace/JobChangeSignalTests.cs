using Ret.Server.Features.Jobs;

namespace Ret.Server.Tests.Workspace;

public sealed class JobChangeSignalTests
{
    [Fact]
    public async Task A_write_wakes_a_waiting_stream_and_the_next_wait_needs_a_new_write()
    {
        var signal = new JobChangeSignal();
        var first = signal.Next;
        Assert.False(first.IsCompleted);

        signal.Notify();
        Assert.True(first.IsCompletedSuccessfully);

        var second = signal.Next;
        Assert.NotSame(first, second);
        Assert.False(second.IsCompleted);

        // A stream that took the signal before its read wakes on the write even if it starts waiting later.
        signal.Notify();
        var waited = JobChangeSignal.WaitAsync(second, TimeSpan.FromMinutes(10), CancellationToken.None);
        Assert.Same(waited, await Task.WhenAny(waited, Task.Delay(TimeSpan.FromSeconds(30))));
    }

    [Fact]
    public async Task Without_a_write_the_wait_ends_at_the_timeout_and_a_cancelled_stream_stops()
    {
        var signal = new JobChangeSignal();
        await JobChangeSignal.WaitAsync(signal.Next, TimeSpan.FromMilliseconds(20), CancellationToken.None);
        Assert.False(signal.Next.IsCompleted);

        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => JobChangeSignal.WaitAsync(signal.Next, TimeSpan.FromMinutes(10), cancelled.Token));
    }
}
