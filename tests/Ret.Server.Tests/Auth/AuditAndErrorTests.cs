using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Ret.Server.Infrastructure.Audit;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Auth;

public sealed class AuditTests(AuthApiFactory factory) : IClassFixture<AuthApiFactory>
{
    [Fact]
    public async Task Audit_rows_carry_time_actor_action_target_outcome_ip_and_request_id()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var client = TestAuth.CreateClient(factory);
        client.DefaultRequestHeaders.Add("X-Request-ID", "audit-req-1");
        client.DefaultRequestHeaders.Add(AuthApiFactory.RemoteIpHeader, "192.0.2.44");

        await TestAuth.PostLoginAsync(client, user.UserName, user.Password);

        var row = await factory.WithDbAsync(db => db.AuditLog.SingleAsync(a => a.RequestId == "audit-req-1"));
        Assert.Equal("login_succeeded", row.Action);
        Assert.Equal("success", row.Outcome);
        Assert.Equal(user.UserId, row.ActorId);
        Assert.Equal(user.UserName, row.ActorName);
        Assert.Equal("user", row.TargetType);
        Assert.Equal(user.UserId.ToString(), row.TargetId);
        Assert.Equal("192.0.2.44", row.ClientIp);
        Assert.Equal(DateTimeKind.Utc, row.At.Kind);
        Assert.InRange(row.At, DateTime.UtcNow + factory.Clock.Offset - TimeSpan.FromMinutes(1), DateTime.UtcNow + factory.Clock.Offset + TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Audit_log_is_append_only_in_the_database()
    {
        await TestAuth.CreateUserAsync(factory);

        var update = await Record.ExceptionAsync(() => factory.WithDbAsync(db => db.AuditLog.ExecuteUpdateAsync(s => s.SetProperty(a => a.Outcome, "tampered"))));
        var delete = await Record.ExceptionAsync(() => factory.WithDbAsync(db => db.AuditLog.ExecuteDeleteAsync()));

        Assert.NotNull(update);
        Assert.NotNull(delete);
        Assert.Contains("append-only", update.ToString(), StringComparison.Ordinal);
        Assert.True(await factory.WithDbAsync(db => db.AuditLog.AnyAsync()));
        Assert.False(await factory.WithDbAsync(db => db.AuditLog.AnyAsync(a => a.Outcome == "tampered")));
        Assert.DoesNotContain(typeof(IAuditLog).GetMethods(), m => m.Name.Contains("Update", StringComparison.Ordinal) || m.Name.Contains("Delete", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Audit_details_never_hold_passwords_or_tokens()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var user = await TestAuth.CreateUserAsync(factory);
        await TestAuth.PostLoginAsync(TestAuth.CreateClient(factory), user.UserName, "audited-wrong-password");
        var issued = await admin.Client.PostAsync($"/api/admin/users/{user.UserId}/reset-token", null);
        var token = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;

        var rows = await factory.WithDbAsync(db => db.AuditLog.AsNoTracking().ToListAsync());
        var all = string.Join("\n", rows.Select(r => $"{r.ActorName} {r.Details}"));
        Assert.DoesNotContain("audited-wrong-password", all, StringComparison.Ordinal);
        Assert.DoesNotContain(user.Password, all, StringComparison.Ordinal);
        Assert.DoesNotContain(token, all, StringComparison.Ordinal);
        Assert.DoesNotContain(user.AccessToken, all, StringComparison.Ordinal);
    }
}

/// <summary>An unexpected failure is a 500 problem without internals.</summary>
public sealed class UnexpectedErrorTests(AuthApiFactory factory) : IClassFixture<AuthApiFactory>
{
    [Fact]
    public async Task Unexpected_exception_is_500_problem_details_without_stack_trace()
    {
        var user = await TestAuth.CreateUserAsync(factory);
        var fresh = await TestAuth.LoginAsync(factory, user.UserName, user.Password); // its state is not cached yet
        await factory.WithDbAsync(db => db.Database.ExecuteSqlRawAsync("ALTER TABLE users RENAME TO users_gone"));

        var response = await fresh.Client.GetAsync("/api/auth/me");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal(500, body.GetProperty("status").GetInt32());
        Assert.Equal(Assert.Single(response.Headers.GetValues("X-Request-ID")), body.GetProperty("traceId").GetString());
        foreach (var internals in new[] { "Exception", "   at ", "users", "SQLite", "Npgsql", "relation", "stack" })
        {
            Assert.DoesNotContain(internals, text, StringComparison.OrdinalIgnoreCase);
        }
    }
}

public sealed class PublicConfigTests(PublicConfigTests.Factory factory) : IClassFixture<PublicConfigTests.Factory>
{
    public sealed class Factory : AuthApiFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
            [new("App:DemoMode", "true"), new("App:DemoUsername", "demo"), new("App:DemoPassword", "demo-passphrase-1")];
    }

    [Fact]
    public async Task Public_config_shows_the_password_policy_and_demo_credentials_only_when_enabled()
    {
        var body = await TestAuth.CreateClient(factory).GetFromJsonAsync<JsonElement>("/api/config/public");

        Assert.True(body.GetProperty("demoMode").GetBoolean());
        Assert.Equal("demo", body.GetProperty("demoUsername").GetString());
        var policy = body.GetProperty("passwordPolicy");
        Assert.Equal(8, policy.GetProperty("minLength").GetInt32());
        Assert.Equal(128, policy.GetProperty("maxLength").GetInt32());
        Assert.Equal(15, policy.GetProperty("recommendedLength").GetInt32());

        await using var plain = new AuthApiFactory();
        var off = await TestAuth.CreateClient(plain).GetFromJsonAsync<JsonElement>("/api/config/public");
        Assert.False(off.GetProperty("demoMode").GetBoolean());
        Assert.Equal(JsonValueKind.Null, off.GetProperty("demoUsername").ValueKind);
        Assert.Equal(JsonValueKind.Null, off.GetProperty("demoPassword").ValueKind);
    }
}
