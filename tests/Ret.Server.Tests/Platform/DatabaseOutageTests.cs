using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Ret.Server.Infrastructure.Jobs;
using Ret.Server.Infrastructure.Persistence;
using Ret.Server.Tests.Infrastructure;
using Ret.Server.Tests.Workspace;

namespace Ret.Server.Tests.Platform;

/// <summary>
/// The database stops: requests answer 503 with Retry-After (never 500, never a sign-out), readiness says the database is
/// unreachable while liveness stays up, and once the database is back everything works again without a restart — including
/// a conversion that was running when it went away, which finishes exactly once. PostgreSQL only: the outage is a TCP
/// gate in front of the server that this host alone goes through, so the server other test classes share keeps running.
/// </summary>
public sealed class DatabaseOutageTests(DatabaseOutageTests.GatedDatabaseFactory factory) : IClassFixture<DatabaseOutageTests.GatedDatabaseFactory>
{
    [PostgresFact]
    public async Task Requests_answer_503_while_the_database_is_down_and_work_again_when_it_is_back()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var session = await WorkspaceApiTests.CreateSessionAsync(user.Client, "before the outage");
        var anonymous = TestAuth.CreateClient(factory);

        factory.Gate.Cut();
        try
        {
            foreach (var request in new Func<Task<HttpResponseMessage>>[]
            {
                () => user.Client.GetAsync("/api/workspace/sessions"),
                () => user.Client.PatchAsJsonAsync($"/api/workspace/sessions/{session}", new { name = "renamed during the outage" }),
                () => TestAuth.PostLoginAsync(anonymous, user.UserName, user.Password),
            })
            {
                var response = await request();
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
                var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
                Assert.Equal("The service is temporarily unavailable. Please try again shortly.", problem.GetProperty("title").GetString());
                Assert.DoesNotContain("Npgsql", problem.ToString(), StringComparison.OrdinalIgnoreCase); // no internals leak
            }

            var ready = await anonymous.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            var readyBody = await ready.Content.ReadAsStringAsync();
            Assert.Contains("\"database\":\"Unhealthy\"", readyBody, StringComparison.Ordinal);
            Assert.Contains("\"storage\":\"Healthy\"", readyBody, StringComparison.Ordinal); // it names the cause
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);
        }
        finally
        {
            factory.Gate.Open();
        }

        // Back: the pool's dead connections are replaced and the same token works; nothing of the refused rename happened.
        var statuses = await UntilOkAsync(() => user.Client.GetAsync($"/api/workspace/sessions/{session}"));
        Assert.All(statuses[..^1], s => Assert.Equal(HttpStatusCode.ServiceUnavailable, s));
        using (var detail = await WorkspaceApiTests.JsonAsync(user.Client, $"/api/workspace/sessions/{session}"))
        {
            Assert.Equal("before the outage", detail.RootElement.GetProperty("name").GetString());
        }

        Assert.Equal(HttpStatusCode.OK, (await TestAuth.PostLoginAsync(anonymous, user.UserName, user.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/ready")).StatusCode);
        // … and the job storage too: an upload is scanned and converted.
        Assert.Equal(HttpStatusCode.Created, (await user.Client.PutAsync($"/api/workspace/sessions/{session}/files/export.zip",
            new ByteArrayContent(WorkspaceApiTests.NestedExport()))).StatusCode);
        await WorkspaceApiTests.WaitForStateAsync(user.Client, session, "scanned");
        Assert.Equal(HttpStatusCode.Accepted, (await user.Client.PostAsJsonAsync($"/api/workspace/sessions/{session}/conversions", new { })).StatusCode);
        await WorkspaceApiTests.WaitForStateAsync(user.Client, session, "converted");
    }

    [PostgresFact]
    public async Task A_conversion_running_when_the_database_stops_finishes_once_it_is_back()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var http = user.Client;
        const int records = 400_000;
        var export = BigItemExport.Zip(records);
        string session, job;
        for (var attempt = 1; ; attempt++)
        {
            session = await WorkspaceApiTests.CreateSessionAsync(http, $"mid-job {attempt}");
            Assert.Equal(HttpStatusCode.Created, (await http.PutAsync($"/api/workspace/sessions/{session}/files/big.zip", new ByteArrayContent(export))).StatusCode);
            await WorkspaceApiTests.WaitForStateAsync(http, session, "scanned");
            var start = await http.PostAsJsonAsync($"/api/workspace/sessions/{session}/conversions", new { });
            Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
            job = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            var state = "queued";
            await Eventually.UntilAsync(async () =>
            {
                using var doc = await WorkspaceApiTests.JsonAsync(http, $"/api/jobs/{job}");
                state = doc.RootElement.GetProperty("state").GetString()!;
                return state != "queued";
            }, "the conversion never started");

            var id = job;
            // A job write of this conversion waiting for the database: usually "recording a conversion's tables"; in about
            // one class run in five under load the log shows a wait in "starting a job" instead (a second delivery of the
            // job during the outage, not explained yet; ADR 0405). Either way the end state is checked below.
            bool Waiting() => factory.Capture.Lines.Any(l => l.Contains("The database is unavailable while", StringComparison.Ordinal));
            bool CommittedFirst() => factory.Capture.Lines.Any(l => l.Contains($"Conversion {id}: ", StringComparison.Ordinal));
            if (state == "running")
            {
                factory.Gate.Cut();
                try
                {
                    // The engine keeps going without the database (progress writes are dropped); then the tables it wrote
                    // must be recorded, and that write meets the outage. Before ADR 0405 the job was marked "failed
                    // unexpectedly" here — a write that failed too — and the session stayed "converting" for good.
                    await Eventually.UntilAsync(() => Task.FromResult(Waiting() || CommittedFirst()), () => "neither a wait for the database nor the tables recorded; the log said:\n"
                        + string.Join("\n", factory.Capture.Lines.Where(l => l.Contains(id, StringComparison.Ordinal) || l.Contains("database", StringComparison.OrdinalIgnoreCase)
                            || l.Contains("Hangfire", StringComparison.Ordinal)).TakeLast(40).Select(l => l.Length > 400 ? l[..400] : l)));
                    if (Waiting())
                    {
                        await Task.Delay(TimeSpan.FromSeconds(2)); // a few retries while it stays down
                        break;
                    }
                }
                finally
                {
                    factory.Gate.Open();
                }
            }

            // The conversion recorded its tables before the outage began (a fast machine): the race was lost, not the
            // property; try again (three times at most, so a job that never waits still fails the test).
            Assert.True(attempt < 3, "the conversion never met the outage: it finished before the database was cut");
            await WorkspaceApiTests.WaitForStateAsync(http, session, "converted");
        }

        await UntilOkAsync(() => http.GetAsync($"/api/workspace/sessions/{session}"));
        await WorkspaceApiTests.WaitForStateAsync(http, session, "converted");
        Assert.Contains(factory.Capture.Lines, l => l.Contains("The database is back after", StringComparison.Ordinal));
        Assert.DoesNotContain(factory.Capture.Lines, l => l.Contains("failed unexpectedly", StringComparison.Ordinal));
        using (var doc = await WorkspaceApiTests.JsonAsync(http, $"/api/jobs/{job}"))
        {
            Assert.Equal("succeeded", doc.RootElement.GetProperty("state").GetString());
        }

        await BigItemExport.AssertConvertedOnceAsync(http, session, records); // every record once: no duplicate, none lost
    }

    [Fact]
    public async Task A_job_write_is_retried_while_the_database_is_unavailable_and_not_otherwise()
    {
        await using var db = new SqliteRetDbContext(new DbContextOptionsBuilder<SqliteRetDbContext>()
            .UseSqlite("Data Source=:memory:").Options);
        static DatabaseOutage Outage(int seconds) => new(Microsoft.Extensions.Options.Options.Create(new JobsOptions { DatabaseWaitSeconds = seconds }),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<DatabaseOutage>.Instance);
        static Exception Down() => new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused));

        // Down twice, then back: the third attempt's result, and each retry starts from an empty change tracker.
        var calls = 0;
        var tracked = new List<int>();
        var result = await Outage(60).WaitForAsync(db, "a test write", _ =>
        {
            tracked.Add(db.ChangeTracker.Entries().Count());
            db.Add(new Domain.JobRecord { Id = Guid.NewGuid(), SessionId = Guid.NewGuid(), OwnerId = Guid.NewGuid(), Kind = Domain.JobKind.Scan });
            return ++calls < 3 ? throw Down() : Task.FromResult(42);
        }, CancellationToken.None);
        Assert.Equal(42, result);
        Assert.Equal([0, 0, 0], tracked);

        // Not an outage (a bug, a constraint): no second attempt.
        calls = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(() => Outage(60).WaitForAsync(db, "a test write",
            _ => ++calls > 0 ? throw new InvalidOperationException("a bug") : Task.CompletedTask, CancellationToken.None));
        Assert.Equal(1, calls);

        // Still down when the wait is over: the outage's error propagates (pauses 0.25 s, 0.5 s, then 1 s would pass 1 s).
        calls = 0;
        await Assert.ThrowsAsync<NpgsqlException>(() => Outage(1).WaitForAsync(db, "a test write",
            _ => ++calls > 0 ? throw Down() : Task.CompletedTask, CancellationToken.None));
        Assert.InRange(calls, 2, 3);
    }

    /// <summary>Repeats the request until it answers 200 (at most 60 s); returns every status it saw.</summary>
    private static async Task<List<HttpStatusCode>> UntilOkAsync(Func<Task<HttpResponseMessage>> request)
    {
        var statuses = new List<HttpStatusCode>();
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var status = (await request()).StatusCode;
            statuses.Add(status);
            if (status == HttpStatusCode.OK) return statuses;
            Assert.True(DateTime.UtcNow < until, $"no 200 within 60 s: {string.Join(", ", statuses)}");
            await Task.Delay(200);
        }
    }

    /// <summary>The server on its own PostgreSQL database, reached through <see cref="Gate"/>, with the pool on as in
    /// production and short connect timeouts so an outage is noticed in seconds.</summary>
    public sealed class GatedDatabaseFactory : RetApiFactory
    {
        public TcpGate Gate { get; } = TestDatabase.UsePostgres ? TcpGate.To(TestDatabase.PostgresServer!) : TcpGate.None;

        public LogCapture Capture { get; } = new();

        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            Capture.AddTo(builder);
        }

        protected override IEnumerable<KeyValuePair<string, string?>> Settings => PostgresConnectionString is null ? [] :
        [
            new("Database:ConnectionString", new NpgsqlConnectionStringBuilder(PostgresConnectionString)
            {
                Host = "127.0.0.1", Port = Gate.Port, Pooling = true, Timeout = 3,
            }.ConnectionString),
            // (Jobs:OrphanTimeoutSeconds keeps its default, 300 s: shorter, a job whose heartbeat stopped during the
            // outage is delivered a second time beside the run that waits — ADR 0405.)
            new("Jobs:DatabaseWaitSeconds", "120"),
            new("RateLimits:LoginPerIp:PermitLimit", "100000"),
            new("RateLimits:LoginPerAccount:PermitLimit", "100000"),
        ];

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            Gate.Dispose();
        }
    }
}

