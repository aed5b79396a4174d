using System.Runtime.InteropServices;

namespace Ret.Server.Infrastructure.Hosting;

/// <summary>
/// Runs long background work (filling a session's preview store after a conversion) on its own thread at a lower
/// scheduling priority, so requests that a user is waiting for — a download started the moment the conversion reports
/// done, a preview page, another user's upload — get the cores first and the background work takes what is left. On
/// Linux a thread's nice value is its own, and raising it needs no privilege; elsewhere the runtime's
/// <see cref="ThreadPriority.BelowNormal"/> is used. Measured in bench/README.md ("Session 7").
/// </summary>
public static class BackgroundThread
{
    /// <summary>The nice value of the thread (0 is normal, 19 the lowest priority).</summary>
    private const int Nice = 10;

    /// <remarks>
    /// On Linux a new thread inherits the nice value of the thread that creates it, and the thread pool may create a
    /// worker on the thread that queues work. So the lowered thread queues nothing: it only sets an event, and the pool's
    /// wait thread (normal priority) completes the task. Otherwise a pool thread created while completing it would
    /// serve requests at the lowered priority for the rest of its life (a test caught that). The work itself must stay
    /// synchronous for the same reason.
    /// </remarks>
    public static async Task<T> RunAsync<T>(string name, Func<T> work)
    {
        using var finished = new ManualResetEvent(false);
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                LowerPriority();
                result = work();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
            finally
            {
                finished.Set();
            }
        })
        {
            IsBackground = true,
            Name = name,
        };

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var wait = ThreadPool.RegisterWaitForSingleObject(finished, (_, _) => done.TrySetResult(), null, Timeout.Infinite, executeOnlyOnce: true);
        try
        {
            thread.Start();
            await done.Task;
        }
        finally
        {
            wait.Unregister(null);
        }

        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        return result;
    }

    private static void LowerPriority()
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                _ = SetPriority(PrioProcess, GetThreadId(), Nice); // best effort: at worst the work runs at normal priority
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
            }
        }
        else
        {
            Thread.CurrentThread.Priority = ThreadPriority.BelowNormal;
        }
    }

    private const int PrioProcess = 0;

    /// <summary>With <c>PRIO_PROCESS</c> and a thread id, Linux sets that one thread's nice value (setpriority(2), NOTES).</summary>
    // DllImport rather than the source-generated LibraryImport, which needs unsafe code enabled for the whole project.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static extern int SetPriority(int which, int who, int priority);

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetThreadId();
#pragma warning restore SYSLIB1054
}
