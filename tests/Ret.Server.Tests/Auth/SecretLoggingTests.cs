using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Ret.Server.Tests.Infrastructure;

namespace Ret.Server.Tests.Auth;

/// <summary>SECURITY-CHECKLIST 9: no password, JWT, refresh/reset token, API key or Authorization value reaches a log line.</summary>
public sealed class SecretLoggingTests(SecretLoggingTests.Factory factory) : IClassFixture<SecretLoggingTests.Factory>
{
    public sealed class Factory : AuthApiFactory
    {
        public LogCapture Capture { get; } = new();

        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            Capture.AddTo(builder);
        }
    }

    [Fact]
    public async Task No_secret_appears_in_any_log_line()
    {
        var secrets = new List<string> { RetApiFactory.AdminPassword, TestAuth.AdminChangedPassword };
        var admin = await TestAuth.LoginAdminAsync(factory);
        secrets.Add(admin.AccessToken);

        // Sign-in, failed sign-in, refresh, logout.
        var user = await TestAuth.CreateUserAsync(factory, "logged-" + Guid.NewGuid().ToString("N")[..6] + "@example.com");
        secrets.AddRange([user.Password, user.AccessToken, user.RefreshToken!]);
        await TestAuth.PostLoginAsync(TestAuth.CreateClient(factory), user.UserName, "wrong-secret-password-123");
        secrets.Add("wrong-secret-password-123");
        await user.RefreshAsync();
        secrets.AddRange([user.AccessToken, user.RefreshToken!]);

        // Password change, self-service reset (mailed), admin-issued reset and its use.
        await user.ChangePasswordAsync("changed-secret-passphrase-456");
        secrets.AddRange(["changed-secret-passphrase-456", user.AccessToken, user.RefreshToken!]);
        await TestAuth.CreateClient(factory).PostAsJsonAsync("/api/auth/request-reset", new { username = user.UserName });
        // Wait for the background job (it mails a token; a token issued later by the admin supersedes it).
        await ResetTests.WaitAsync(() => factory.WithDbAsync(db => db.PasswordResetRequests.AnyAsync(r => r.UserId == user.UserId && r.Status == "approved")));
        var issued = await admin.Client.PostAsync($"/api/admin/users/{user.UserId}/reset-token", null);
        var resetToken = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        secrets.Add(resetToken);
        Assert.Equal(HttpStatusCode.NoContent,
            (await TestAuth.CreateClient(factory).PostAsJsonAsync("/api/auth/reset", new { token = resetToken, newPassword = "reset-secret-passphrase-789" })).StatusCode);
        secrets.Add("reset-secret-passphrase-789");
        var setup = await admin.Client.PostAsJsonAsync("/api/admin/users", new { username = "setup-" + Guid.NewGuid().ToString("N")[..6], role = "user" });
        secrets.Add((await setup.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("setupToken").GetString()!);

        // API key use (valid and bogus), console session, an unauthorised call with a bogus bearer.
        user = await TestAuth.LoginAsync(factory, user.UserName, "reset-secret-passphrase-789");
        var created = await user.Client.PostAsJsonAsync("/api/auth/api-keys", new { name = "script" });
        var key = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        secrets.AddRange([key, user.AccessToken, user.RefreshToken!]);
        var keyClient = factory.CreateDefaultClient(TestAuth.BaseAddress);
        keyClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", key);
        await keyClient.GetAsync("/api/auth/me");
        var bogusKey = "ret_" + new string('Z', 43);
        secrets.Add(bogusKey);
        keyClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", bogusKey);
        await keyClient.GetAsync("/api/auth/me");
        var console = await admin.Client.PostAsync("/api/auth/console-session", null);
        secrets.Add(Assert.Single(console.Headers.GetValues("Set-Cookie")).Split(';')[0].Split('=', 2)[1]);
        var bogus = factory.CreateDefaultClient(TestAuth.BaseAddress);
        bogus.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2VjcmV0LXNpZ25hdHVyZQ");
        await bogus.GetAsync("/api/admin/users");
        secrets.Add("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2VjcmV0LXNpZ25hdHVyZQ");
        await user.Client.PostAsync("/api/auth/logout", null);

        await Task.Delay(2500); // let the background reset job and request logging finish
        var lines = factory.Capture.Lines;
        Assert.True(lines.Count > 20, "expected a real log, got " + lines.Count + " lines");
        Assert.Contains(lines, l => l.Contains("/api/auth/login", StringComparison.Ordinal)); // request logging is captured
        foreach (var secret in secrets.Distinct())
        {
            var leak = lines.FirstOrDefault(l => l.Contains(secret, StringComparison.Ordinal)
                                                 || (secret.Length > 40 && l.Contains(secret[..24], StringComparison.Ordinal)));
            Assert.True(leak is null, $"secret {secret[..Math.Min(6, secret.Length)]}… leaked: {leak}");
        }

        Assert.DoesNotContain(lines, l => l.Contains("Authorization: ", StringComparison.OrdinalIgnoreCase) || l.Contains("__Host-ret_refresh=", StringComparison.Ordinal));
    }
}
