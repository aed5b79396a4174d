using Hangfire;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Ret.Server.Domain;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Auth;

/// <summary>SECURITY-CHECKLIST 8: reset tokens (self-service by mail, admin-issued, onboarding).</summary>
public sealed partial class ResetTests(AuthApiFactory factory) : IClassFixture<AuthApiFactory>
{
    [Fact]
    public async Task Self_service_request_mails_a_single_use_link_to_the_outbox_and_is_visible_to_admins()
    {
        var user = await TestAuth.CreateUserAsync(factory, "mailbox-" + Guid.NewGuid().ToString("N")[..6] + "@example.com");
        var anonymous = TestAuth.CreateClient(factory);

        var request = await anonymous.PostAsJsonAsync("/api/auth/request-reset", new { username = user.UserName.ToUpperInvariant() });
        Assert.True(request.StatusCode == HttpStatusCode.Accepted, $"{(int)request.StatusCode}; {JobSystemState()}");

        var (file, token) = await WaitForMailAsync(user.UserName);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var mail = await File.ReadAllTextAsync(file);
        Assert.Contains("To: " + user.UserName, mail, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("http://localhost:8000/reset-password?token=" + token, mail, StringComparison.Ordinal);
        var requestRow = await factory.WithDbAsync(db => db.PasswordResetRequests.SingleAsync(r => r.UserId == user.UserId));
        Assert.Equal(PasswordResetStatus.Approved, requestRow.Status);

        var reset = await anonymous.PostAsJsonAsync("/api/auth/reset", new { token, newPassword = "the reset passphrase 1" });
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        await TestAuth.LoginAsync(factory, user.UserName, "the reset passphrase 1");
        Assert.Equal(PasswordResetStatus.Completed,
            await factory.WithDbAsync(db => db.PasswordResetRequests.Where(r => r.UserId == user.UserId).Select(r => r.Status).SingleAsync()));

        var again = await anonymous.PostAsJsonAsync("/api/auth/reset", new { token, newPassword = "another passphrase 22" });
        await AssertInvalidLinkAsync(again);
        var stored = await factory.WithDbAsync(db => db.PasswordResetTokens.Select(t => t.TokenHash).ToListAsync());
        Assert.DoesNotContain(token, stored);
    }

    [Fact]
    public async Task Reset_token_single_use_expiry_invalidated_by_password_change()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var user = await TestAuth.CreateUserAsync(factory);
        var anonymous = TestAuth.CreateClient(factory);

        // Expiry: admin tokens live 60 minutes.
        var expiring = await IssueAsync(admin, user.UserId);
        factory.Clock.Advance(TimeSpan.FromMinutes(61));
        await AssertInvalidLinkAsync(await anonymous.PostAsJsonAsync("/api/auth/reset", new { token = expiring, newPassword = "expired link passphrase" }));
        Assert.Equal(HttpStatusCode.OK, (await admin.RefreshAsync()).StatusCode); // the admin's access token expired too

        // Invalidated by a password change.
        var beforeChange = await IssueAsync(admin, user.UserId);
        var session = await TestAuth.LoginAsync(factory, user.UserName, user.Password);
        await session.ChangePasswordAsync("changed meanwhile passphrase");
        await AssertInvalidLinkAsync(await anonymous.PostAsJsonAsync("/api/auth/reset", new { token = beforeChange, newPassword = "too late passphrase" }));

        // Issuing a new one invalidates the older one.
        var older = await IssueAsync(admin, user.UserId);
        var newer = await IssueAsync(admin, user.UserId);
        await AssertInvalidLinkAsync(await anonymous.PostAsJsonAsync("/api/auth/reset", new { token = older, newPassword = "older link passphrase" }));

        // A weak password does not use up the token.
        var weak = await anonymous.PostAsJsonAsync("/api/auth/reset", new { token = newer, newPassword = "password1" });
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        Assert.True((await weak.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("newPassword", out _));

        // Single use.
        Assert.Equal(HttpStatusCode.NoContent,
            (await anonymous.PostAsJsonAsync("/api/auth/reset", new { token = newer, newPassword = "finally a good passphrase" })).StatusCode);
        await AssertInvalidLinkAsync(await anonymous.PostAsJsonAsync("/api/auth/reset", new { token = newer, newPassword = "second use passphrase" }));
        await AssertInvalidLinkAsync(await anonymous.PostAsJsonAsync("/api/auth/reset", new { token = "x", newPassword = "garbage token passphrase" }));
    }

    [Fact]
    public async Task Reset_revokes_all_sessions_and_clears_forced_change_and_lockout()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var user = await TestAuth.CreateUserAsync(factory);
        var laptop = await TestAuth.LoginAsync(factory, user.UserName, user.Password);
        var client = TestAuth.CreateClient(factory);
        for (var i = 0; i < 5; i++)
        {
            await TestAuth.PostLoginAsync(client, user.UserName, "wrong");
        }

        var token = await IssueAsync(admin, user.UserId);
        var reset = await client.PostAsJsonAsync("/api/auth/reset", new { token, newPassword = "after the reset passphrase" });

        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await user.Client.GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await user.RefreshAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await laptop.RefreshAsync()).StatusCode);
        var fresh = await TestAuth.LoginAsync(factory, user.UserName, "after the reset passphrase"); // lockout cleared
        Assert.False(fresh.MustChangePassword);
        Assert.True(await factory.WithDbAsync(db => db.AuditLog.AnyAsync(a => a.Action == "password_reset_completed" && a.TargetId == user.UserId.ToString())));
    }

    [Fact]
    public async Task Account_created_without_password_onboards_with_its_setup_token()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var name = "newcomer-" + Guid.NewGuid().ToString("N")[..6];

        var created = await admin.Client.PostAsJsonAsync("/api/admin/users", new { username = name, role = "user" });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var token = body.GetProperty("setupToken").GetString()!;
        var expires = body.GetProperty("setupTokenExpiresAt").GetDateTime();
        Assert.InRange((expires - DateTime.UtcNow - factory.Clock.Offset).TotalHours, 71, 73);
        Assert.True(body.GetProperty("user").GetProperty("pendingSetup").GetBoolean());
        Assert.Equal(HttpStatusCode.Unauthorized, (await TestAuth.PostLoginAsync(TestAuth.CreateClient(factory), name, "anything at all")).StatusCode);

        var set = await TestAuth.CreateClient(factory).PostAsJsonAsync("/api/auth/reset", new { token, newPassword = "my first passphrase" });

        Assert.Equal(HttpStatusCode.NoContent, set.StatusCode);
        var session = await TestAuth.LoginAsync(factory, name, "my first passphrase");
        Assert.False(session.MustChangePassword);
    }

    [Fact]
    public async Task Request_without_a_mail_address_waits_for_an_admin_who_approves_it_by_issuing_a_token()
    {
        var admin = await TestAuth.LoginAdminAsync(factory);
        var user = await TestAuth.CreateUserAsync(factory, "nomail-" + Guid.NewGuid().ToString("N")[..6]);

        var request = await TestAuth.CreateClient(factory).PostAsJsonAsync("/api/auth/request-reset", new { username = user.UserName });
        Assert.True(request.StatusCode == HttpStatusCode.Accepted, $"{(int)request.StatusCode}; {JobSystemState()}");
        var pending = await WaitAsync(() => factory.WithDbAsync(db => db.PasswordResetRequests.FirstOrDefaultAsync(r => r.UserId == user.UserId)), JobSystemState);
        Assert.Equal(PasswordResetStatus.Pending, pending!.Status);

        await IssueAsync(admin, user.UserId);

        var decided = await factory.WithDbAsync(db => db.PasswordResetRequests.SingleAsync(r => r.UserId == user.UserId));
        Assert.Equal(PasswordResetStatus.Approved, decided.Status);
        Assert.Equal(admin.UserId, decided.DecidedById);
    }

    private static async Task<string> IssueAsync(AuthSession admin, Guid userId)
    {
        var response = await admin.Client.PostAsync($"/api/admin/users/{userId}/reset-token", null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    private static async Task AssertInvalidLinkAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("This reset link is invalid or has expired.", body.GetProperty("title").GetString());
    }

    private async Task<(string File, string Token)> WaitForMailAsync(string recipient)
    {
        var outbox = Path.Combine(factory.RuntimeRoot, "outbox");
        var found = await WaitAsync<(string File, string Token)?>(async () =>
        {
            if (!Directory.Exists(outbox))
            {
                return default;
            }

            foreach (var file in Directory.GetFiles(outbox, "*.eml"))
            {
                var text = await File.ReadAllTextAsync(file);
                if (text.Contains(recipient, StringComparison.OrdinalIgnoreCase))
                {
                    // Quoted-printable may wrap long lines with "=\r\n": undo that before looking for the token.
                    var unwrapped = text.Replace("=\r\n", "", StringComparison.Ordinal).Replace("=\n", "", StringComparison.Ordinal);
                    var match = TokenInLink().Match(unwrapped);
                    if (match.Success)
                    {
                        return (file, match.Groups[1].Value);
                    }
                }
            }

            return null;
        }, JobSystemState);
        return found!.Value;
    }

    /// <summary>What the job system of this test server says, for the failure message when a background job never
    /// finished (a CI run once timed out here without showing why).</summary>
    private string JobSystemState()
    {
        try
        {
            var monitor = factory.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
            var stats = monitor.GetStatistics();
            var servers = string.Join("; ", monitor.Servers().Select(s => $"{s.Name} workers={s.WorkersCount} heartbeat={s.Heartbeat:O}"));
            var failed = string.Join("; ", monitor.FailedJobs(0, 5).Select(f => $"{f.Value.Job?.Method.Name}: {f.Value.ExceptionType} {f.Value.ExceptionMessage}"));
            var processing = string.Join("; ", monitor.ProcessingJobs(0, 5).Select(p => $"{p.Value.Job?.Type.Name}.{p.Value.Job?.Method.Name} on {p.Value.ServerId} since {p.Value.StartedAt:O}"));
            return $"jobs: enqueued={stats.Enqueued} scheduled={stats.Scheduled} processing={stats.Processing} failed={stats.Failed} succeeded={stats.Succeeded}; "
                + $"servers: [{servers}]; processing: [{processing}]; failed: [{failed}]; now {DateTime.UtcNow:O}";
        }
        catch (Exception ex)
        {
            return "job storage unreadable: " + ex;
        }
    }

    internal static async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<string>? diagnose = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90); // background jobs on a loaded 2-core CI machine
        while (true)
        {
            var value = await probe();
            if (!EqualityComparer<T>.Default.Equals(value, default!))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Background work did not finish in 90 s. " + diagnose?.Invoke());
            }

            await Task.Delay(200);
        }
    }

    [GeneratedRegex(@"reset-password\?token=([A-Za-z0-9_-]{43})")]
    private static partial Regex TokenInLink();
}
