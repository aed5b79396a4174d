using Ret.Server.Features.Jobs;

namespace Ret.Server.Tests.Workspace;

public sealed class JobProgressTests
{
    [Theory]
    [InlineData(0, 1000, 0)]
    [InlineData(500, 1000, 45)]
    [InlineData(1000, 1000, 90)]
    [InlineData(1500, 1000, 90)] // the engine may read a little past the estimate
    [InlineData(10, 0, 0)]
    public void Conversion_fills_the_first_90_percent_of_the_bar(long done, long total, double expected)
        => Assert.Equal(expected, ConvertStep.ConversionPercent(done, total));
}
