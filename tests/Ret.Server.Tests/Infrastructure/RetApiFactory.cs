using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Ret.Server.Tests.Infrastructure;

/// <summary>The real server in-process, over HTTP, on a real database: its own runtime folder (SQLite file, job
/// storage, files) per instance, or its own PostgreSQL database when the suite runs against PostgreSQL.
/// Use one per test class (<c>IClassFixture</c>).</summary>
public class RetApiFactory : WebApplicationFactory<Program>
{
    public const string AdminPassword = "first-admin-Pa55word!";

    private readonly string? _postgres;

    public RetApiFactory()
    {
        RuntimeRoot = Path.Combine(Path.GetTempPath(), "ret-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(RuntimeRoot);
        if (TestDatabase.UsePostgres)
        {
            _postgres = TestDatabase.CreatePostgresDatabase();
        }
    }

    public string RuntimeRoot { get; }

    /// <summary>This instance's own PostgreSQL database, when the suite runs on PostgreSQL; null on SQLite.</summary>
    protected string? PostgresConnectionString => _postgres;

    /// <summary>Extra settings for a derived factory (e.g. smaller limits).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings => [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Runtime:Root", RuntimeRoot);
        builder.UseSetting("Bootstrap:AdminPassword", AdminPassword);
        builder.UseSetting("Jobs:PollIntervalSeconds", "1");
        builder.UseSetting("Workspace:WarmUpOnStart", "false"); // dozens of hosts per run; EngineWarmUpTests covers it
        if (_postgres is not null)
        {
            builder.UseSetting("Database:Provider", "Postgres");
            builder.UseSetting("Database:ConnectionString", _postgres);
        }

        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    private int _cleaned;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        CleanUp();
        GC.SuppressFinalize(this);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            CleanUp();
        }
    }

    private void CleanUp()
    {
        if (Interlocked.Exchange(ref _cleaned, 1) == 1)
        {
            return;
        }

        if (_postgres is not null)
        {
            TestDatabase.DropPostgresDatabase(_postgres);
        }

        try
        {
            Directory.Delete(RuntimeRoot, recursive: true);
        }
        catch (IOException)
        {
            // a job may still hold a file for a moment; the OS temp cleaner will get it
        }
    }
}
