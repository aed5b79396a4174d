using Microsoft.Extensions.DependencyInjection;
using Ret.Server.Features.Jobs;
using Ret.Server.Features.Workspace;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Workspace;

/// <summary>The engine warm-up after start really runs the engine (scan + wide + relational conversion of its
/// generated sample) and leaves nothing behind.</summary>
public sealed class EngineWarmUpTests(EngineWarmUpTests.WarmUpFactory factory) : IClassFixture<EngineWarmUpTests.WarmUpFactory>
{
    [Fact]
    public async Task The_warm_up_converts_its_sample_after_start_and_removes_its_files()
    {
        var warmUp = factory.Services.GetRequiredService<EngineWarmUp>();
        await warmUp.Completed.Task.WaitAsync(TimeSpan.FromSeconds(120));

        Assert.True(warmUp.Succeeded);
        var temp = factory.Services.GetRequiredService<WorkspaceStorage>().TempRoot;
        Assert.Empty(Directory.Exists(temp) ? Directory.GetDirectories(temp, "warmup-*") : []);
    }

    public sealed class WarmUpFactory : RetApiFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Workspace:WarmUpOnStart", "true")];
    }
}
