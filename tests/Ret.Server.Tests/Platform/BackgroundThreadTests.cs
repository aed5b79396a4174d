using Ret.Server.Infrastructure.Hosting;

namespace Ret.Server.Tests.Platform;

/// <summary>Background work (the preview store load) runs on its own thread at a lower priority and hands back its
/// result or its exception.</summary>
public sealed class BackgroundThreadTests
{
    [Fact]
    public async Task Work_runs_on_its_own_lower_priority_thread()
    {
        var caller = Environment.CurrentManagedThreadId;
        var callerNice = NiceOfThisThread();
        for (var i = 0; i < 20; i++)
        {
            var (thread, nice) = await BackgroundThread.RunAsync("test load", () => (Environment.CurrentManagedThreadId, NiceOfThisThread()));
            Assert.NotEqual(caller, thread);
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
