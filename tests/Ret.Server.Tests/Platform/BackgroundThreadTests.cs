using Ret.Server.Infrastructure.Hosting;

namespace Ret.Server.Tests.Platform;

/// <summary>Background work (the preview store load) runs on its own thread at a lower priority and hands back its
/// result or its exception.</summary>
public sealed class BackgroundThreadTests
{
    [Fact]
    public async Task Work_runs_on_its_own_lower_priority_thread()
    {
        var callerNice = NiceOfThisThread();
        for (var i = 0; i < 20; i++)
        {
            // The caller is the thread running this line (it changes after each await). It is alive while it starts the
            // work, so the work's thread cannot have been given its id. The id of a thread that has ended can be given
            // again, so the test's first thread is not a valid comparison (it failed once in CI that way).
            var caller = Environment.CurrentManagedThreadId;
            var (thread, name, pooled, nice) = await BackgroundThread.RunAsync("test load", () =>
                (Environment.CurrentManagedThreadId, Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread, NiceOfThisThread()));
            Assert.NotEqual(caller, thread);
            Assert.Equal("test load", name);
            Assert.False(pooled);
            if (OperatingSystem.IsLinux())
            {
                Assert.Equal(callerNice + 10, nice);
                // The code after the await must not run on a lowered thread (new threads inherit the nice value).
                Assert.Equal(callerNice, NiceOfThisThread());
            }
        }
    }

    [Fact]
    public async Task A_failure_reaches_the_caller()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => BackgroundThread.RunAsync<int>("test load", () => throw new InvalidOperationException("load failed")));
        Assert.Equal("load failed", ex.Message);
    }

    /// <summary>Field 19 of /proc/thread-self/stat (after the command name, which may contain spaces).</summary>
    private static int NiceOfThisThread()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        var stat = File.ReadAllText("/proc/thread-self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture);
    }
}
