using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Auth;

/// <summary>SECURITY-CHECKLIST 3: lockout per account.</summary>
public sealed class LockoutTests(AuthApiFactory factory) : IClassFixture<AuthApiFactory>
{
    [Fact]
    public async Task Lockout_after_5_failures_is_indistinguishable_from_wrong_password()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var client = TestAuth.CreateClient(factory);
        var wrong = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var response = await TestAuth.PostLoginAsync(client, user.UserName, "wrong-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            wrong.Add(Comparable(await response.Content.ReadAsStringAsync()));
        }

        // Now locked: even the right password gets the very same answer.
        var locked = await TestAuth.PostLoginAsync(client, user.UserName, user.Password);

        Assert.Equal(HttpStatusCode.Unauthorized, locked.StatusCode);
        Assert.Equal(wrong[0], Comparable(await locked.Content.ReadAsStringAsync()));
        Assert.All(wrong, w => Assert.Equal(wrong[0], w));
        Assert.True(await factory.WithDbAsync(db => db.AuditLog.AnyAsync(a => a.Action == "account_locked" && a.TargetId == user.UserId.ToString())));
        // An existing session is not cut by someone else's guessing.
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync("/api/auth/me")).StatusCode);
    }

    [Fact]
    public async Task Attempts_during_lockout_do_not_extend_it_and_expiry_unlocks_and_is_audited()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var client = TestAuth.CreateClient(factory);
        for (var i = 0; i < 5; i++)
        {
            await TestAuth.PostLoginAsync(client, user.UserName, "wrong-" + i);
        }

        factory.Clock.Advance(TimeSpan.FromMinutes(10));
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await TestAuth.PostLoginAsync(client, user.UserName, "still-wrong-" + i)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await TestAuth.PostLoginAsync(client, user.UserName, user.Password)).StatusCode);

        factory.Clock.Advance(TimeSpan.FromMinutes(5.5)); // 15.5 min after the lockout began: over, not extended
        Assert.Equal(HttpStatusCode.OK, (await TestAuth.PostLoginAsync(client, user.UserName, user.Password)).StatusCode);
        Assert.True(await factory.WithDbAsync(db => db.AuditLog.AnyAsync(a => a.Action == "account_unlocked" && a.TargetId == user.UserId.ToString())));
        var reasons = await factory.WithDbAsync(db => db.AuditLog
            .Where(a => a.Action == "login_failed" && a.ActorId == user.UserId).Select(a => a.Details).ToListAsync());
        Assert.Equal(5, reasons.Count(r => r!.Contains("bad_password", StringComparison.Ordinal)));
        Assert.Equal(11, reasons.Count(r => r!.Contains("\"locked\"", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Successful_login_resets_the_failure_counter()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var client = TestAuth.CreateClient(factory);
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 4; i++)
            {
                await TestAuth.PostLoginAsync(client, user.UserName, "wrong");
            }

            Assert.Equal(HttpStatusCode.OK, (await TestAuth.PostLoginAsync(client, user.UserName, user.Password)).StatusCode);
        }
    }

    [Fact]
    public async Task Admin_unlock_ends_a_lockout_and_is_audited()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var client = TestAuth.CreateClient(factory);
        for (var i = 0; i < 5; i++)
        {
            await TestAuth.PostLoginAsync(client, user.UserName, "wrong");
        }

        var admin = await TestAuth.LoginAdminAsync(factory);
        var unlock = await admin.Client.PatchAsJsonAsync($"/api/admin/users/{user.UserId}", new { isLocked = false });

        Assert.Equal(HttpStatusCode.OK, unlock.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await TestAuth.PostLoginAsync(client, user.UserName, user.Password)).StatusCode);
        Assert.True(await factory.WithDbAsync(db => db.AuditLog.AnyAsync(a => a.Action == "account_unlocked" && a.ActorId == admin.UserId)));
    }

    internal static string Comparable(string problemJson)
    {
        var node = JsonNode.Parse(problemJson)!.AsObject();
        node.Remove("traceId");
        return node.ToJsonString();
    }
}

