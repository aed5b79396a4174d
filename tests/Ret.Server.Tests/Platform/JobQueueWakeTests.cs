using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Ret.Server.Tests.Infrastructure;
using Ret.Server.Tests.Workspace;

namespace Ret.Server.Tests.Platform;

/// <summary>A job queued on this node starts at once, not at an idle worker's next poll (JobQueueWake; PostgreSQL
/// storage has its own in-process signal). The poll interval here is a minute, so without the wake-up the scan could
/// not finish inside the deadline.</summary>
public sealed class JobQueueWakeTests(JobQueueWakeTests.SlowPollFactory factory) : IClassFixture<JobQueueWakeTests.SlowPollFactory>
{
    public sealed class SlowPollFactory : RetApiFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Jobs:PollIntervalSeconds", "60")];
    }

    [Fact]
    public async Task Queued_jobs_start_without_waiting_for_the_poll()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var http = user.Client;
        await Task.Delay(500); // the workers have made their first look at the empty queue and now sleep for the poll

        for (var round = 0; round < 3; round++)
        {
            var session = await WorkspaceApiTests.CreateSessionAsync(http, $"wake {round}");
            var clock = Stopwatch.StartNew();
            var put = await http.PutAsync($"/api/workspace/sessions/{session}/files/x.xml",
                new ByteArrayContent(Encoding.UTF8.GetBytes("<r><a>1</a><a>2</a></r>")));
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);

            string? state = null;
            while (clock.Elapsed < TimeSpan.FromSeconds(20))
            {
                using var doc = await WorkspaceApiTests.JsonAsync(http, $"/api/workspace/sessions/{session}");
                state = doc.RootElement.GetProperty("state").GetString();
                if (state == "scanned" && doc.RootElement.GetProperty("activeJob").ValueKind == JsonValueKind.Null)
                {
                    break;
                }

                await Task.Delay(50);
            }

            Assert.True(state == "scanned", $"round {round}: the scan had not run {clock.Elapsed.TotalSeconds:0.0} s after the upload (state {state}); the next poll is 60 s away");
        }
    }
}
