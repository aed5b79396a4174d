using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Ret.Server.Domain;
using Ret.Server.Features.Jobs;
using Ret.Server.Features.Workspace;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Workspace;

/// <summary>The engine warm-up after start really runs the engine (scan + wide + relational conversion of its
/// generated sample) and leaves nothing behind; the request-path warm-up tracks every entity type and writes nothing.</summary>
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

    [Fact]
    public async Task The_request_path_warm_up_tracks_every_entity_type_and_writes_nothing()
    {
        var warmUp = factory.Services.GetRequiredService<RequestPathWarmUp>();
        await warmUp.Completed.Task.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(warmUp.Succeeded);
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<RetDbContext>();
        Assert.Empty(warmUp.NotTracked);
        Assert.Equal(db.Model.GetEntityTypes().Count(), warmUp.EntityTypes);
        // It tracked a new one of each type, changed them, queried as an owner nobody is and ran a job's claim, progress,
        // event stream and a download's redemption for a job nobody has: had anything been saved, these would not be
        // empty, and the only user would not be the bootstrap admin. (A failure of any step leaves Succeeded false.)
        Assert.Equal(0, await db.Set<WorkspaceSession>().CountAsync());
        Assert.Equal(0, await db.Set<WorkspaceFile>().CountAsync());
        Assert.Equal(0, await db.Set<JobRecord>().CountAsync());
        Assert.Equal(0, await db.Set<DownloadTicket>().CountAsync());
        Assert.Equal(0, await db.Set<HourlyUsage>().CountAsync());
        Assert.Equal(["admin"], await db.Users.Select(u => u.UserName).ToListAsync());
    }

    public sealed class WarmUpFactory : RetApiFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Workspace:WarmUpOnStart", "true")];
    }
}
