using System.Net;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Platform;

/// <summary>Start-up behaviour of the real server process: configuration validation, first admin, runtime lock.</summary>
public sealed class StartupTests : IDisposable
{
    private readonly TestRuntimeFolder _folder = new("startup");

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("Server__ShutdownTimeoutSeconds", "0", "Server:ShutdownTimeoutSeconds")]
    [InlineData("Server__TrustedProxies__0", "not-an-ip", "Server:TrustedProxies")]
    [InlineData("Auth__Jwt__SigningKey", "too-short", "Auth:Jwt:SigningKey")]
    [InlineData("Jobs__WorkerCount", "500", "Jobs:WorkerCount")]
    [InlineData("Database__Provider", "Postgres", "Database:ConnectionString")]
    public async Task Bad_setting_stops_the_server_with_one_line_naming_it(string variable, string value, string settingName)
    {
        await using var server = ServerProcess.Start(new Dictionary<string, string>
        {
            ["RET_RUNTIME_ROOT"] = _folder.Path,
            [variable] = value,
        });

        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        var line = Assert.Single(server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            l => l.StartsWith("Configuration error:", StringComparison.Ordinal));
        Assert.Contains(settingName, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", server.Output, StringComparison.Ordinal); // no stack trace
    }

    [Fact]
    public async Task First_start_without_a_password_generates_one_shows_it_once_and_keeps_it_owner_only()
    {
        await using var server = ServerProcess.Start(new Dictionary<string, string> { ["RET_RUNTIME_ROOT"] = _folder.Path });
        Assert.True(await server.WaitUntilLiveAsync(TimeSpan.FromSeconds(60)), server.Output);

        var file = Path.Combine(_folder.Path, "initial-admin-password.txt");
        Assert.True(File.Exists(file));
        var password = (await File.ReadAllTextAsync(file)).Trim();
        Assert.Equal(24, password.Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Contains(password, server.Output, StringComparison.Ordinal);

        // The log line about it (structured logging) names the source but never the secret.
        var logLines = server.Output.Split('\n').Where(l => l.Contains("first administrator account", StringComparison.Ordinal));
        Assert.All(logLines, l => Assert.DoesNotContain(password, l, StringComparison.Ordinal));

        // A restart does not create another admin or print a password again.
        await server.KillAsync();
        await using var again = ServerProcess.Start(new Dictionary<string, string> { ["RET_RUNTIME_ROOT"] = _folder.Path });
        Assert.True(await again.WaitUntilLiveAsync(TimeSpan.FromSeconds(60)), again.Output);
        Assert.DoesNotContain("RET first administrator created", again.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_server_on_the_same_runtime_folder_refuses_to_start()
    {
        await using var first = ServerProcess.Start(new Dictionary<string, string>
        {
            ["RET_RUNTIME_ROOT"] = _folder.Path,
            ["RET_ADMIN_PASSWORD"] = "a-long-enough-password",
        });
        Assert.True(await first.WaitUntilLiveAsync(TimeSpan.FromSeconds(60)), first.Output);

        await using var second = ServerProcess.Start(new Dictionary<string, string> { ["RET_RUNTIME_ROOT"] = _folder.Path });
        var exit = await second.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exit);
        Assert.Contains("Another RET server is already using the runtime folder", second.Output, StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = first.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
    }
}
