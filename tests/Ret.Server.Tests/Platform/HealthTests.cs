using System.Net;
using System.Text.Json;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Platform;

public sealed class HealthTests(RetApiFactory factory) : IClassFixture<RetApiFactory>
{
    [Fact]
    public async Task Live_answers_200_without_touching_dependencies()
    {
        var response = await factory.CreateClient().GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", body.RootElement.GetProperty("status").GetString());
        Assert.Empty(body.RootElement.GetProperty("checks").EnumerateObject());
    }

    [Fact]
    public async Task Ready_reports_database_storage_and_job_server_healthy()
    {
        var client = factory.CreateClient();

        // The job server announces itself right after start; give it a few seconds.
        HttpResponseMessage response = null!;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            response = await client.GetAsync("/health/ready");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var checks = body.RootElement.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("database").GetString());
        Assert.Equal("Healthy", checks.GetProperty("storage").GetString());
        Assert.Equal("Healthy", checks.GetProperty("jobs").GetString());
        Assert.False(checks.TryGetProperty("error", out _));
    }

    [Fact]
    public async Task Detailed_health_is_not_public()
    {
        var response = await factory.CreateClient().GetAsync("/health");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