/// <summary>Runs on PostgreSQL only (<c>RET_TEST_POSTGRES</c>); skipped, with the reason, on the SQLite run.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (!TestDatabase.UsePostgres)
        {
            Skip = "needs PostgreSQL (RET_TEST_POSTGRES); the SQLite run has no database server to stop.";
        }
    }
}

/// <summary>
/// A TCP relay to a database server that a test can cut and open again: <see cref="Cut"/> closes the listening port
/// (new connections are refused, as by a stopped server) and resets every relayed connection (as a server that died).
/// </summary>
public sealed class TcpGate : IDisposable
{
    private readonly string _host;
    private readonly int _targetPort;
    private readonly Lock _lock = new();
    private readonly List<Socket> _relayed = [];
    private TcpListener? _listener;

    private TcpGate(string host, int targetPort)
    {
        _host = host;
        _targetPort = targetPort;
    }

    public static TcpGate None { get; } = new("127.0.0.1", 0);

    public int Port { get; private set; }

    public static TcpGate To(string connectionString)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var gate = new TcpGate(target.Host ?? "127.0.0.1", target.Port);
        gate.Open();
        return gate;
    }

    /// <summary>Listens again, on the same port after the first time.</summary>
    public void Open()
    {
        lock (_lock)
        {
            if (_listener is not null) return;
            var listener = new TcpListener(IPAddress.Loopback, Port);
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Start();
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
            _listener = listener;
            _ = AcceptAsync(listener);
        }
    }

    public void Cut()
    {
        lock (_lock)
        {
            _listener?.Stop();
            _listener = null;
            foreach (var socket in _relayed)
            {
                try
                {
                    socket.LingerState = new LingerOption(true, 0); // a reset, not a polite close
                    socket.Close();
                }
                catch (ObjectDisposedException)
                {
                }
            }

            _relayed.Clear();
        }
    }

    public void Dispose() => Cut();

    private async Task AcceptAsync(TcpListener listener)
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return; // cut
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await server.ConnectAsync(_host, _targetPort);
        }
        catch (SocketException)
        {
            client.Close();
            server.Dispose();
            return;
        }

        lock (_lock)
        {
            if (_listener is null)
            {
                client.Close();
                server.Close();
                return;
            }

            _relayed.Add(client);
            _relayed.Add(server);
        }

        await Task.WhenAny(PumpAsync(client, server), PumpAsync(server, client));
        lock (_lock)
        {
            _relayed.Remove(client);
            _relayed.Remove(server);
        }

        client.Close();
        server.Close();
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            {
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }
}