/// <summary>SECURITY-CHECKLIST 4: unknown, wrong-password, locked and disabled accounts look the same.</summary>
public sealed class EnumerationTests(EnumerationTests.Factory factory) : IClassFixture<EnumerationTests.Factory>
{
    /// <summary>Failures never lock here, so the wrong-password account can be sampled many times.</summary>
    public sealed class Factory : AuthApiFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings => [new("Auth:Lockout:MaxFailedAttempts", "1000")];
    }

    [Fact]
    public async Task Unknown_locked_disabled_wrong_password_are_indistinguishable()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var wrongPassword = await TestAuth.CreateUserAsync(factory);
        var locked = await TestAuth.CreateUserAsync(factory);
        var disabled = await TestAuth.CreateUserAsync(factory);
        var noPassword = await admin.Client.PostAsJsonAsync("/api/admin/users", new { username = "onboarding-" + Guid.NewGuid().ToString("N")[..8], role = "user" });
        var noPasswordName = (await noPassword.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("user").GetProperty("username").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await admin.Client.PatchAsJsonAsync($"/api/admin/users/{locked.UserId}", new { isLocked = true })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.Client.PatchAsJsonAsync($"/api/admin/users/{disabled.UserId}", new { isActive = false })).StatusCode);

        var cases = new (string Name, string UserName, string Password)[]
        {
            ("wrong password", wrongPassword.UserName, "not-the-password"),
            ("unknown user", "nobody-" + Guid.NewGuid().ToString("N")[..8], "not-the-password"),
            ("locked (right password)", locked.UserName, locked.Password),
            ("disabled (right password)", disabled.UserName, disabled.Password),
            ("no password yet", noPasswordName, "not-the-password"),
        };
        var client = TestAuth.CreateClient(factory);
        var bodies = new Dictionary<string, HashSet<string>>();
        var times = cases.ToDictionary(c => c.Name, _ => new List<double>());

        // Round-robin, so load on a busy CI machine hits every case alike.
        await TestAuth.PostLoginAsync(client, "warm-up", "warm-up");
        for (var round = 0; round < 15; round++)
        {
            foreach (var c in cases)
            {
                var watch = Stopwatch.StartNew();
                var response = await TestAuth.PostLoginAsync(client, c.UserName, c.Password);
                watch.Stop();
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.False(response.Headers.Contains("Set-Cookie"));
                var body = LockoutTests.Comparable(await response.Content.ReadAsStringAsync());
                (bodies.TryGetValue(c.Name, out var set) ? set : bodies[c.Name] = []).Add(body);
                times[c.Name].Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        var allBodies = bodies.Values.SelectMany(b => b).Distinct().ToList();
        Assert.Single(allBodies);
        Assert.Contains("Invalid username or password.", allBodies[0], StringComparison.Ordinal);

        // Timing: every case runs one full password hash (~150 ms). Without the dummy hash an unknown user answers 10–100×
        // faster; interleaved medians within 2.5× of each other are robust on a loaded 2-core machine and still catch that.
        var medians = times.ToDictionary(t => t.Key, t => Median(t.Value));
        var slowest = medians.Values.Max();
        var fastest = medians.Values.Min();
        Assert.True(slowest / fastest < 2.5, "medians (ms): " + string.Join(", ", medians.Select(m => $"{m.Key}={m.Value:0.0}")));

        // The reason is only in the audit log.
        var reasons = await factory.WithDbAsync(db => db.AuditLog.Where(a => a.Action == "login_failed").Select(a => a.Details).ToListAsync());
        foreach (var reason in new[] { "unknown_user", "bad_password", "locked", "disabled" })
        {
            Assert.Contains(reasons, r => r!.Contains(reason, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Request_reset_same_answer_for_everyone()
    {
        var user = await TestAuth.CreateUserAsync(factory, "someone@example.com");
        var client = TestAuth.CreateClient(factory);

        var known = await client.PostAsJsonAsync("/api/auth/request-reset", new { username = user.UserName });
        var unknown = await client.PostAsJsonAsync("/api/auth/request-reset", new { username = "nobody@example.com" });
        var garbage = await client.PostAsJsonAsync("/api/auth/request-reset", new { username = "<not a name>" });

        Assert.Equal(HttpStatusCode.Accepted, known.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, garbage.StatusCode);
        var body = await known.Content.ReadAsStringAsync();
        Assert.Equal(body, await unknown.Content.ReadAsStringAsync());
        Assert.Equal(body, await garbage.Content.ReadAsStringAsync());
        Assert.Equal(known.Headers.Select(h => h.Key).Where(k => k != "X-Request-ID").OrderBy(k => k),
            unknown.Headers.Select(h => h.Key).Where(k => k != "X-Request-ID").OrderBy(k => k));

        // Same work in the request either way (the lookup runs in a background job): compare timings too.
        var knownTimes = new List<double>();
        var unknownTimes = new List<double>();
        for (var i = 0; i < 15; i++)
        {
            var w = Stopwatch.StartNew();
            await client.PostAsJsonAsync("/api/auth/request-reset", new { username = user.UserName });
            knownTimes.Add(w.Elapsed.TotalMilliseconds);
            w.Restart();
            await client.PostAsJsonAsync("/api/auth/request-reset", new { username = "nobody-" + i });
            unknownTimes.Add(w.Elapsed.TotalMilliseconds);
        }

        var ratio = Median(knownTimes) / Median(unknownTimes);
        Assert.InRange(ratio, 0.2, 5.0); // both only enqueue a job; a synchronous lookup + record + mail would stand out
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
