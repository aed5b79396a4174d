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
}
