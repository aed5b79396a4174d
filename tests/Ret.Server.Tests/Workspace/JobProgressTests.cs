using Ret.Conversion.Conversion;
using Ret.Server.Features.Jobs;

namespace Ret.Server.Tests.Workspace;

/// <summary>The preview store is filled after the job reports done (ADR 0502), so the engine has the whole bar.</summary>
public sealed class JobProgressTests
{
    [Theory]
    [InlineData(0, 1000, 0)]
    [InlineData(500, 1000, 50)]
    [InlineData(333, 1000, 33.3)]
    [InlineData(1000, 1000, 100)]
    [InlineData(1500, 1000, 100)] // the engine may read a little past the estimate
    [InlineData(10, 0, 0)]
    public void Conversion_fills_the_bar_by_bytes_read(long done, long total, double expected)
        => Assert.Equal(expected, ConvertStep.ConversionPercent(done, total));

    [Theory]
    [InlineData(13_100, 100, 0.131)]     // a 13 KB conversion in 0.1 s: 131 KB/s, not 0.0 MB/s
    [InlineData(200_000_000, 2000, 100.0)]
    public void Speed_keeps_kilobyte_precision(long bytes, int milliseconds, double expected)
        => Assert.Equal(expected, Rates.MegabytesPerSecond(bytes, TimeSpan.FromMilliseconds(milliseconds)));

    [Fact]
    public void A_running_group_has_its_own_rate_eta_and_percent_and_a_finished_one_is_complete()
    {
        var running = ConvertStep.ToGroupProgress(new GroupProgress("AR", 1, 4, 25_000_000, 100_000_000, 5000, 0.5));
        Assert.Equal(50.0, running.MbPerSecond);
        Assert.Equal(10_000, running.RecordsPerSecond);
        Assert.Equal(2, running.EtaSeconds); // 75 MB left at 50 MB/s → 1.5 s, rounded
        Assert.Equal(25, running.Percent);

        var done = ConvertStep.ToGroupProgress(new GroupProgress("GL", 3, 3, 999, 1000, 12, 0.2));
        Assert.Equal(100, done.Percent); // sizes are estimates; the files decide
        Assert.Equal(0, done.EtaSeconds);

        var waiting = ConvertStep.ToGroupProgress(new GroupProgress("AP", 0, 2, 0, 1000, 0, 0));
        Assert.Equal(0, waiting.Percent);
        Assert.Null(waiting.MbPerSecond);
        Assert.Null(waiting.EtaSeconds);
    }
}
